// ipcamsrc and the camera's own settings, as the phone app handles them:
// the configuration block read after every login (camera-settings), the
// settings an application wants the camera to have (apply-settings, given
// again after every login so that a camera that restarted gets them back),
// the camera's clock (sync-clock), the action signals for one setting, the
// card and the clock, and the camera's events as bus messages. Kept out of
// ipcamsrc.cpp so that the element's core stays about streaming.
#pragma once

#include "ipcam/session.h"
#include "ipcam/settings-spec.h"
#include "ipcamsrc.h"

#include <optional>
#include <string>
#include <string_view>

namespace ipcam::src {

// Guarded by SrcState::lock.
struct CameraSetup {
  CameraSetup() = default;
  ~CameraSetup();
  CameraSetup(const CameraSetup &) = delete;
  CameraSetup &operator=(const CameraSetup &) = delete;

  GstStructure *apply = nullptr;            // apply-settings as set (owned), or null
  std::optional<ipcam::SettingsSpec> spec;  // what `apply` says, checked
  bool sync_clock = true;
  GstStructure *camera_settings = nullptr;  // the block as last read (owned), or null
};

// Property ids of their own range, so that the element's enum stays as it is.
enum SetupProperty : guint {
  kPropCameraSettings = 100,
  kPropApplySettings,
  kPropSyncClock,
};

}  // namespace ipcam::src

// ipcamsrc-settings.cpp
void gst_ipcam_src_install_setup_properties(GObjectClass *oc);
// False when `prop_id` is not one of these (the caller handles it).
bool gst_ipcam_src_setup_set_property(GstIpcamSrc *self, guint prop_id, const GValue *value);
bool gst_ipcam_src_setup_get_property(GstIpcamSrc *self, guint prop_id, GValue *value);
// After every login, before the preview starts: reads the block
// (camera-settings), sets the clock (sync-clock) and applies
// apply-settings; each problem is a WARNING on the bus, none is fatal.
// Returns the camera's firmware ("" when the block could not be read).
std::string gst_ipcam_src_set_up_camera(GstIpcamSrc *self, ipcam::ControlSession &session,
                                        GCancellable *cancellable);
// A readable setting's new value, from a set-setting's read-back.
void gst_ipcam_src_update_camera_setting(GstIpcamSrc *self, std::string_view name, int32_t value);
// The host's local time to the camera (0xA011); the sent time as ISO 8601.
bool gst_ipcam_src_send_host_clock(ipcam::ControlSession &session, std::string &sent, GError **error);

// ipcamsrc-events.cpp: the camera's events as ipcam-camera-event messages.
void gst_ipcam_src_watch_events(GstIpcamSrc *self, ipcam::ControlSession &session);

// ipcamsrc-phone-signals.cpp: set-setting, get-storage, delete-file,
// format-storage, set-clock.
void gst_ipcam_src_install_phone_signals(GstIpcamSrcClass *klass);
