// LoginSettings: what the server gives a camera after every login it
// makes to it, so that a camera that restarted (or was reset by its
// buttons) gets them again: the [camera NAME] group's apply-settings
// ("exposure=2, led=0[, firmware=...]", ipcam::parse_settings_spec) and,
// with sync-clock (the default), the host's clock, only when the host's
// clock is synchronised (ipcam::host_clock_unsynchronised()). The
// server's own control sessions get them here; the stream's ipcamsrc gets
// them as its properties of the same names and applies them itself.
// A setting the camera refuses or ignores is a warning that names it.
#pragma once

#include "config/camera-options.h"

#include "ipcam/session.h"
#include "ipcam/settings-spec.h"

#include <gst/gst.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

namespace ipcam::server {

struct LoginSettings {
  std::string camera;  // its name, for the log
  std::optional<ipcam::SettingsSpec> apply;
  bool sync_clock = true;
  // Set once the camera left one of these requests unanswered (a firmware
  // without them): it is not asked again, so that no later login waits
  // the timeout. Shared by the copies.
  std::shared_ptr<std::atomic<bool>> unanswered = std::make_shared<std::atomic<bool>>(false);

  // Right after a login of the server's own control session (the start
  // check's quick login excepted).
  void after_login(ipcam::ControlSession &session) const;
  // The stream's ipcamsrc, before it starts.
  void configure_source(GstElement *src) const;
};

// A camera's, from its options (config keys apply-settings, sync-clock).
LoginSettings login_settings(const CameraOptions &camera);

}  // namespace ipcam::server
