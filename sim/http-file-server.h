// Stored files over HTTP (port 80 on a real camera): GET of the exact paths
// the file list gives, mapped safely into the store folder. Also the
// emulator's own live counters at kStatsPath, for tests that wait on them,
// and its test controls under kControlPrefix (POST).
#pragma once

#include "camera-config.h"
#include "faults.h"
#include "media-store.h"

#include <libsoup/soup.h>

#include <string>
#include <utility>

namespace ipcam::sim {

// What a test does to the camera with its hands (pull the card, wave at the
// motion sensor): POST /ipcam-sim/NAME. Answers an HTTP status and a JSON
// body; runs on the camera thread.
class TestControls {
 public:
  virtual ~TestControls() = default;
  virtual std::pair<unsigned, std::string> test_control(const std::string &name) = 0;
};

class HttpFileServer {
 public:
  // A path no camera lists: its files live under /mnt/ or /tmp/.
  static constexpr const char *kStatsPath = "/ipcam-sim/stats";
  static constexpr const char *kControlPrefix = "/ipcam-sim/";

  HttpFileServer(const CameraConfig &config, MediaStore &store, Stats &stats, uint64_t seed)
      : config_(config), store_(store), stats_(stats), seed_(seed) {}
  ~HttpFileServer();
  HttpFileServer(const HttpFileServer &) = delete;
  HttpFileServer &operator=(const HttpFileServer &) = delete;

  // Listens on config.endpoint.address:http_port (thread-default main context).
  bool start(GError **error);
  void stop();
  uint16_t port() const { return port_; }
  void set_test_controls(TestControls *controls) { controls_ = controls; }

 private:
  static void on_request(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *,
                         gpointer self);

  const CameraConfig &config_;
  MediaStore &store_;
  Stats &stats_;
  uint64_t seed_;
  TestControls *controls_ = nullptr;
  SoupServer *server_ = nullptr;
  uint16_t port_ = 0;
};

}  // namespace ipcam::sim
