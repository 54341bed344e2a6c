// The control API's answers: a Reply built on any thread (a worker's) and
// sent on the main context; JSON, errors, files.
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <string>
#include <utility>
#include <vector>

namespace ipcam::server {

struct Reply {
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

void json_reply(Reply &r, guint status, JsonBuilder *b);
// {"NAME": VALUE}: the answer of the camera commands.
void flag_reply(Reply &r, const char *name, gboolean value);
// {"error": MESSAGE}
void error_reply(Reply &r, guint status, const char *message);
// A failed camera request: its HTTP status (table in docs/rtsp-server.md)
// and its message, escaped.
void camera_error(Reply &r, const GError *e);
// The file's bytes, mapped, with its type and a Content-Disposition.
bool file_reply(Reply &r, const std::string &local, const char *disposition, GError **error);
// A yes/no query parameter: absent gives `fallback`; anything but
// true/false, 1/0, yes/no is refused (false).
bool query_flag(GHashTable *query, const char *key, bool fallback, bool &out);
void send_reply(SoupServerMessage *msg, Reply &r);
// 405, naming the one `method` the path takes.
void not_allowed_reply(Reply &r, const char *method);

}  // namespace ipcam::server
