#include "http-file-server.h"

#include <glib/gstdio.h>

#include <cstring>

namespace ipcam::sim {

HttpFileServer::~HttpFileServer() { stop(); }

bool HttpFileServer::start(GError **error) {
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(config_.endpoint.address.c_str());
  if (!ip) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "--bind %s: not a numeric IP address", config_.endpoint.address.c_str());
    return false;
  }
  server_ = soup_server_new("server-header", "ipcam-sim ", nullptr);
  soup_server_add_handler(server_, nullptr, on_request, this, nullptr);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(ip, guint16(config_.endpoint.http_port));
  g_autoptr(GError) err = nullptr;
  if (!soup_server_listen(server_, addr, SoupServerListenOptions(0), &err)) {
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                  "HTTP port %d: permission denied (ports below 1024 need root); "
                  "use --http-port 8081 or --http-port 0 for any free port",
                  config_.endpoint.http_port);
    else
      g_set_error(error, err->domain, err->code, "HTTP port %s:%d: %s", config_.endpoint.address.c_str(),
                  config_.endpoint.http_port, err->message);
    return false;
  }
  GSList *uris = soup_server_get_uris(server_);
  if (uris) port_ = guint16(g_uri_get_port(static_cast<GUri *>(uris->data)));
  g_slist_free_full(uris, reinterpret_cast<GDestroyNotify>(g_uri_unref));
  return true;
}

void HttpFileServer::stop() {
  if (server_) {
    soup_server_disconnect(server_);
    g_object_unref(server_);
    server_ = nullptr;
  }
}

void HttpFileServer::on_request(SoupServer *, SoupServerMessage *msg, const char *path,
                                GHashTable *, gpointer data) {
  auto *self = static_cast<HttpFileServer *>(data);
  const char *method = soup_server_message_get_method(msg);
  if (self->config_.verbose) g_message("http: %s %s", method, path);
  if (g_strcmp0(path, kStatsPath) == 0) {
    // Not counted: looking at the counters must not change them.
    self->stats_.refresh();
    std::string json = self->stats_.to_json(self->seed_);
    soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, json.data(), json.size());
    soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
    return;
  }
  if (self->controls_ && g_str_has_prefix(path, kControlPrefix)) {
    if (g_strcmp0(method, SOUP_METHOD_POST) != 0) {
      soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, nullptr);
      return;
    }
    auto [status, json] = self->controls_->test_control(path + strlen(kControlPrefix));
    soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, json.data(), json.size());
    soup_server_message_set_status(msg, status, nullptr);
    return;
  }
  self->stats_.add("http_requests");
  if (g_strcmp0(method, SOUP_METHOD_GET) != 0 && g_strcmp0(method, SOUP_METHOD_HEAD) != 0) {
    soup_server_message_set_status(msg, SOUP_STATUS_NOT_IMPLEMENTED, nullptr);
    return;
  }
  auto local = self->store_.local_path(path);
  g_autoptr(GMappedFile) file =
      local ? g_mapped_file_new(local->c_str(), FALSE, nullptr) : nullptr;
  if (!file) {
    soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, nullptr);
    return;
  }
  g_autoptr(GBytes) bytes = g_mapped_file_get_bytes(file);
  SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
  const char *ct = g_str_has_suffix(path, ".JPG")   ? "image/jpeg"
                   : g_str_has_suffix(path, ".MP4") ? "video/mp4"
                                                    : "application/octet-stream";
  soup_message_headers_set_content_type(h, ct, nullptr);
  soup_message_headers_replace(h, "Accept-Ranges", "bytes");
  // The camera's clock dated the file when it was written (wall-clock.h).
  GStatBuf st;
  if (g_stat(local->c_str(), &st) == 0) {
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(st.st_mtime);
    g_autofree char *date = t ? soup_date_time_to_string(t, SOUP_DATE_HTTP) : nullptr;
    if (date) soup_message_headers_replace(h, "Last-Modified", date);
  }
  // A whole body with status 200: SoupServer answers Range requests itself.
  soup_message_body_append_bytes(soup_server_message_get_response_body(msg), bytes);
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  self->stats_.add("http_files_served");
}

}  // namespace ipcam::sim
