// The control API's answers and helpers, shared by ControlApi (the server,
// /api/cameras) and CameraApi (one camera's endpoints).
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace ipcam_rtsp {

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

GBytes *json_bytes(JsonBuilder *b);
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
// A GValue as a JSON value (a GstStructure's field, for the stats).
void add_value(JsonBuilder *b, const GValue *v);
void send_reply(SoupServerMessage *msg, Reply &r);
// False (and `r` a 405 naming `method`) for another method.
bool method_is(SoupServerMessage *msg, const char *method, Reply &r);

// A private folder for one request's download, removed with what is in
// it; remove_all() takes those of requests that could not end in time.
struct TempFolder {
  std::string path;
  TempFolder();
  ~TempFolder();
  TempFolder(const TempFolder &) = delete;
  TempFolder &operator=(const TempFolder &) = delete;
  static void remove(const std::string &path);
  static void remove_all();
};

// Camera requests on worker threads, counted so that the server can wait
// for them at exit.
class Workers {
 public:
  // Pauses `msg`, runs `work` on a thread, answers with its Reply.
  void run(SoupServerMessage *msg, std::function<void(Reply &)> work);
  // Waits up to `seconds` for the running requests; false if some remain.
  bool wait(int seconds);
  int running();

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  int jobs_ = 0;
};

}  // namespace ipcam_rtsp
