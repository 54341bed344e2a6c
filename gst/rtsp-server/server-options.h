// ipcam-rtsp-server's settings, as parsed from the command line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ipcam_rtsp {

struct ServerOptions {
  // The camera. Empty address = found by discovery at start.
  std::string camera;
  std::vector<std::string> broadcast;      // discovery targets
  std::vector<uint16_t> discovery_ports;   // empty = the camera defaults
  uint16_t control_port = 6666;
  uint16_t preview_port = 6669;
  uint16_t http_port = 80;
  std::string user = "admin";
  std::string password = "12345";  // never logged
  unsigned timeout_ms = 5000;
  int reconnect_attempts = -2;       // ipcamsrc's; -2 = its default
  int reconnect_backoff_ms = -1;     // ipcamsrc's; -1 = its default
  size_t max_files = 100000;         // file list entries taken from the camera

  // What we serve.
  std::string bind = "127.0.0.1";
  uint16_t port = 8554;  // 0 = any free port
  std::string mount = "/cam";
  std::string rtsp_user;
  std::string rtsp_password;  // never logged
  bool rtsp_digest = true;    // else Basic
  uint16_t control_http_port = 8080;  // 0 = any free port
  uint16_t webrtc_min_port = 0;  // WebRTC's UDP ports; 0 = any
  uint16_t webrtc_max_port = 0;
  unsigned linger_s = 5;
  unsigned session_timeout_s = 15;
  int listen_backlog = 128;  // RTSP and control API
  bool wait_for_camera = false;
  std::vector<std::string> publish;  // --publish URLs (media servers)
  bool verbose = false;

  bool auth_enabled() const { return !rtsp_user.empty(); }
};

}  // namespace ipcam_rtsp
