// CameraApi: see camera-api.h. Every answer is JSON except the still
// (image/jpeg) and downloads (the file's bytes).
#include "camera-api.h"

#include <sys/socket.h>

#include <utility>
#include <vector>

namespace ipcam_rtsp {

CameraApi::CameraApi(const ServerOptions &options, std::string name, CameraControl &control, CameraStream &stream,
                     std::string rtsp_url, std::string firmware, std::string serial, Workers &workers,
                     bool count_all_clients)
    : options_(options),
      name_(std::move(name)),
      control_(control),
      stream_(stream),
      rtsp_url_(std::move(rtsp_url)),
      firmware_(std::move(firmware)),
      serial_(std::move(serial)),
      workers_(workers),
      count_all_clients_(count_all_clients),
      whep_(std::make_unique<WhepEndpoint>(options, stream.hub())) {}

bool CameraApi::handle(SoupServerMessage *msg, const std::string &path, GHashTable *query) {
  Reply r;
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
        workers_.run(msg, [this, fetch](Reply &out) {
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
        return true;
      }
    }
  } else if (path == "/record/start" || path == "/record/stop") {
    if (method_is(msg, "POST", r)) {
      const bool start = path == "/record/start";
      workers_.run(msg, [this, start](Reply &out) {
        g_autoptr(GError) error = nullptr;
        if (!control_.set_recording(start, &error)) {
          camera_error(out, error);
          return;
        }
        if (start && !recording_) recording_since_us_ = g_get_monotonic_time();
        recording_ = start;
        flag_reply(out, "recording", start);
      });
      return true;
    }
  } else if (path == "/files") {
    if (method_is(msg, "GET", r)) {
      workers_.run(msg, [this](Reply &out) {
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
      return true;
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
        workers_.run(msg, [this, camera_path = std::string(p), client](Reply &out) {
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
        return true;
      }
    }
  } else {
    return false;
  }
  send_reply(msg, r);
  return true;
}

void CameraApi::summary(JsonBuilder *b) {
  json_builder_begin_object(b);
  const std::pair<const char *, std::string> members[] = {
      {"name", name_}, {"url", rtsp_url_}, {"whep", whep_url()}, {"address", control_.address()}};
  for (const auto &[key, value] : members) {
    json_builder_set_member_name(b, key);
    json_builder_add_string_value(b, value.c_str());
  }
  json_builder_set_member_name(b, "connected");
  json_builder_add_boolean_value(b, stream_.camera_held());
  json_builder_set_member_name(b, "clients");
  json_builder_add_int_value(b, stream_.client_count(true));
  json_builder_set_member_name(b, "webrtc_viewers");
  json_builder_add_int_value(b, gint64(whep_->viewer_count()));
  json_builder_end_object(b);
}

void CameraApi::status(Reply &r) {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "version");
  json_builder_add_string_value(b, IPCAM_VERSION);
  json_builder_set_member_name(b, "name");
  json_builder_add_string_value(b, name_.c_str());
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
  json_builder_add_int_value(b, stream_.client_count(!count_all_clients_));
  // Medias fed from the camera, and the groups of pictures dropped for
  // viewers that fell behind (or had not sent PLAY yet).
  json_builder_set_member_name(b, "viewers");
  json_builder_add_int_value(b, gint64(stream_.viewer_count()));
  json_builder_set_member_name(b, "dropped_gops");
  json_builder_add_int_value(b, gint64(stream_.dropped_gops()));
  json_builder_set_member_name(b, "webrtc_viewers");
  json_builder_add_int_value(b, gint64(whep_->viewer_count()));
  json_builder_set_member_name(b, "web");
  json_builder_add_string_value(b, base_url_.c_str());
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
