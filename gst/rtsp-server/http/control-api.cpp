// ControlApi: see control-api.h.
#include "http/control-api.h"

#include "http/credentials.h"
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

// With --rtsp-user, how a path takes its credentials.
enum class AuthCheck {
  scheme,   // the server's own scheme, Digest or Basic (--rtsp-auth), checked by the auth domain
  whep,     // that, or the password as a Bearer token (WHEP players); a CORS preflight needs none
  scraper,  // that, or Basic whatever --rtsp-auth says, or --metrics-token as a Bearer token:
            // Prometheus and Home Assistant cannot answer a Digest challenge
  own,      // checked by the service itself: ONVIF (WS-Security or HTTP Digest, onvif/onvif-auth.h)
};

struct PathRule {
  const char *path;  // ending in '/': that prefix; '*': one path segment (a camera's name)
  AuthCheck check;
};

// The paths that do not take the server's scheme alone; every other path does.
const PathRule kPathRules[] = {
    {"/whep/", AuthCheck::whep},
    {"/metrics", AuthCheck::scraper},
    {"/frame.jpeg", AuthCheck::scraper},
    {"/api/frame.jpeg", AuthCheck::scraper},
    {"/api/cameras/*/frame.jpeg", AuthCheck::scraper},
    {"/onvif/device_service", AuthCheck::own},
    {"/onvif/media_service", AuthCheck::own},
};

bool path_fits(const char *rule, const char *path) {
  while (*rule) {
    if (*rule == '*') {
      const char *end = strchr(path, '/');
      if (!end || end == path) return false;
      path = end;
      rule++;
    } else if (*rule++ != *path++) {
      return false;
    } else if (!*rule && rule[-1] == '/') {
      return true;  // a prefix
    }
  }
  return !*path;
}

// From the path as the client sent it: the auth domain's filter and
// guard() must agree on it.
AuthCheck auth_check(SoupServerMessage *msg) {
  const char *path = g_uri_get_path(soup_server_message_get_uri(msg));
  for (const PathRule &rule : kPathRules)
    if (path_fits(rule.path, path)) return rule.check;
  return AuthCheck::scheme;
}

const char *authorization(SoupServerMessage *msg) {
  return soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Authorization");
}

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
  guard_.init(options_.bind, options_.allowed_hosts, server_);
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
    domain = new_digest_domain(options_.rtsp_user, options_.rtsp_password, digest_replay_);
  } else {
    domain = soup_auth_domain_basic_new("realm", "ipcam-rtsp-server", nullptr);
    soup_auth_domain_basic_set_auth_callback(
        domain,
        +[](SoupAuthDomain *, SoupServerMessage *, const char *user, const char *password,
            gpointer data) -> gboolean {
          auto *self = static_cast<ControlApi *>(data);
          return self->login_fits(user, password);
        },
        this, nullptr);
  }
  soup_auth_domain_add_path(domain, "/");
  // What the domain leaves to guard(): a Bearer token on WHEP and the
  // scrapers' paths, a Basic login on the latter (see kPathRules).
  soup_auth_domain_set_filter(
      domain,
      +[](SoupAuthDomain *, SoupServerMessage *msg, gpointer) -> gboolean {
        std::string token, user, password;
        switch (auth_check(msg)) {
          case AuthCheck::scheme:
            return TRUE;
          case AuthCheck::own:
            return FALSE;
          case AuthCheck::whep:
            if (!strcmp(soup_server_message_get_method(msg), "OPTIONS")) return FALSE;
            return !bearer_token(authorization(msg), token);
          case AuthCheck::scraper:
            return !bearer_token(authorization(msg), token) && !basic_login(authorization(msg), user, password);
        }
        return TRUE;
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
// credentials the auth domain left to us. Refusals are answered here.
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
  } else if (credentials_fit(msg, r)) {
    return true;
  }
  if (whep) add_whep_cors(msg);
  send_reply(msg, r);
  return false;
}

// The auth domain let through, unchecked, a Bearer token (WHEP, the
// scrapers' paths) or a Basic login (the scrapers' paths): checked here.
// False with the 401 in `r`. Neither secret ever reaches the log.
bool ControlApi::credentials_fit(SoupServerMessage *msg, Reply &r) const {
  if (!options_.auth_enabled()) return true;
  const AuthCheck check = auth_check(msg);
  if (check == AuthCheck::scheme || check == AuthCheck::own) return true;
  if (check == AuthCheck::whep && !strcmp(soup_server_message_get_method(msg), "OPTIONS")) return true;
  std::string token, user, password;
  if (bearer_token(authorization(msg), token)) {
    const std::string &expected = check == AuthCheck::whep ? options_.rtsp_password : options_.metrics_token;
    if (!expected.empty() && same_secret(expected, token)) return true;
    const char *why = check == AuthCheck::whep         ? "wrong Bearer token: it is the --rtsp-password"
                      : options_.metrics_token.empty() ? "no --metrics-token is set: log in with Basic or Digest"
                                                       : "wrong Bearer token: it is the first line of --metrics-token's file";
    error_reply(r, SOUP_STATUS_UNAUTHORIZED, why);
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"ipcam-rtsp-server\", error=\"invalid_token\"");
    return false;
  }
  if (check == AuthCheck::scraper && basic_login(authorization(msg), user, password)) {
    if (login_fits(user.c_str(), password.c_str())) return true;
    error_reply(r, SOUP_STATUS_UNAUTHORIZED, "wrong user name or password");
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"ipcam-rtsp-server\", charset=\"UTF-8\"");
    return false;
  }
  return true;  // the auth domain checked it
}

bool ControlApi::login_fits(const char *user, const char *password) const {
  // Both compared, whichever is wrong: the timing tells nothing.
  const bool user_fits = same_secret(options_.rtsp_user, user);
  const bool password_fits = same_secret(options_.rtsp_password, password);
  return user_fits && password_fits;
}

}  // namespace ipcam::server
