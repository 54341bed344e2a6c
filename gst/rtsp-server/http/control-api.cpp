// ControlApi: see control-api.h.
#include "http/control-api.h"

#include "http/reply.h"
#include "http/temp-folder.h"
#include "webrtc/whep-endpoint.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <sys/socket.h>

#include <cstring>
#include <utility>

namespace ipcam::server {

namespace {

// How long a connection has to send a whole request (head and body): the
// first, or the next one of a kept-alive connection (docs/rtsp-server.md).
constexpr gint64 kRequestWaitUs = 10 * G_USEC_PER_SEC;

}  // namespace

ControlApi::ControlApi(const ServerOptions &options, std::vector<Camera *> cameras, Camera *default_camera)
    : options_(options) {
  served_.cameras = std::move(cameras);
  served_.default_camera = default_camera;
  served_.workers = &workers_;
  g_autoptr(GInetAddress) bound = g_inet_address_new_from_string(options_.bind.c_str());
  served_.may_erase = options_.auth_enabled() || (bound && g_inet_address_get_is_loopback(bound));
  server_ = SOUP_SERVER(g_object_new(SOUP_TYPE_SERVER, "server-header", "ipcam-rtsp-server ", nullptr));
  soup_server_add_handler(server_, nullptr, on_request, this, nullptr);
  deadlines_ = std::make_unique<HttpDeadlines>(server_, kRequestWaitUs);
  guard_.init(options_.bind, server_);
  if (options_.auth_enabled()) add_auth();
}

ControlApi::~ControlApi() {
  deadlines_.reset();
  soup_server_disconnect(server_);
  if (!workers_.wait(2)) g_warning("control API: %d requests still running at exit", workers_.running());
  // A request stuck past the wait leaves its folder: it goes now.
  TempFolder::remove_all();
  g_object_unref(server_);
}

void ControlApi::add_auth() {
  SoupAuthDomain *domain;
  if (options_.rtsp_digest) {
    domain = soup_auth_domain_digest_new("realm", "ipcam-rtsp-server", nullptr);
    soup_auth_domain_digest_set_auth_callback(
        domain,
        +[](SoupAuthDomain *d, SoupServerMessage *msg, const char *user, gpointer data) -> char * {
          auto *self = static_cast<ControlApi *>(data);
          if (self->options_.rtsp_user != user) return nullptr;
          char *ha1 = soup_auth_domain_digest_encode_password(user, soup_auth_domain_get_realm(d),
                                                              self->options_.rtsp_password.c_str());
          if (self->digest_replay_.fresh(msg, ha1)) return ha1;  // no replay, no expired nonce
          g_free(ha1);
          return nullptr;
        },
        this, nullptr);
  } else {
    domain = soup_auth_domain_basic_new("realm", "ipcam-rtsp-server", nullptr);
    soup_auth_domain_basic_set_auth_callback(
        domain,
        +[](SoupAuthDomain *, SoupServerMessage *, const char *user, const char *password,
            gpointer data) -> gboolean {
          auto *self = static_cast<ControlApi *>(data);
          return self->options_.rtsp_user == user && self->options_.rtsp_password == password;
        },
        this, nullptr);
  }
  soup_auth_domain_add_path(domain, "/");
  // WHEP: a CORS preflight carries no credentials, and WHEP players send
  // the password as a Bearer token, which guard() checks.
  soup_auth_domain_set_filter(
      domain,
      +[](SoupAuthDomain *, SoupServerMessage *msg, gpointer) -> gboolean {
        const char *path = g_uri_get_path(soup_server_message_get_uri(msg));
        // The ONVIF services check their callers themselves (onvif/onvif-auth.h).
        if (!strcmp(path, "/onvif/device_service") || !strcmp(path, "/onvif/media_service")) return FALSE;
        if (!g_str_has_prefix(path, "/whep/")) return TRUE;
        if (!strcmp(soup_server_message_get_method(msg), "OPTIONS")) return FALSE;
        const char *auth =
            soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Authorization");
        return !(auth && !g_ascii_strncasecmp(auth, "Bearer ", 7));
      },
      nullptr, nullptr);
  soup_server_add_auth_domain(server_, domain);
  g_object_unref(domain);
}

bool ControlApi::listen(GError **error) {
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string(options_.bind.c_str());
  if (!address) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "--bind %s: not a numeric IP address",
                options_.bind.c_str());
    return false;
  }
  g_autoptr(GSocketAddress) where = g_inet_socket_address_new(address, options_.control_http_port);
  // Our own socket, because soup_server_listen() keeps GSocket's backlog of
  // 10: a burst of requests would wait a second for a SYN retry.
  g_autoptr(GSocket) socket = g_socket_new(g_inet_address_get_family(address), G_SOCKET_TYPE_STREAM,
                                           G_SOCKET_PROTOCOL_TCP, error);
  if (!socket) return false;
  g_socket_set_option(socket, SOL_SOCKET, SO_REUSEADDR, 1, nullptr);
  g_socket_set_listen_backlog(socket, options_.listen_backlog);
  if (!g_socket_bind(socket, where, TRUE, error) || !g_socket_listen(socket, error) ||
      !soup_server_listen_socket(server_, socket, SoupServerListenOptions(0), error))
    return false;
  GSList *uris = soup_server_get_uris(server_);
  const int port = uris ? g_uri_get_port(static_cast<GUri *>(uris->data)) : options_.control_http_port;
  g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
  std::string host = options_.bind;
  if (g_inet_address_get_is_any(address))
    host = g_inet_address_get_family(address) == G_SOCKET_FAMILY_IPV6 ? "::1" : "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  served_.url = "http://" + host + ":" + std::to_string(port) + "/";
  return true;
}

void ControlApi::on_request(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *query,
                            gpointer self) {
  // "http://host:port/" + "/status" is a common slip: treat "//" as "/".
  std::string p = path ? path : "/";
  for (size_t i; (i = p.find("//")) != std::string::npos;) p.erase(i, 1);
  auto *api = static_cast<ControlApi *>(self);
  if (api->guard(msg, p)) route(api->served_, msg, p, query);
}

// Host on every request, Origin on those that change something, the
// Bearer token of a WHEP player. Refusals are answered here.
bool ControlApi::guard(SoupServerMessage *msg, const std::string &path) {
  const char *method = soup_server_message_get_method(msg);
  const bool changes = strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "OPTIONS");
  const bool whep = path.rfind("/whep/", 0) == 0;
  const std::string too_large = WebGuard::check_body(msg);
  std::string refused = too_large.empty() ? guard_.check_host(msg) : too_large;
  if (refused.empty() && changes) refused = guard_.check_origin(msg);
  Reply r;
  if (!refused.empty()) {
    g_message("control API: %s %s refused: %s", method, path.c_str(), refused.c_str());
    error_reply(r, too_large.empty() ? SOUP_STATUS_FORBIDDEN : SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, refused.c_str());
  } else if (whep && options_.auth_enabled() && strcmp(method, "OPTIONS")) {
    const char *auth = soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Authorization");
    // Only a Bearer request gets here unchecked (the auth domain took the others).
    if (auth && !g_ascii_strncasecmp(auth, "Bearer ", 7) && options_.rtsp_password != auth + 7) {
      error_reply(r, SOUP_STATUS_UNAUTHORIZED, "wrong Bearer token: it is the --rtsp-password");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ipcam-rtsp-server\"");
    } else {
      return true;
    }
  } else {
    return true;
  }
  if (whep) add_whep_cors(msg);
  send_reply(msg, r);
  return false;
}

}  // namespace ipcam::server
