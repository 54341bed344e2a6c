// ControlApi: the HTTP server of the control port (libsoup 3), documented
// in docs/rtsp-server.md: the page, WHEP at /whep/NAME, GET /api/cameras,
// each camera's endpoints (CameraApi) under /api/cameras/NAME/ and the
// default camera's under /api/. Auth, Host and Origin are checked here.
#pragma once

#include "api-reply.h"
#include "camera-api.h"
#include "http-deadlines.h"
#include "server-options.h"
#include "web-guard.h"

#include <libsoup/soup.h>

#include <memory>
#include <string>
#include <vector>

namespace ipcam_rtsp {

class ControlApi {
 public:
  explicit ControlApi(const ServerOptions &options);
  // Waits (up to 2 s) for the requests still running: call after
  // CameraControl::shut_down(), so their temporary files go with them.
  ~ControlApi();
  ControlApi(const ControlApi &) = delete;
  ControlApi &operator=(const ControlApi &) = delete;

  // A camera served, in order; the one at `default_camera` of the options
  // is also at /api/. Before listen(). `camera_options` must outlive this.
  CameraApi &add_camera(const ServerOptions &camera_options, const std::string &name, CameraControl &control,
                        CameraStream &stream, const std::string &rtsp_url, const std::string &firmware,
                        const std::string &serial);

  // Listens on --bind at --control-http-port (0 = any free port).
  bool listen(GError **error);
  // The base URL, e.g. http://127.0.0.1:8080/ (valid after listen()):
  // the page is there, the JSON API under api/, WHEP under whep/.
  const std::string &url() const { return url_; }
  std::string whep_url() const { return default_camera().whep_url(); }
  const std::vector<std::unique_ptr<CameraApi>> &cameras() const { return cameras_; }
  // Main context: ends every browser viewer (at shutdown).
  void close_viewers();

 private:
  static void on_request(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *query,
                         gpointer self);
  void handle(SoupServerMessage *msg, const std::string &path, GHashTable *query);
  bool guard(SoupServerMessage *msg, const std::string &path);  // false: refused and answered
  void handle_whep(SoupServerMessage *msg, const std::string &path);
  void list_cameras(SoupServerMessage *msg);
  void no_such_endpoint(SoupServerMessage *msg, const std::string &camera_prefix);
  void add_auth();
  CameraApi &default_camera() const { return *cameras_.at(options_.default_camera); }
  CameraApi *find(const std::string &name) const;

  const ServerOptions &options_;
  std::string url_;
  SoupServer *server_ = nullptr;
  std::unique_ptr<HttpDeadlines> deadlines_;  // a deadline for every connection
  WebGuard guard_;
  Workers workers_;
  std::vector<std::unique_ptr<CameraApi>> cameras_;
};

}  // namespace ipcam_rtsp
