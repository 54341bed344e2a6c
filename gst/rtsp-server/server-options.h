// ipcam-rtsp-server's settings, as parsed from the command line and the
// --config file (server-options.cpp, config-file.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ipcam_rtsp {

// One camera the server serves: at rtsp://BIND:PORT/NAME, WHEP /whep/NAME
// and /api/cameras/NAME/. Set by --camera NAME=ADDRESS and the other
// per-camera options (--interface NAME=IFACE ...), or a [camera NAME] group.
struct CameraOptions {
  std::string name;   // [A-Za-z0-9_-]+, or a bare camera's --mount without its slash
  std::string mount;  // "/" + name
  std::string address;  // empty = found by discovery at start (a bare, single camera only)
  uint16_t control_port = 6666;
  uint16_t preview_port = 6669;  // 0 = any free port
  uint16_t http_port = 80;
  std::string user = "admin";
  std::string password = "12345";  // never logged
  std::string interface;            // ipcamsrc's interface (SO_BINDTODEVICE); empty = any
  unsigned timeout_ms = 5000;
  // Where this camera's stream is published (--publish, config key publish;
  // checked by Publisher::check_url() as they are read).
  std::vector<std::string> publish;
};

struct ServerOptions {
  // The camera of one CameraStream. main() keeps one ServerOptions per
  // camera (for_camera()), so the hub, the control and WHEP read their
  // camera's settings here. Empty address = found by discovery at start.
  std::string camera;
  std::vector<std::string> broadcast;      // discovery targets
  std::vector<uint16_t> discovery_ports;   // empty = the camera defaults
  uint16_t control_port = 6666;
  uint16_t preview_port = 6669;
  uint16_t http_port = 80;
  std::string user = "admin";
  std::string password = "12345";  // never logged
  std::string interface;
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
  bool verbose = false;

  // Every camera served, in order; never empty after parse_options().
  std::vector<CameraOptions> cameras;
  size_t default_camera = 0;  // the one also at /api/ and in the ready line's url

  bool auth_enabled() const { return !rtsp_user.empty(); }

  // These options with the camera fields (camera, ports, user, password,
  // interface, timeout, mount) taken from `c`.
  ServerOptions for_camera(const CameraOptions &c) const {
    ServerOptions o = *this;
    o.camera = c.address;
    o.control_port = c.control_port;
    o.preview_port = c.preview_port;
    o.http_port = c.http_port;
    o.user = c.user;
    o.password = c.password;
    o.interface = c.interface;
    o.timeout_ms = c.timeout_ms;
    o.mount = c.mount;
    return o;
  }
};

// Parses the command line (and the --config file it names) into `o`.
// Returns -1 to go on, else the exit code (2: a usage error, printed).
int parse_options(int &argc, char **&argv, ServerOptions &o);

}  // namespace ipcam_rtsp
