// The route table: see routes.h.
//
// Rows are tried in order; the first whose methods and pattern fit the
// request answers it. In a pattern, {camera} is a served camera's name
// (followed by '/' or the end), {session} the rest of the path, {file}
// the rest without "..". The JSON API's rows are written with their own
// paths, /api/cameras/NAME/ENDPOINT: the default camera's endpoints are
// also at /api/ENDPOINT and (the first paths, kept) /ENDPOINT, which are
// taken as its own (api_path()). A JSON API path that a row knows with
// another method is answered 405, one that none knows 404.
#include "http/routes.h"

#include "archive/archive-routes.h"

#include "http/camera-json.h"
#include "http/json.h"
#include "http/route-request.h"
#include "http/reply.h"
#include "http/temp-folder.h"
#include "http/web-page.h"
#include "metrics/metrics-page.h"
#include "snapshot/jpeg-picture.h"
#include "onvif/onvif-endpoint.h"

#include <sys/socket.h>

#include <cstring>
#include <string_view>

namespace ipcam::server {

namespace {

struct Route {
  const char *methods;  // space-separated; "*": any
  const char *pattern;
  Handler handle;
};

void root(Request &r);
void page_index(Request &r);
void page_file(Request &r);
void whep(Request &r);
void whep_session(Request &r);
void no_whep_camera(Request &r);
void list_cameras(Request &r);
void camera_status(Request &r);
void take_still(Request &r);
void start_recording(Request &r);
void stop_recording(Request &r);
void list_files(Request &r);
void download_file(Request &r);
void frame_jpeg(Request &r);
void onvif(Request &r);

const Route kRoutes[] = {
    // WHEP, at /whep/NAME and its sessions' /whep/NAME/ID (they answer their own methods)
    {"*", "/whep/{camera}", whep},
    {"*", "/whep/{camera}/{session}", whep_session},
    {"*", "/whep/{session}", no_whep_camera},
    // The page
    {"GET HEAD", "/index.html", page_index},
    {"GET HEAD", "/web/{file}", page_file},
    {"*", "/", root},  // a browser gets the page, anything else a redirect to /api/
    // Prometheus's scrape
    {"GET HEAD", "/metrics", serve_metrics},
    // ONVIF (--onvif): SOAP 1.2 by POST; the operation's namespace picks the service
    {"*", "/onvif/device_service", onvif},
    {"*", "/onvif/media_service", onvif},
    // The JSON API
    {"GET", "/api/cameras", list_cameras},
    {"GET", "/api/cameras/{camera}/", camera_status},
    {"GET", "/api/cameras/{camera}/status", camera_status},
    {"POST", "/api/cameras/{camera}/still", take_still},
    {"POST", "/api/cameras/{camera}/record/start", start_recording},
    {"POST", "/api/cameras/{camera}/record/stop", stop_recording},
    {"GET", "/api/cameras/{camera}/files", list_files},
    {"GET", "/api/cameras/{camera}/files/download", download_file},
    {"DELETE", "/api/cameras/{camera}/files", delete_file},
    {"GET", "/api/cameras/{camera}/settings", get_settings},
    {"POST", "/api/cameras/{camera}/settings", post_settings},
    {"GET", "/api/cameras/{camera}/storage", get_storage},
    {"POST", "/api/cameras/{camera}/clock", set_clock},
    {"POST", "/api/cameras/{camera}/format", format_card},
    {"GET HEAD", "/api/cameras/{camera}/frame.jpeg", frame_jpeg},
    {"GET", "/api/cameras/{camera}/archive", list_archive},
    {"GET", "/api/cameras/{camera}/archive/download", download_archive},
};

bool is_api(const Route &route) { return g_str_has_prefix(route.pattern, "/api/"); }

bool method_fits(const Route &route, const char *method) {
  if (!strcmp(route.methods, "*")) return true;
  g_auto(GStrv) methods = g_strsplit(route.methods, " ", -1);
  return g_strv_contains(methods, method);
}

Camera *find_camera(const Served &s, std::string_view name) {
  for (Camera *c : s.cameras)
    if (c->name() == name) return c;
  return nullptr;
}

// `path` against `pattern`: true with the placeholders' values in `r`.
bool matches(std::string_view pattern, std::string_view path, Request &r) {
  while (!pattern.empty()) {
    if (pattern[0] != '{') {
      if (path.empty() || path[0] != pattern[0]) return false;
      pattern.remove_prefix(1);
      path.remove_prefix(1);
      continue;
    }
    const size_t close = pattern.find('}');
    const std::string_view name = pattern.substr(1, close - 1);
    pattern.remove_prefix(close + 1);
    if (name == "camera") {
      Camera *found = nullptr;
      for (Camera *c : r.served.cameras) {
        const std::string &n = c->name();
        if (path.substr(0, n.size()) == n && (path.size() == n.size() || path[n.size()] == '/')) {
          found = c;
          break;
        }
      }
      if (!found) return false;
      r.camera = found;
      path.remove_prefix(found->name().size());
    } else {  // session, file: the rest
      if (name == "file" && path.find("..") != std::string_view::npos) return false;
      r.rest = std::string(path);
      path = {};
    }
  }
  return path.empty();
}

// ---------------------------------------------------------------- answers

void send_error(SoupServerMessage *msg, guint status, const std::string &text) {
  Reply r;
  error_reply(r, status, text.c_str());
  send_reply(msg, r);
}

void no_such_endpoint(const Served &s, SoupServerMessage *msg, const std::string &prefix) {
  const std::string text = "no such endpoint; there are the page at /, GET /api/cameras, GET " + prefix +
                           "status, POST " + prefix + "still, POST " + prefix + "record/start, POST " + prefix +
                           "record/stop, GET " + prefix + "files, GET " + prefix +
                           "files/download?path=PATH, DELETE " + prefix + "files?path=PATH, GET and POST " + prefix +
                           "settings, GET " + prefix + "storage, POST " + prefix + "clock, POST " + prefix +
                           "format?confirm=yes, GET " + prefix + "frame.jpeg?width=N, GET " + prefix + "archive, GET " + prefix +
                           "archive/download?path=DAY/FILE (each also under /api/cameras/NAME/), GET /metrics, and WHEP at " +
                           s.default_camera->whep().path();
  send_error(msg, SOUP_STATUS_NOT_FOUND, text);
}

void not_allowed(SoupServerMessage *msg, const char *method) {
  Reply r;
  not_allowed_reply(r, method);
  send_reply(msg, r);
}

void root(Request &r) {
  const char *method = soup_server_message_get_method(r.msg);
  if ((!strcmp(method, "GET") || !strcmp(method, "HEAD")) && !wants_json(r.msg)) {
    serve_page_file(r.msg, "index.html");
    return;
  }
  // A JSON client of /: the API is under /api/.
  Reply reply;
  error_reply(reply, SOUP_STATUS_TEMPORARY_REDIRECT, "the API is at /api/");
  reply.headers.emplace_back("Location", "/api/");
  send_reply(r.msg, reply);
}

void page_index(Request &r) { serve_page_file(r.msg, "index.html"); }

void page_file(Request &r) { serve_page_file(r.msg, r.rest); }

void whep(Request &r) { r.camera->whep().answer(r.msg); }

void whep_session(Request &r) { r.camera->whep().answer_session(r.msg, r.rest); }

void no_whep_camera(Request &r) {
  std::string text = "no such camera; WHEP is at";
  for (Camera *c : r.served.cameras) text += " " + c->whep().path();
  text += "\n";
  add_whep_cors(r.msg);
  soup_server_message_set_status(r.msg, SOUP_STATUS_NOT_FOUND, nullptr);
  soup_server_message_set_response(r.msg, "text/plain; charset=utf-8", SOUP_MEMORY_COPY, text.data(), text.size());
}

void list_cameras(Request &r) {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "default");
  json_builder_add_string_value(b, r.served.default_camera->name().c_str());
  json_builder_set_member_name(b, "cameras");
  json_builder_begin_array(b);
  for (Camera *c : r.served.cameras) add_summary(b, c->status(), r.served.url);
  json_builder_end_array(b);
  json_builder_end_object(b);
  Reply reply;
  json_reply(reply, SOUP_STATUS_OK, b);
  send_reply(r.msg, reply);
}

void camera_status(Request &r) {
  Reply reply;
  reply.set_body(status_document(r.camera->status(), r.served.url));
  send_reply(r.msg, reply);
}

void take_still(Request &r) {
  bool fetch = true;
  if (!query_flag(r.query, "fetch", true, fetch)) {
    send_error(r.msg, SOUP_STATUS_BAD_REQUEST, "fetch is true or false: POST /still?fetch=false");
    return;
  }
  r.served.workers->run(r.msg, [camera = r.camera, fetch](Reply &out) {
    TempFolder folder;
    std::string camera_path, local;
    g_autoptr(GError) error = nullptr;
    if (!camera->control().take_still(fetch, folder.path, camera_path, local, &error) ||
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
}

void set_recording(Request &r, bool start) {
  r.served.workers->run(r.msg, [camera = r.camera, start](Reply &out) {
    g_autoptr(GError) error = nullptr;
    if (!camera->set_recording(start, &error)) {
      camera_error(out, error);
      return;
    }
    flag_reply(out, "recording", start);
  });
}

void start_recording(Request &r) { set_recording(r, true); }

void stop_recording(Request &r) { set_recording(r, false); }

// What a stored file is, from its extension: "photo", "video" or "file".
const char *kind_of(const std::string &path) {
  g_autofree char *lower = g_ascii_strdown(path.c_str(), -1);
  for (const char *ext : {".jpg", ".jpeg", ".png"})
    if (g_str_has_suffix(lower, ext)) return "photo";
  for (const char *ext : {".mp4", ".mov", ".avi", ".ts"})
    if (g_str_has_suffix(lower, ext)) return "video";
  return "file";
}

// [{"path", "size", "kind"[, "modified"]}]; with ?dates=true each file's
// date from the camera's HTTP server (ISO 8601, UTC), or null.
void list_files(Request &r) {
  bool dates = false;
  if (!query_flag(r.query, "dates", false, dates)) {
    send_error(r.msg, SOUP_STATUS_BAD_REQUEST, "dates is true or false: GET /files?dates=true");
    return;
  }
  r.served.workers->run(r.msg, [camera = r.camera, dates](Reply &out) {
    g_autoptr(GError) error = nullptr;
    std::vector<ipcam::FileEntry> files;
    if (!camera->control().list_files(files, &error)) {
      camera_error(out, error);
      return;
    }
    const std::vector<gint64> when = dates ? camera->control().file_dates(files) : std::vector<gint64>();
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_array(b);
    for (size_t i = 0; i < files.size(); i++) {
      const auto &f = files[i];
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "path");
      json_builder_add_string_value(b, f.path.c_str());
      json_builder_set_member_name(b, "size");
      json_builder_add_int_value(b, gint64(f.size));
      json_builder_set_member_name(b, "kind");
      json_builder_add_string_value(b, kind_of(f.path));
      if (dates) {
        json_builder_set_member_name(b, "modified");
        g_autoptr(GDateTime) t = when[i] ? g_date_time_new_from_unix_utc(when[i]) : nullptr;
        g_autofree char *iso = t ? g_date_time_format_iso8601(t) : nullptr;
        if (iso) json_builder_add_string_value(b, iso);
        else json_builder_add_null_value(b);
      }
      json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_reply(out, SOUP_STATUS_OK, b);
  });
}

void download_file(Request &r) {
  const char *p = r.query ? static_cast<const char *>(g_hash_table_lookup(r.query, "path")) : nullptr;
  if (!p || !*p) {
    send_error(r.msg, SOUP_STATUS_BAD_REQUEST, "give the file's path: /api/files/download?path=PATH (see GET /api/files)");
    return;
  }
  // A client that goes away ends the transfer (and its temporary file):
  // libsoup does not watch a paused message's connection, so the
  // download looks (a peek: 0 bytes = closed) as its bytes come.
  GSocket *client = static_cast<GSocket *>(g_object_ref(soup_server_message_get_socket(r.msg)));
  r.served.workers->run(r.msg, [camera = r.camera, camera_path = std::string(p), client](Reply &out) {
    TempFolder folder;
    std::string local;
    g_autoptr(GError) error = nullptr;
    const bool ok = camera->control().download(camera_path, folder.path, local, &error, [client] {
      char byte;
      return recv(g_socket_get_fd(client), &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
    });
    g_object_unref(client);
    if (!ok || !file_reply(out, local, "attachment", &error)) camera_error(out, error);
  });
}

// The newest picture as JPEG, ?width=N pixels wide (height to keep the aspect).
void frame_jpeg(Request &r) {
  const char *w = r.query ? static_cast<const char *>(g_hash_table_lookup(r.query, "width")) : nullptr;
  gint64 width = 0;
  if (w && (!g_ascii_string_to_signed(w, 10, kMinJpegWidth, kMaxJpegWidth, &width, nullptr))) {
    send_error(r.msg, SOUP_STATUS_BAD_REQUEST,
               "width is a whole number of pixels from " + std::to_string(kMinJpegWidth) + " to " +
                   std::to_string(kMaxJpegWidth) + " (the height keeps the aspect): GET /api/frame.jpeg?width=640");
    return;
  }
  r.served.workers->run(r.msg, [camera = r.camera, width](Reply &out) {
    guint status = SOUP_STATUS_OK;
    std::string error;
    GBytes *jpeg = camera->snapshot().take(int(width), status, error);
    if (!jpeg) {
      g_message("snapshot: %s", error.c_str());
      error_reply(out, status, error.c_str());
    } else {
      out.content_type = "image/jpeg";
      out.set_body(jpeg);
    }
    out.headers.emplace_back("Cache-Control", "no-store");
  });
}

// Without --onvif the paths are unknown, as any other.
void onvif(Request &r) {
  if (!r.served.default_camera->onvif()) return no_such_endpoint(r.served, r.msg, "/api/");
  answer_onvif(r.served.cameras, r.served.default_camera, r.msg);
}

// ---------------------------------------------------------------- routing

// The JSON API's own path for `path` (see the top), and where the
// endpoints of the camera it names are, for a 404. False (answered) when
// it names no camera.
bool api_path(const Served &s, SoupServerMessage *msg, const std::string &path, std::string &own,
              std::string &prefix) {
  const std::string tail = path.rfind("/api/", 0) == 0 ? path.substr(4) : path == "/api" ? "/" : path;
  prefix = "/api/";
  if (tail == "/cameras" || tail == "/cameras/") {
    own = "/api/cameras";
  } else if (tail.rfind("/cameras/", 0) == 0) {
    const std::string rest = tail.substr(9);
    const size_t slash = rest.find('/');
    const std::string name = rest.substr(0, slash);
    if (!find_camera(s, name)) {
      std::string text = "no camera named " + name + "; there are";
      for (Camera *c : s.cameras) text += " " + c->name();
      text += " (GET /api/cameras)";
      send_error(msg, SOUP_STATUS_NOT_FOUND, text);
      return false;
    }
    own = "/api/cameras/" + name + (slash == std::string::npos ? "/" : rest.substr(slash));
    prefix = "/api/cameras/" + name + "/";
  } else {
    own = "/api/cameras/" + s.default_camera->name() + tail;
  }
  return true;
}

}  // namespace

void route(const Served &served, SoupServerMessage *msg, const std::string &path, GHashTable *query) {
  const char *method = soup_server_message_get_method(msg);
  for (const Route &row : kRoutes) {
    Request r{served, msg, query, nullptr, {}};
    if (!is_api(row) && method_fits(row, method) && matches(row.pattern, path, r)) return row.handle(r);
  }
  std::string own, prefix;
  if (!api_path(served, msg, path, own, prefix)) return;
  std::string other_methods;
  for (const Route &row : kRoutes) {
    Request r{served, msg, query, nullptr, {}};
    if (!is_api(row) || !matches(row.pattern, own, r)) continue;
    if (method_fits(row, method)) return row.handle(r);
    other_methods += (other_methods.empty() ? "" : ", ") + std::string(row.methods);
  }
  if (!other_methods.empty()) not_allowed(msg, other_methods.c_str());
  else no_such_endpoint(served, msg, prefix);
}

}  // namespace ipcam::server
