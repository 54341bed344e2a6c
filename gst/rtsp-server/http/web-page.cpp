// The control page's files: see web-page.h.
#include "http/web-page.h"

#include <gio/gio.h>

#include <cstring>

namespace ipcam::server {

namespace {

constexpr const char *kPrefix = "/org/ipcam/rtsp-server/web/";

const char *type_of(const std::string &name) {
  if (g_str_has_suffix(name.c_str(), ".html")) return "text/html; charset=utf-8";
  if (g_str_has_suffix(name.c_str(), ".js")) return "text/javascript; charset=utf-8";
  if (g_str_has_suffix(name.c_str(), ".css")) return "text/css; charset=utf-8";
  if (g_str_has_suffix(name.c_str(), ".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace

bool wants_json(SoupServerMessage *msg) {
  const char *accept = soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Accept");
  return accept && strstr(accept, "application/json") && !strstr(accept, "text/html");
}

void serve_page_file(SoupServerMessage *msg, const std::string &name) {
  GBytes *bytes = g_resources_lookup_data((std::string(kPrefix) + name).c_str(), G_RESOURCE_LOOKUP_FLAGS_NONE, nullptr);
  SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
  if (!bytes) {
    soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, nullptr);
    soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_STATIC, "no such page file\n", 18);
    return;
  }
  soup_message_headers_replace(h, "Cache-Control", "no-cache");
  soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace(h, "X-Frame-Options", "DENY");
  soup_message_headers_replace(h, "Content-Security-Policy",
                               "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
                               "connect-src 'self' blob:; frame-ancestors 'none'");
  soup_message_headers_replace(h, "Content-Type", type_of(name));
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
  soup_message_body_append_bytes(soup_server_message_get_response_body(msg), bytes);
  g_bytes_unref(bytes);
}

}  // namespace ipcam::server
