// ControlApi: the HTTP server of the control port (libsoup 3), documented
// in docs/rtsp-server.md: the page, WHEP at /whep/NAME, GET /api/cameras,
// each camera's endpoints under /api/cameras/NAME/ and the default
// camera's under /api/, routed by one table (routes.cpp), and GET
// /metrics. Auth, Host, Origin and body size are checked here first: with
// --rtsp-user, the server's scheme everywhere, and on the paths a
// scraper or a still-image client fetches (/metrics, frame.jpeg) also a
// Basic login or the --metrics-token, which they can send.
#pragma once

#include "camera/camera.h"
#include "config/server-options.h"
#include "http/digest-replay.h"
#include "http/http-deadlines.h"
#include "http/routes.h"
#include "http/web-guard.h"
#include "http/workers.h"

#include <libsoup/soup.h>

#include <memory>
#include <string>
#include <vector>

namespace ipcam::server {

struct Reply;

class ControlApi {
 public:
  // `cameras` in order, `default_camera` among them; they outlive this.
  ControlApi(const ServerOptions &options, std::vector<Camera *> cameras, Camera *default_camera);
  // Waits (up to 2 s) for the requests still running: call after each
  // camera's stop_serving(), so their temporary files go with them.
  ~ControlApi();
  ControlApi(const ControlApi &) = delete;
  ControlApi &operator=(const ControlApi &) = delete;

  // Listens on --bind at --control-http-port (0 = any free port).
  bool listen(GError **error);
  // The base URL, e.g. http://127.0.0.1:8080/ (valid after listen()):
  // the page is there, the JSON API under api/, WHEP under whep/.
  const std::string &url() const { return served_.url; }

 private:
  static void on_request(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *query,
                         gpointer self);
  bool guard(SoupServerMessage *msg, const std::string &path);  // false: refused and answered
  void add_auth();
  bool credentials_fit(SoupServerMessage *msg, Reply &r) const;  // false: `r` is the 401
  bool login_fits(const char *user, const char *password) const;

  const ServerOptions &options_;
  DigestReplay digest_replay_;
  SoupServer *server_ = nullptr;
  std::unique_ptr<HttpDeadlines> deadlines_;  // a deadline for every connection
  WebGuard guard_;
  Workers workers_;
  Served served_;
};

}  // namespace ipcam::server
