// CameraEndpoint: where a camera is and how to log in to it: the one
// description that the element, the server, the CLI and the emulator
// embed (the emulator as the camera its clients see). The protocol's
// default ports and login are defined here once; help and error texts are
// formatted from these constants. Plain data: no GIO, no libsoup.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace ipcam {

// The camera's own ports: TCP control, the client's UDP preview port (the
// camera always sends there), the camera's HTTP file server, and the two
// UDP ports the phone apps broadcast discovery to.
inline constexpr uint16_t kControlPort = 6666;
inline constexpr uint16_t kPreviewPort = 6669;
inline constexpr uint16_t kHttpPort = 80;
inline constexpr std::array<uint16_t, 2> kDiscoveryPorts = {22600, 21600};
// The login every camera of these models ships with.
inline constexpr const char *kDefaultUser = "admin";
inline constexpr const char *kDefaultPassword = "12345";
// Connect and each reply; session_config() derives the others from it.
inline constexpr unsigned kDefaultTimeoutMs = 5000;

struct CameraEndpoint {
  std::string address;  // IPv4 or name; empty = found by discovery
  uint16_t control_port = kControlPort;
  uint16_t preview_port = kPreviewPort;  // on the client; 0 = any free port where allowed
  uint16_t http_port = kHttpPort;
  std::string user = kDefaultUser;
  std::string password = kDefaultPassword;  // never logged, never printed
  std::string interface;  // every socket to the camera tied to it (SO_BINDTODEVICE); empty = any
  unsigned timeout_ms = kDefaultTimeoutMs;
};

}  // namespace ipcam
