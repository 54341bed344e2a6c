// Stored files over HTTP (port 80 on a real camera): GET of the exact paths
// the file list gives, mapped safely into the store folder. Also the
// emulator's own live counters at kStatsPath, for tests that wait on them.
#pragma once

#include "camera-config.h"
#include "faults.h"
#include "media-store.h"

#include <libsoup/soup.h>

namespace ipcam::sim {

class HttpFileServer {
 public:
  // A path no camera lists: its files live under /mnt/ or /tmp/.
  static constexpr const char *kStatsPath = "/ipcam-sim/stats";

  HttpFileServer(const CameraConfig &config, MediaStore &store, Stats &stats, uint64_t seed)
      : config_(config), store_(store), stats_(stats), seed_(seed) {}
  ~HttpFileServer();
  HttpFileServer(const HttpFileServer &) = delete;
  HttpFileServer &operator=(const HttpFileServer &) = delete;

  // Listens on config.endpoint.address:http_port (thread-default main context).
  bool start(GError **error);
  void stop();
  uint16_t port() const { return port_; }

 private:
  static void on_request(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *,
                         gpointer self);

  const CameraConfig &config_;
  MediaStore &store_;
  Stats &stats_;
  uint64_t seed_;
  SoupServer *server_ = nullptr;
  uint16_t port_ = 0;
};

}  // namespace ipcam::sim
