// Finding and checking the cameras at start, before anything is served:
// discovery for a lone camera without an address, and one login to each
// camera to check its address and password and read its firmware version.
#pragma once

#include "config/server-options.h"

#include <gio/gio.h>

#include <string>
#include <vector>

namespace ipcam::server {

// What the start check learnt of one camera.
struct CheckedCamera {
  std::string address;  // given, or found by discovery; empty = none answered
  std::string firmware, serial;  // empty if unknown
  bool usable = false;  // the login worked
};

// Finds (a lone camera without address) and checks every camera, each on
// a thread of its own, while SIGINT/SIGTERM are watched: a stop during
// discovery or a login that hangs ends at once. One CheckedCamera per camera
// of `o`, in order; false when a signal came (`stopped`).
bool find_cameras(const Options &o, std::vector<CheckedCamera> &found, bool &stopped);

// The camera's serial, which only its discovery answer carries: asks the
// camera at `address` directly (discovery sent to it alone, on the
// server's discovery ports, for at most a second, as `ipcam info` does).
// Empty when it does not answer. Blocking; cancellable.
std::string ask_serial(const ServerOptions &o, const CameraOptions &c, const std::string &address,
                       GCancellable *cancel);

}  // namespace ipcam::server
