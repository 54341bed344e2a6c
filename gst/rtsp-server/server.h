// Server: everything ipcam-rtsp-server serves, once its cameras were
// checked: the RTSP port with one Camera (mount, WHEP, publications,
// control) per camera, the control port (page, API, WHEP, ONVIF) and, with
// --onvif, WS-Discovery. It prints the ready line, runs until SIGINT or
// SIGTERM, and stops in order: WS-Discovery's Bye, publications and
// requests, browsers, RTSP clients, then the cameras.
#pragma once

#include "camera/camera.h"
#include "config/server-options.h"
#include "http/control-api.h"
#include "onvif/ws-discovery.h"
#include "rtsp/rtsp-port.h"

#include <memory>
#include <vector>

namespace ipcam::server {

class Server {
 public:
  Server(const Options &options, const std::vector<CheckedCamera> &found);
  ~Server();
  Server(const Server &) = delete;
  Server &operator=(const Server &) = delete;

  // Serves until a signal; the exit code (4: a port cannot be listened on).
  int run();

 private:
  bool listen();
  void serve();
  static gboolean on_signal(gpointer self);
  static gboolean on_stopping(gpointer self);
  bool released() const;

  const Options &options_;
  const std::vector<CheckedCamera> &found_;
  std::unique_ptr<RtspPort> rtsp_;
  std::vector<std::unique_ptr<Camera>> cameras_;
  std::unique_ptr<ControlApi> api_;
  std::unique_ptr<WsDiscovery> discovery_;  // with --onvif
  GMainLoop *loop_ = nullptr;
  gint64 stop_started_us_ = 0;
};

}  // namespace ipcam::server
