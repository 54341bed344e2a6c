// One camera the server serves: where it is and how to log in
// (ipcam::CameraEndpoint), and how it is served: at rtsp://BIND:PORT/NAME,
// WHEP /whep/NAME, the API under /api/cameras/NAME/, and the media
// servers it is published to. Set by --camera NAME=ADDRESS and the other
// per-camera options (--interface NAME=IFACE ...), or a [camera NAME] group.
#pragma once

#include "ipcam/endpoint.h"
#include "ipcam/settings-spec.h"

#include <glib.h>

#include <optional>

#include <string>
#include <vector>

namespace ipcam::server {

// The server's own continuous recording of a camera (archive/): MP4
// segments under DIR/NAME/, kept by age and size. "Record" is the
// camera's own recording to its card; this is the archive.
struct ArchiveOptions {
  std::string dir;                 // --archive / archive=; empty = no archive
  unsigned segment_s = 600;        // --archive-segment (default 10m)
  guint64 keep_s = 0;              // --archive-keep; 0 = no age limit
  guint64 max_bytes = 0;           // --archive-max-bytes; 0 = no size limit
  guint64 min_free_bytes = 0;      // --archive-min-free; 0 = write until the disk is full
  bool enabled() const { return !dir.empty(); }
};

struct CameraOptions {
  std::string name;   // [A-Za-z0-9_-]+, or a bare camera's --mount without its slash
  std::string mount;  // "/" + name
  ipcam::CameraEndpoint endpoint;  // empty address = found by discovery at start (a bare, single camera only)
  // Where this camera's stream is published (--publish, config key publish;
  // checked by check_publish_url() as they are read).
  std::vector<std::string> publish;
  // Given to the camera after every login the server makes to it
  // (camera/login-settings.h): config keys apply-settings and sync-clock.
  std::optional<ipcam::SettingsSpec> apply_settings;
  bool sync_clock = true;
  ArchiveOptions archive;
};

}  // namespace ipcam::server
