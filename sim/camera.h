// The emulated camera: control server, preview streamer, video source,
// discovery responder, HTTP file server and store, all on one GMainContext
// thread of its own, so tests can run a camera in-process and the ipcam-sim
// program is a thin command line around it.
#pragma once

#include "camera-config.h"
#include "faults.h"

#include <glib.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ipcam::sim {

struct ReadyInfo {
  uint16_t control_port = 0;
  uint16_t http_port = 0;
  std::vector<uint16_t> discovery_ports;
  int preview_port = 0;
  std::string store;
};

class Camera {
 public:
  explicit Camera(CameraConfig config);
  ~Camera();  // stops
  Camera(const Camera &) = delete;
  Camera &operator=(const Camera &) = delete;

  // Opens every socket and the store; returns once the camera is ready (or
  // failed, with an error a person can act on).
  bool start(GError **error);
  void stop();

  const ReadyInfo &ready() const { return ready_; }
  // The one-line ready JSON (no newline).
  std::string ready_json() const;
  // {"seed":S,"counters":{...}}: what was sent and injected so far.
  std::string stats_json() const { return stats_.to_json(seed_); }
  const Stats &stats() const { return stats_; }
  uint64_t seed() const { return seed_; }
  const CameraConfig &config() const { return config_; }

  struct Parts;  // everything living on the camera thread (camera.cpp)

 private:
  void run(std::shared_ptr<struct StartGate> gate);

  CameraConfig config_;
  uint64_t seed_ = 0;
  Stats stats_;
  ReadyInfo ready_;
  GMainContext *context_ = nullptr;
  GMainLoop *loop_ = nullptr;
  std::thread thread_;
};

}  // namespace ipcam::sim
