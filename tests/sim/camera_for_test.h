// An in-process emulated camera for the emulator's own tests, next to the
// hand-built protocol side in hand_client.h (which stays free of the
// emulator, so the library's unit tests can use it too).
#pragma once

#include "camera.h"
#include "hand_client.h"

namespace hand {

// A camera for one test: any free ports, replaying the sample stream.
inline ipcam::sim::CameraConfig test_config(uint16_t preview_port = 6669) {
  ipcam::sim::CameraConfig c;
  c.endpoint.control_port = 0;
  c.endpoint.http_port = 0;
  c.discovery_ports = {0, 0};
  c.endpoint.preview_port = preview_port;
  c.samples = false;
  c.seed_set = true;
  c.seed = 1;
  const char *sample = g_getenv("IPCAM_SAMPLE_H264");
  c.h264_file = sample ? sample : "";
  return c;
}

}  // namespace hand
