// RtspPort: the RTSP server every camera's mount is attached to: its
// address and port, its authentication (--rtsp-user), its caps (open
// connections in total and per address, lowered to what the descriptor
// limit carries; sessions per connection; a client thread pool sized for
// the cameras), and the server-wide chores of a periodic tick (sessions
// of viewers that vanished, connections that hold no session).
#pragma once

#include "config/server-options.h"

#include <gst/rtsp-server/rtsp-server.h>

#include <string>

namespace ipcam::server {

class RtspPort {
 public:
  RtspPort(const ServerOptions &options, size_t camera_count);
  ~RtspPort();
  RtspPort(const RtspPort &) = delete;
  RtspPort &operator=(const RtspPort &) = delete;

  GstRTSPServer *server() const { return server_; }
  // Main thread: listens on --bind at --port and starts the tick; false
  // (the error printed) if it cannot.
  bool listen();
  // "rtsp://HOST:PORT": where the mounts are, as clients reach them (valid after listen()).
  std::string base_url() const;
  // Main thread: closes every client and session (at shutdown).
  void close_all_clients();

 private:
  const ServerOptions &options_;
  GstRTSPServer *server_;
  guint tick_ = 0;
};

}  // namespace ipcam::server
