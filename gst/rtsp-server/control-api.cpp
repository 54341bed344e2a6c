// ControlApi: HTTP endpoints over CameraControl. Every answer is JSON except
// the still (image/jpeg) and downloads (the file's bytes).
#include "control-api.h"

#include "web-page.h"

#include "ipcam/error.h"
#include "ipcam/text.h"

#include <glib/gstdio.h>
#include <gio/gio.h>
#include <sys/socket.h>
#include <json-glib/json-glib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <set>
#include <utility>
#include <vector>

namespace ipcam_rtsp {

struct ControlApi::Reply {
  guint status = SOUP_STATUS_OK;
  std::string content_type = "application/json";
  GBytes *body = nullptr;  // owned
  std::vector<std::pair<std::string, std::string>> headers;
  std::string filename;            // Content-Disposition filename, if any
  const char *disposition = nullptr;

  Reply() = default;
  Reply(const Reply &) = delete;
  Reply &operator=(const Reply &) = delete;
  ~Reply() {
    if (body) g_bytes_unref(body);
  }
  void set_body(GBytes *b) {
    if (body) g_bytes_unref(body);
    body = b;
  }
};

namespace {

using Reply = ControlApi::Reply;

GBytes *json_bytes(JsonBuilder *b) {
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_root(gen, root);
  gsize len = 0;
  char *text = json_generator_to_data(gen, &len);
  return g_bytes_new_take(text, len);
}

void json_reply(Reply &r, guint status, JsonBuilder *b) {
  r.status = status;
  r.content_type = "application/json";
  r.set_body(json_bytes(b));
}

// {"NAME": VALUE}: the answer of the camera commands.
void flag_reply(Reply &r, const char *name, gboolean value) {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, name);
  json_builder_add_boolean_value(b, value);
  json_builder_end_object(b);
  json_reply(r, SOUP_STATUS_OK, b);
}

void error_reply(Reply &r, guint status, const char *message) {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "error");
  json_builder_add_string_value(b, message);
  json_builder_end_object(b);
  json_reply(r, status, b);
}

// HTTP status for a failed camera request (table in docs/rtsp-server.md).
guint status_for(const GError *e) {
  if (e->domain == G_IO_ERROR && e->code == G_IO_ERROR_NOT_FOUND) return SOUP_STATUS_NOT_FOUND;
  if (e->domain != IPCAM_ERROR) return SOUP_STATUS_BAD_GATEWAY;
  switch (e->code) {
    case IPCAM_ERROR_INVALID_ARGUMENT:
    case IPCAM_ERROR_UNSAFE_PATH:
      return SOUP_STATUS_BAD_REQUEST;
    case IPCAM_ERROR_TIMEOUT:
      return SOUP_STATUS_GATEWAY_TIMEOUT;
    case IPCAM_ERROR_LOGIN_REFUSED:  // busy with another client, or refused
      return SOUP_STATUS_CONFLICT;
    case IPCAM_ERROR_CANNOT_CONNECT:
    case IPCAM_ERROR_CONNECTION_LOST:
    case IPCAM_ERROR_NOT_CONNECTED:
    case IPCAM_ERROR_NO_CAMERA:
    case IPCAM_ERROR_CANCELLED:
      return SOUP_STATUS_SERVICE_UNAVAILABLE;
    default:
      return SOUP_STATUS_BAD_GATEWAY;
  }
}

void camera_error(Reply &r, const GError *e) {
  // Library messages quote camera text escaped already; anything else
  // (an element's text) is escaped here, for the log and for the client.
  std::string text = e->message;
  if (ipcam::escape_control(text).size() != text.size() + size_t(std::count(text.begin(), text.end(), '\\')))
    text = ipcam::escape_control(text);
  if (g_error_matches(e, IPCAM_ERROR, IPCAM_ERROR_LIMIT) && text.find("max-files") != std::string::npos)
    text += " (ipcam-rtsp-server --max-files N)";
  g_message("control API: %s", text.c_str());
  error_reply(r, status_for(e), text.c_str());
}

// Every temporary folder of a running request, so that none outlives the
// server even when a request cannot end in time.
std::mutex g_folders_mutex;
std::set<std::string> g_folders;

// A private folder for one request's download, removed with what is in it.
struct TempFolder {
  std::string path;
  TempFolder() {
    g_autofree char *p = g_dir_make_tmp("ipcam-rtsp-XXXXXX", nullptr);
    if (!p) return;
    path = p;
    std::lock_guard<std::mutex> l(g_folders_mutex);
    g_folders.insert(path);
  }
  ~TempFolder() {
    if (path.empty()) return;
    remove(path);
    std::lock_guard<std::mutex> l(g_folders_mutex);
    g_folders.erase(path);
  }
  static void remove(const std::string &path) {
    if (GDir *d = g_dir_open(path.c_str(), 0, nullptr)) {
      while (const char *name = g_dir_read_name(d)) {
        g_autofree char *f = g_build_filename(path.c_str(), name, nullptr);
        g_unlink(f);
      }
      g_dir_close(d);
    }
    g_rmdir(path.c_str());
  }
};

// The file's bytes, mapped (downloads can be large); the mapping outlives
// the file's removal.
bool file_reply(Reply &r, const std::string &local, const char *disposition, GError **error) {
  GMappedFile *mapped = g_mapped_file_new(local.c_str(), FALSE, error);
  if (!mapped) return false;
  r.set_body(g_mapped_file_get_bytes(mapped));
  g_mapped_file_unref(mapped);
  g_autofree char *name = g_path_get_basename(local.c_str());
  g_autofree char *type = g_content_type_guess(name, nullptr, 0, nullptr);
  g_autofree char *mime = type ? g_content_type_get_mime_type(type) : nullptr;
  r.content_type = mime ? mime : "application/octet-stream";
  r.filename = name;
  r.disposition = disposition;
  return true;
}

// A yes/no query parameter: absent gives `fallback`; anything but
// true/false, 1/0, yes/no is refused, so a typo is not taken as yes.
bool query_flag(GHashTable *query, const char *key, bool fallback, bool &out) {
  const char *v = query ? static_cast<const char *>(g_hash_table_lookup(query, key)) : nullptr;
  out = fallback;
  if (!v) return true;
  for (const char *yes : {"true", "1", "yes"})
    if (!g_ascii_strcasecmp(v, yes)) return (out = true);
  for (const char *no : {"false", "0", "no"})
    if (!g_ascii_strcasecmp(v, no)) return !(out = false);
  return false;
}

// Content-Disposition with the filename always quoted (RFC 6266 quoted-string).
std::string disposition_header(const char *disposition, const std::string &filename) {
  std::string quoted;
  for (char c : filename) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return std::string(disposition) + "; filename=\"" + quoted + "\"";
}

void add_value(JsonBuilder *b, const GValue *v) {
  switch (G_TYPE_FUNDAMENTAL(G_VALUE_TYPE(v))) {
    case G_TYPE_BOOLEAN: json_builder_add_boolean_value(b, g_value_get_boolean(v)); break;
    case G_TYPE_INT: json_builder_add_int_value(b, g_value_get_int(v)); break;
    case G_TYPE_UINT: json_builder_add_int_value(b, g_value_get_uint(v)); break;
    case G_TYPE_INT64: json_builder_add_int_value(b, g_value_get_int64(v)); break;
    case G_TYPE_UINT64: json_builder_add_int_value(b, gint64(g_value_get_uint64(v))); break;
    case G_TYPE_DOUBLE: json_builder_add_double_value(b, g_value_get_double(v)); break;
    case G_TYPE_FLOAT: json_builder_add_double_value(b, g_value_get_float(v)); break;
    case G_TYPE_STRING: json_builder_add_string_value(b, g_value_get_string(v)); break;
    default: {
      g_autofree char *s = gst_value_serialize(v);
      json_builder_add_string_value(b, s ? s : "");
    }
  }
}

}  // namespace

ControlApi::ControlApi(const ServerOptions &options, CameraControl &control, CameraStream &stream,
                       std::string rtsp_url, std::string firmware, std::string serial)
    : options_(options),
      control_(control),
      stream_(stream),
      rtsp_url_(std::move(rtsp_url)),
      firmware_(std::move(firmware)),
      serial_(std::move(serial)) {
  server_ = SOUP_SERVER(g_object_new(SOUP_TYPE_SERVER, "server-header", "ipcam-rtsp-server ", nullptr));
  soup_server_add_handler(server_, nullptr, on_request, this, nullptr);
  whep_ = std::make_unique<WhepEndpoint>(options_, stream_.hub());
  guard_.init(options_.bind, server_);
  if (options_.auth_enabled()) add_auth();
}

ControlApi::~ControlApi() {
  whep_.reset();
  soup_server_disconnect(server_);
  {
    std::unique_lock<std::mutex> l(jobs_mutex_);
    if (!jobs_done_.wait_for(l, std::chrono::seconds(2), [this] { return jobs_ == 0; }))
      g_warning("control API: %d requests still running at exit", jobs_);
  }
  // A request stuck past the wait leaves its folder: it goes now.
  std::lock_guard<std::mutex> l(g_folders_mutex);
  for (const auto &path : g_folders) TempFolder::remove(path);
  g_object_unref(server_);
}

void ControlApi::add_auth() {
  SoupAuthDomain *domain;
  if (options_.rtsp_digest) {
    domain = soup_auth_domain_digest_new("realm", "ipcam-rtsp-server", nullptr);
    soup_auth_domain_digest_set_auth_callback(
        domain,
        +[](SoupAuthDomain *d, SoupServerMessage *, const char *user, gpointer data) -> char * {
          auto *self = static_cast<ControlApi *>(data);
          if (self->options_.rtsp_user != user) return nullptr;
          return soup_auth_domain_digest_encode_password(user, soup_auth_domain_get_realm(d),
                                                         self->options_.rtsp_password.c_str());
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
  url_ = "http://" + host + ":" + std::to_string(port) + "/";
  return true;
}

void ControlApi::on_request(SoupServer *, SoupServerMessage *msg, const char *path, GHashTable *query,
                            gpointer self) {
  // "http://host:port/" + "/status" is a common slip: treat "//" as "/".
  std::string p = path ? path : "/";
  for (size_t i; (i = p.find("//")) != std::string::npos;) p.erase(i, 1);
  static_cast<ControlApi *>(self)->handle(msg, p, query);
}

namespace {

void send_reply(SoupServerMessage *msg, Reply &r) {
  SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
  for (const auto &[name, value] : r.headers) soup_message_headers_replace(h, name.c_str(), value.c_str());
  if (r.disposition)
    soup_message_headers_replace(h, "Content-Disposition", disposition_header(r.disposition, r.filename).c_str());
  soup_message_headers_set_content_type(h, r.content_type.c_str(), nullptr);
  soup_server_message_set_status(msg, r.status, nullptr);
  if (r.body) soup_message_body_append_bytes(soup_server_message_get_response_body(msg), r.body);
  soup_message_body_complete(soup_server_message_get_response_body(msg));
}

bool method_is(SoupServerMessage *msg, const char *method, Reply &r) {
  if (!strcmp(soup_server_message_get_method(msg), method)) return true;
  g_autofree char *text = g_strdup_printf("use %s here", method);
  error_reply(r, SOUP_STATUS_METHOD_NOT_ALLOWED, text);
  r.headers.emplace_back("Allow", method);
  return false;
}

struct Job {
  SoupServerMessage *msg;
  std::function<void(Reply &)> work;
  Reply reply;
};

}  // namespace

void ControlApi::run_in_worker(SoupServerMessage *msg, std::function<void(Reply &)> work) {
  soup_server_message_pause(msg);
  {
    std::lock_guard<std::mutex> l(jobs_mutex_);
    jobs_++;
  }
  // Counted until the work (and its temporary folder) is over.
  auto counted = [this, work = std::move(work)](Reply &r) {
    work(r);
    std::lock_guard<std::mutex> l(jobs_mutex_);
    if (--jobs_ == 0) jobs_done_.notify_all();
  };
  auto *job = new Job{SOUP_SERVER_MESSAGE(g_object_ref(msg)), std::move(counted), {}};
  GTask *task = g_task_new(
      nullptr, nullptr,
      +[](GObject *, GAsyncResult *res, gpointer) {
        auto *j = static_cast<Job *>(g_task_get_task_data(G_TASK(res)));
        send_reply(j->msg, j->reply);
        soup_server_message_unpause(j->msg);
      },
      nullptr);
  g_task_set_task_data(task, job, +[](gpointer p) {
    auto *j = static_cast<Job *>(p);
    g_object_unref(j->msg);
    delete j;
  });
  g_task_run_in_thread(task, +[](GTask *t, gpointer, gpointer data, GCancellable *) {
    auto *j = static_cast<Job *>(data);
    j->work(j->reply);
    g_task_return_boolean(t, TRUE);
  });
  g_object_unref(task);
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

void ControlApi::handle(SoupServerMessage *msg, const std::string &full_path, GHashTable *query) {
  if (!guard(msg, full_path)) return;
  if (full_path.rfind("/whep/", 0) == 0) {
    whep_->handle(msg, full_path);
    return;
  }
  if (serve_page(msg, full_path)) return;
  Reply r;
  if (full_path == "/") {  // a JSON client of /: the API is under /api/
    error_reply(r, SOUP_STATUS_TEMPORARY_REDIRECT, "the API is at /api/");
    r.headers.emplace_back("Location", "/api/");
    send_reply(msg, r);
    return;
  }
  // /api/NAME, and today's /NAME as its alias.
  const std::string path = full_path.rfind("/api/", 0) == 0 ? full_path.substr(4)
                           : full_path == "/api"           ? "/"
                                                           : full_path;
  if (path == "/" || path == "/status") {
    if (method_is(msg, "GET", r)) {
      status(r);
    }
  } else if (path == "/still") {
    if (method_is(msg, "POST", r)) {
      bool fetch = true;
      if (!query_flag(query, "fetch", true, fetch)) {
        error_reply(r, SOUP_STATUS_BAD_REQUEST, "fetch is true or false: POST /still?fetch=false");
      } else {
        run_in_worker(msg, [this, fetch](Reply &out) {
          TempFolder folder;
          std::string camera_path, local;
          g_autoptr(GError) error = nullptr;
          if (!control_.take_still(fetch, folder.path, camera_path, local, &error) ||
              (fetch && !file_reply(out, local, "inline", &error))) {
            camera_error(out, error);
            return;
          }
          if (fetch) {
            out.headers.emplace_back("X-Ipcam-Path", camera_path);
            return;
          }
          flag_reply(out, "taken", TRUE);
        });
        return;
      }
    }
  } else if (path == "/record/start" || path == "/record/stop") {
    if (method_is(msg, "POST", r)) {
      const bool start = path == "/record/start";
      run_in_worker(msg, [this, start](Reply &out) {
        g_autoptr(GError) error = nullptr;
        if (!control_.set_recording(start, &error)) {
          camera_error(out, error);
          return;
        }
        if (start && !recording_) recording_since_us_ = g_get_monotonic_time();
        recording_ = start;
        flag_reply(out, "recording", start);
      });
      return;
    }
  } else if (path == "/files") {
    if (method_is(msg, "GET", r)) {
      run_in_worker(msg, [this](Reply &out) {
        g_autoptr(GError) error = nullptr;
        std::vector<ipcam::FileEntry> files;
        if (!control_.list_files(files, &error)) {
          camera_error(out, error);
          return;
        }
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_array(b);
        for (const auto &f : files) {
          json_builder_begin_object(b);
          json_builder_set_member_name(b, "path");
          json_builder_add_string_value(b, f.path.c_str());
          json_builder_set_member_name(b, "size");
          json_builder_add_int_value(b, gint64(f.size));
          json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_reply(out, SOUP_STATUS_OK, b);
      });
      return;
    }
  } else if (path == "/files/download") {
    if (method_is(msg, "GET", r)) {
      const char *p = query ? static_cast<const char *>(g_hash_table_lookup(query, "path")) : nullptr;
      if (!p || !*p) {
        error_reply(r, SOUP_STATUS_BAD_REQUEST,
                    "give the file's path: /api/files/download?path=PATH (see GET /api/files)");
      } else {
        // A client that goes away ends the transfer (and its temporary file):
        // libsoup does not watch a paused message's connection, so the
        // download looks (a peek: 0 bytes = closed) as its bytes come.
        GSocket *client = static_cast<GSocket *>(g_object_ref(soup_server_message_get_socket(msg)));
        run_in_worker(msg, [this, camera_path = std::string(p), client](Reply &out) {
          TempFolder folder;
          std::string local;
          g_autoptr(GError) error = nullptr;
          const bool ok = control_.download(camera_path, folder.path, local, &error, [client] {
            char byte;
            return recv(g_socket_get_fd(client), &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
          });
          g_object_unref(client);
          if (!ok || !file_reply(out, local, "attachment", &error)) camera_error(out, error);
        });
        return;
      }
    }
  } else {
    const std::string text = "no such endpoint; there are the page at /, GET /api/status, POST /api/still, "
                             "POST /api/record/start, POST /api/record/stop, GET /api/files, "
                             "GET /api/files/download?path=PATH, and WHEP at " + whep_->path();
    error_reply(r, SOUP_STATUS_NOT_FOUND, text.c_str());
  }
  send_reply(msg, r);
}

void ControlApi::status(Reply &r) {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "version");
  json_builder_add_string_value(b, IPCAM_VERSION);
  json_builder_set_member_name(b, "url");
  json_builder_add_string_value(b, rtsp_url_.c_str());
  Publisher::add_status(b, stream_.publishers());  // "publish": [...]
  json_builder_set_member_name(b, "camera");
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "address");
  json_builder_add_string_value(b, control_.address().c_str());
  json_builder_set_member_name(b, "control_port");
  json_builder_add_int_value(b, options_.control_port);
  json_builder_set_member_name(b, "connected");
  json_builder_add_boolean_value(b, stream_.camera_held());
  if (!firmware_.empty()) {
    json_builder_set_member_name(b, "firmware");
    json_builder_add_string_value(b, firmware_.c_str());
  }
  if (!serial_.empty()) {
    json_builder_set_member_name(b, "serial");
    json_builder_add_string_value(b, serial_.c_str());
  }
  json_builder_end_object(b);

  json_builder_set_member_name(b, "clients");
  json_builder_add_int_value(b, stream_.client_count());
  // Medias fed from the camera, and the groups of pictures dropped for
  // viewers that fell behind (or had not sent PLAY yet).
  json_builder_set_member_name(b, "viewers");
  json_builder_add_int_value(b, gint64(stream_.viewer_count()));
  json_builder_set_member_name(b, "dropped_gops");
  json_builder_add_int_value(b, gint64(stream_.dropped_gops()));
  json_builder_set_member_name(b, "webrtc_viewers");
  json_builder_add_int_value(b, gint64(whep_->viewer_count()));
  json_builder_set_member_name(b, "web");
  json_builder_add_string_value(b, url_.c_str());
  json_builder_set_member_name(b, "whep");
  json_builder_add_string_value(b, whep_url().c_str());
  json_builder_set_member_name(b, "recording");
  json_builder_add_boolean_value(b, recording_);
  if (recording_) {  // since this server started it
    json_builder_set_member_name(b, "recording_seconds");
    json_builder_add_int_value(b, (g_get_monotonic_time() - recording_since_us_) / G_USEC_PER_SEC);
  }

  json_builder_set_member_name(b, "stats");
  json_builder_begin_object(b);
  if (GstElement *src = stream_.running_source()) {
    GstStructure *stats = nullptr;
    g_object_get(src, "stats", &stats, nullptr);
    gst_object_unref(src);
    if (stats) {
      gst_structure_foreach(
          stats,
          +[](GQuark field, const GValue *v, gpointer data) -> gboolean {
            auto *jb = static_cast<JsonBuilder *>(data);
            json_builder_set_member_name(jb, g_quark_to_string(field));
            add_value(jb, v);
            return TRUE;
          },
          b);
      gst_structure_free(stats);
    }
  }
  json_builder_end_object(b);
  json_builder_end_object(b);
  json_reply(r, SOUP_STATUS_OK, b);
}

}  // namespace ipcam_rtsp
