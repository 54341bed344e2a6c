// RtspMount: one camera at its RTSP mount.
//
// It mounts a factory that gives every client its own media fed from the
// camera's hub (viewer-media.h), and knows the clients that hold a session
// on it. When ipcamsrc gives up on the camera, the clients of this mount
// are closed (no other camera's); the next one tries it again. Several
// mounts share one server (RtspPort), each at its own path.
#pragma once

#include "media/camera-hub.h"

#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <memory>
#include <string>

namespace ipcam::server {

class RtspMount {
 public:
  // `with_auth`: the server requires the RTSP user (the "viewer" role).
  RtspMount(GstRTSPServer *server, std::string mount, std::shared_ptr<CameraHub> hub, bool with_auth);
  ~RtspMount();
  RtspMount(const RtspMount &) = delete;
  RtspMount &operator=(const RtspMount &) = delete;

  const std::string &path() const { return mount_; }
  // Main thread: RTSP connections holding a session on this mount, or
  // (!only_mine) every connection of the server.
  unsigned client_count(bool only_mine = true);
  // Main thread: the hub gave up on the camera (`streamed`: frames had
  // flowed): this mount's clients are closed.
  void camera_ended(bool streamed);
  // Main thread: closes this mount's clients and their sessions.
  void close_clients();

 private:
  GList *clients();  // this mount's, referenced

  GstRTSPServer *server_;  // not owned
  const std::string mount_;
  GstRTSPMediaFactory *factory_ = nullptr;
};

}  // namespace ipcam::server
