// CameraStream: one camera served at one RTSP mount.
//
// It owns the camera hub (the one ipcamsrc) and mounts a factory that
// gives every client its own media fed from the hub. A periodic tick on
// the main context expires sessions of viewers that vanished, closes
// connections that hold no session, and lets the hub release the camera
// after --linger. When ipcamsrc gives up on the camera, the clients of this
// mount are closed (no other camera's); the next one tries it again.
// Several CameraStreams share one server, each at its own mount.
#pragma once

#include "camera-hub.h"
#include "publisher.h"
#include "server-options.h"

#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ipcam_rtsp {

class CameraStream {
 public:
  // `address` may be empty: ipcamsrc then discovers the camera itself.
  CameraStream(const ServerOptions &options, std::string address);
  ~CameraStream();
  CameraStream(const CameraStream &) = delete;
  CameraStream &operator=(const CameraStream &) = delete;

  // Mounts the factory and starts the tick. Main thread.
  void attach(GstRTSPServer *server);

  // The running ipcamsrc (a new reference), or nullptr. Any thread.
  GstElement *running_source() { return hub_->running_source(); }

  // The camera hub, for viewers that are not RTSP clients (WebRTC).
  const std::shared_ptr<CameraHub> &hub() const { return hub_; }
  // This camera's publications (--publish), one Publisher per URL, each
  // fed from the hub: started once the stream is attached, stopped first at
  // a stop. Main thread. The URLs passed Publisher::check_url().
  void start_publishing(const std::vector<std::string> &urls);
  void stop_publishing();
  const std::vector<std::unique_ptr<Publisher>> &publishers() const { return publishers_; }

  // For the status. Main thread: RTSP connections holding a session on
  // this mount, or (!only_mine) every connection of the server.
  unsigned client_count(bool only_mine = true);
  bool camera_held() { return hub_->running(); }
  size_t viewer_count() { return hub_->viewer_count(); }
  uint64_t dropped_gops() { return hub_->dropped_gops(); }

  // Closes this mount's clients and releases the camera; released() turns true
  // once the camera pipeline is gone. Main thread.
  void shut_down();
  bool released() { return !hub_->running(); }

  // The server-wide chores of the periodic tick (expired sessions, idle
  // connections), and closing every client at shutdown. Main thread.
  static void server_tick(GstRTSPServer *server);
  static void close_all_clients(GstRTSPServer *server);

 private:
  static gboolean on_tick(gpointer self);
  void tick();
  void camera_ended(bool streamed);
  GList *clients();  // this mount's, referenced
  void close_clients();

  const ServerOptions &options_;
  GstRTSPServer *server_ = nullptr;  // not owned
  std::shared_ptr<CameraHub> hub_;
  std::vector<std::unique_ptr<Publisher>> publishers_;
  GstRTSPMediaFactory *factory_ = nullptr;
  guint tick_id_ = 0;
};

}  // namespace ipcam_rtsp
