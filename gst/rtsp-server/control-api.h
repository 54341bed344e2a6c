// ControlApi: the small HTTP control API (libsoup 3), documented in
// docs/rtsp-server.md: status, still, recording, file list, download.
// Camera requests run on a worker thread so RTSP and status never wait.
#pragma once

#include "camera-control.h"
#include "camera-stream.h"
#include "server-options.h"
#include "web-guard.h"
#include "webrtc-whep.h"

#include <libsoup/soup.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

namespace ipcam_rtsp {

class ControlApi {
 public:
  ControlApi(const ServerOptions &options, CameraControl &control, CameraStream &stream, std::string rtsp_url,
             std::string firmware, std::string serial = {});
  // Waits (up to 2 s) for the requests still running: call after
  // CameraControl::shut_down(), so their temporary files go with them.
  ~ControlApi();
  ControlApi(const ControlApi &) = delete;
  ControlApi &operator=(const ControlApi &) = delete;

  // Listens on --bind at --control-http-port (0 = any free port).
  bool listen(GError **error);
  // The base URL, e.g. http://127.0.0.1:8080/ (valid after listen()):
  // the page is there, the JSON API under api/, WHEP under whep/.
  const std::string &url() const { return url_; }
  std::string whep_url() const { return url_ + whep_->path().substr(1); }
  // Main context: ends every browser viewer (at shutdown).
  void close_viewers() { whep_->close_all(); }

  struct Reply;

 private:
  static void on_request(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *query,
                         gpointer self);
  void handle(SoupServerMessage *msg, const std::string &path, GHashTable *query);
  bool guard(SoupServerMessage *msg, const std::string &path);  // false: refused and answered
  void run_in_worker(SoupServerMessage *msg, std::function<void(Reply &)> work);
  void add_auth();
  void status(Reply &r);

  const ServerOptions &options_;
  CameraControl &control_;
  CameraStream &stream_;
  std::string rtsp_url_;
  std::string firmware_;
  std::string serial_;
  std::string url_;
  SoupServer *server_ = nullptr;
  WebGuard guard_;
  std::unique_ptr<WhepEndpoint> whep_;
  std::atomic<bool> recording_{false};
  std::atomic<gint64> recording_since_us_{0};
  std::mutex jobs_mutex_;
  std::condition_variable jobs_done_;
  int jobs_ = 0;  // requests running on worker threads
};

}  // namespace ipcam_rtsp
