// ipcam-rtsp-server's server-wide settings and the cameras it serves, as
// parsed from the command line and the --config file (command-line.cpp,
// config-file.cpp): typed once, as they are read.
#pragma once

#include "config/camera-options.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ipcam::server {

// What is not one camera's: discovery, ipcamsrc's reconnects, and what and
// how the server serves.
struct ServerOptions {
  std::vector<std::string> broadcast;      // discovery targets
  std::vector<uint16_t> discovery_ports;   // empty = the camera defaults
  int reconnect_attempts = -2;       // ipcamsrc's; -2 = its default
  int reconnect_backoff_ms = -1;     // ipcamsrc's; -1 = its default
  size_t max_files = 100000;         // file list entries taken from the camera

  std::string bind = "127.0.0.1";
  uint16_t port = 8554;  // 0 = any free port
  std::string rtsp_user;
  std::string rtsp_password;  // never logged
  bool rtsp_digest = true;    // else Basic
  uint16_t control_http_port = 8080;  // 0 = any free port
  uint16_t webrtc_min_port = 0;  // WebRTC's UDP ports; 0 = any
  uint16_t webrtc_max_port = 0;
  unsigned linger_s = 5;
  unsigned session_timeout_s = 15;
  int listen_backlog = 128;  // RTSP and control API
  unsigned max_connections = 200;             // open RTSP connections
  unsigned max_connections_per_address = 32;  // from one client address
  bool wait_for_camera = false;
  bool verbose = false;
  // ONVIF device and media services on the control port, and WS-Discovery
  // (--onvif, [server] onvif=true).
  bool onvif = false;
  // With credentials, /metrics and the snapshot also take this bearer
  // token (--metrics-token FILE: the file's first line); empty = none.
  std::string metrics_token;  // never logged
  // Host names the Host check accepts beside this machine's own
  // (--allowed-host, repeatable): what Prometheus or Home Assistant use.
  std::vector<std::string> allowed_hosts;  // lower case

  bool auth_enabled() const { return !rtsp_user.empty(); }
};

struct Options {
  ServerOptions server;
  // Every camera served, in order; never empty after parse_options().
  std::vector<CameraOptions> cameras;
  size_t default_camera = 0;  // the one also at /api/ and in the ready line's url
};

// Parses the command line (and the --config file it names) into `o`.
// Returns -1 to go on, else the exit code (2: a usage error, printed).
int parse_options(int &argc, char **&argv, Options &o);

}  // namespace ipcam::server
