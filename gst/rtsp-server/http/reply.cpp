// The control API's answers: see reply.h.
#include "http/reply.h"

#include "http/json.h"

#include "ipcam/error.h"
#include "ipcam/text.h"

#include <gio/gio.h>

#include <algorithm>

namespace ipcam::server {

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

namespace {

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
    case IPCAM_ERROR_BUSY:           // the camera has another client (its phone app)
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

}  // namespace

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

namespace {

// Content-Disposition with the filename always quoted (RFC 6266 quoted-string).
std::string disposition_header(const char *disposition, const std::string &filename) {
  std::string quoted;
  for (char c : filename) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return std::string(disposition) + "; filename=\"" + quoted + "\"";
}

}  // namespace

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

void not_allowed_reply(Reply &r, const char *method) {
  g_autofree char *text = g_strdup_printf("use %s here", method);
  error_reply(r, SOUP_STATUS_METHOD_NOT_ALLOWED, text);
  r.headers.emplace_back("Allow", method);
}

}  // namespace ipcam::server
