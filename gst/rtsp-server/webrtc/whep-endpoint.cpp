// WhepEndpoint: see whep-endpoint.h.
#include "webrtc/whep-endpoint.h"

#include <cstring>
#include <set>
#include <utility>

namespace ipcam::server {

namespace {

constexpr guint kTickMs = 250;
constexpr unsigned kPendingPerAddress = 4;
constexpr unsigned kPendingTotal = 16;
constexpr const char *kRetryAfterS = "10";  // the connect deadline: by then pending ones are gone

// Every camera's endpoint (main context), for the cap over all of them.
std::set<WhepEndpoint *> &endpoints() {
  static std::set<WhepEndpoint *> all;
  return all;
}

void reply(SoupServerMessage *msg, guint status, const char *type, const std::string &body) {
  soup_server_message_set_status(msg, status, nullptr);
  if (!body.empty() || type)
    soup_server_message_set_response(msg, type ? type : "text/plain; charset=utf-8", SOUP_MEMORY_COPY,
                                     body.data(), body.size());
}

void not_allowed(SoupServerMessage *msg, const char *allow) {
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", allow);
  reply(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, nullptr, std::string("use ") + allow + " here\n");
}

}  // namespace

void add_whep_cors(SoupServerMessage *msg) {
  SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(h, "Access-Control-Allow-Origin", "*");
  soup_message_headers_replace(h, "Access-Control-Allow-Methods", "OPTIONS, POST, DELETE, PATCH");
  soup_message_headers_replace(h, "Access-Control-Allow-Headers", "Content-Type, Authorization, If-Match");
  soup_message_headers_replace(h, "Access-Control-Expose-Headers", "Location, Accept-Post");
}

WhepEndpoint::WhepEndpoint(const WebrtcSettings &settings, const std::string &mount, std::shared_ptr<CameraHub> hub)
    : settings_(settings), hub_(std::move(hub)), path_("/whep" + mount) {
  tick_id_ = g_timeout_add(kTickMs, on_tick, this);
  endpoints().insert(this);
}

WhepEndpoint::~WhepEndpoint() {
  endpoints().erase(this);
  if (tick_id_) g_source_remove(tick_id_);
  close_all();
  if (!WebrtcViewer::wait_all_stopped(5 * G_USEC_PER_SEC)) g_warning("a WebRTC viewer did not stop in time");
}

void WhepEndpoint::close_all() {
  for (auto &[id, v] : viewers_) v->close();
  viewers_.clear();
  addresses_.clear();
}

std::string WhepEndpoint::pending_cap(const std::string &address) {
  static bool refusing = false;  // logged once until a session is let in again
  unsigned total = 0, mine = 0;
  for (WhepEndpoint *e : endpoints())
    for (auto &[id, v] : e->viewers_) {
      if (v->connected()) continue;
      total++;
      if (e->addresses_[id] == address) mine++;
    }
  std::string why;
  if (total >= kPendingTotal)
    why = std::to_string(total) + " browser viewers are connecting, the most there may be";
  else if (mine >= kPendingPerAddress)
    why = std::to_string(mine) + " browser viewers from " + address + " are connecting, the most from one address";
  if (why.empty()) {
    refusing = false;
  } else if (!refusing) {
    refusing = true;
    g_message("WHEP: %s: refusing new ones for now", why.c_str());
  }
  return why;
}

gboolean WhepEndpoint::on_tick(gpointer data) {
  auto *self = static_cast<WhepEndpoint *>(data);
  for (auto it = self->viewers_.begin(); it != self->viewers_.end();) {
    if (!it->second->over()) {
      ++it;
      continue;
    }
    g_message("a browser viewer left: %s", it->second->why_over().c_str());
    it->second->close();
    self->addresses_.erase(it->first);
    it = self->viewers_.erase(it);
  }
  return G_SOURCE_CONTINUE;
}

void WhepEndpoint::answer(SoupServerMessage *msg) {
  add_whep_cors(msg);
  const char *method = soup_server_message_get_method(msg);
  if (!strcmp(method, "OPTIONS")) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Accept-Post", "application/sdp");
    reply(msg, SOUP_STATUS_NO_CONTENT, nullptr, {});
  } else if (!strcmp(method, "POST")) {
    post(msg);
  } else {
    not_allowed(msg, "POST, OPTIONS");
  }
}

void WhepEndpoint::answer_session(SoupServerMessage *msg, const std::string &id) {
  add_whep_cors(msg);
  const char *method = soup_server_message_get_method(msg);
  auto it = viewers_.find(id);
  if (it == viewers_.end()) {
    reply(msg, SOUP_STATUS_NOT_FOUND, nullptr, "no such WHEP session (it ended, or was never made)\n");
    return;
  }
  if (!strcmp(method, "OPTIONS")) {
    reply(msg, SOUP_STATUS_NO_CONTENT, nullptr, {});
  } else if (!strcmp(method, "DELETE")) {
    g_message("a browser viewer left (DELETE)");
    it->second->close();
    addresses_.erase(it->first);
    viewers_.erase(it);
    reply(msg, SOUP_STATUS_OK, nullptr, {});
  } else {
    // PATCH too: every candidate is in the answer; trickle ICE is not supported.
    not_allowed(msg, "DELETE");
  }
}

void WhepEndpoint::post(SoupServerMessage *msg) {
  const char *type = soup_message_headers_get_content_type(soup_server_message_get_request_headers(msg), nullptr);
  if (!type || g_ascii_strcasecmp(type, "application/sdp")) {
    reply(msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, nullptr, "POST an SDP offer as application/sdp\n");
    return;
  }
  SoupMessageBody *body = soup_server_message_get_request_body(msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten(body);
  gsize size = 0;
  const char *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
  const std::string offer(data ? data : "", size);
  if (offer.empty()) {
    reply(msg, SOUP_STATUS_BAD_REQUEST, nullptr, "the offer is empty: POST the browser's SDP offer\n");
    return;
  }
  const char *remote = soup_server_message_get_remote_host(msg);
  const std::string address = remote ? remote : "";
  if (const std::string why = pending_cap(address); !why.empty()) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Retry-After", kRetryAfterS);
    reply(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, nullptr, why + ": try again in " + kRetryAfterS + " s\n");
    return;
  }

  g_autofree char *uuid = g_uuid_string_random();
  const std::string id = uuid;
  auto viewer = WebrtcViewer::create(settings_, hub_, g_main_context_default());
  viewers_[id] = viewer;
  addresses_[id] = address;
  soup_server_message_pause(msg);
  g_object_ref(msg);
  const std::string location = path_ + "/" + id;
  viewer->start(offer, [this, msg, id, location](guint status, const std::string &text) {
    if (status == SOUP_STATUS_CREATED) {
      soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Location", location.c_str());
      reply(msg, status, "application/sdp", text);
      g_message("a browser viewer is connecting (%zu WebRTC viewer(s))", viewers_.size());
    } else {
      g_message("WHEP offer refused: %s", text.c_str());
      reply(msg, status, nullptr, text + "\n");
      // Ended at the next tick (over() is true): not here, inside its own call.
    }
    soup_server_message_unpause(msg);
    g_object_unref(msg);
  });
}

}  // namespace ipcam::server
