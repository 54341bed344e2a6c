// Stored files over HTTP (port 80 on a real camera): GET of the exact paths
// the file list gives, mapped safely into the store folder.
#pragma once

#include "camera_config.h"
#include "faults.h"
#include "media_store.h"

#include <libsoup/soup.h>

namespace ipcam::sim {

class HttpFileServer {
 public:
  HttpFileServer(const CameraConfig &config, MediaStore &store, Stats &stats)
      : config_(config), store_(store), stats_(stats) {}
  ~HttpFileServer();
  HttpFileServer(const HttpFileServer &) = delete;
  HttpFileServer &operator=(const HttpFileServer &) = delete;

  // Listens on config.bind:config.http_port (thread-default main context).
  bool start(GError **error);
  void stop();
  uint16_t port() const { return port_; }

 private:
  static void on_request(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *,
                         gpointer self);

  const CameraConfig &config_;
  MediaStore &store_;
  Stats &stats_;
  SoupServer *server_ = nullptr;
  uint16_t port_ = 0;
};

}  // namespace ipcam::sim
