// WhepEndpoint: WHEP (WebRTC-HTTP egress) at /whep/NAME, NAME being the
// RTSP mount without its slash. POST an application/sdp offer: 201 with
// the answer (every candidate in it) and the session's Location; DELETE
// that Location: 200. No trickle: PATCH is 405. OPTIONS answers CORS and
// Accept-Post. Each session is a WebrtcViewer fed from the camera hub;
// one that is over (DELETE, ICE failure, a browser gone silent, ICE and
// DTLS not up 10 s after the answer) is released at the next tick.
//
// Sessions not yet connected cost descriptors and threads (an ICE agent,
// DTLS, a pipeline) and anyone may open one: at most 4 per client address
// and 16 in all, across every camera's endpoint; past that a POST is
// answered 503 with Retry-After.
#pragma once

#include "media/camera-hub.h"
#include "webrtc/webrtc-viewer.h"

#include <libsoup/soup.h>

#include <map>
#include <memory>
#include <string>

namespace ipcam::server {

class WhepEndpoint {
 public:
  // At /whep + `mount` (the camera's RTSP mount).
  WhepEndpoint(const WebrtcSettings &settings, const std::string &mount, std::shared_ptr<CameraHub> hub);
  ~WhepEndpoint();
  WhepEndpoint(const WhepEndpoint &) = delete;
  WhepEndpoint &operator=(const WhepEndpoint &) = delete;

  // "/whep/cam" for mount "/cam".
  const std::string &path() const { return path_; }
  // Main context: answers a request to path() (OPTIONS, POST an offer), or
  // to one of its sessions, path()/ID (OPTIONS, DELETE); auth, Host and
  // Origin already checked by the caller.
  void answer(SoupServerMessage *msg);
  void answer_session(SoupServerMessage *msg, const std::string &id);
  size_t viewer_count() const { return viewers_.size(); }
  // Main context: every session ends.
  void close_all();

 private:
  static gboolean on_tick(gpointer self);
  void post(SoupServerMessage *msg);

  const WebrtcSettings settings_;
  std::shared_ptr<CameraHub> hub_;
  std::string path_;
  // Main context: why a new session from `address` is refused ("" = not).
  static std::string pending_cap(const std::string &address);

  std::map<std::string, std::shared_ptr<WebrtcViewer>> viewers_;
  std::map<std::string, std::string> addresses_;  // session id -> the client's address
  guint tick_id_ = 0;
};

// CORS headers for WHEP answers (WHEP players run on other pages).
void add_whep_cors(SoupServerMessage *msg);

// The WHEP URL of endpoint `path` ("/whep/cam") on the control port whose
// base URL is `base_url` ("http://HOST:PORT/", ending in '/').
inline std::string whep_url(const std::string &base_url, const std::string &path) {
  return base_url + path.substr(1);
}

}  // namespace ipcam::server
