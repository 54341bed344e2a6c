// A camera's status as JSON: see camera-json.h.
#include "http/camera-json.h"

#include "http/json.h"
#include "webrtc/whep-endpoint.h"

#include <algorithm>
#include <utility>

namespace ipcam::server {

namespace {

// "publish": [{"url", "state", "error", "attempts"[, "next_attempt_in_ms", "next_attempt"]}]
void add_publish(JsonBuilder *b, const std::vector<Publisher::Status> &publish) {
  json_builder_set_member_name(b, "publish");
  json_builder_begin_array(b);
  for (const auto &s : publish) {
    json_builder_begin_object(b);
    add_string(b, "url", s.url);
    add_string(b, "state", state_name(s.state));
    add_string(b, "error", s.error);
    add_int(b, "attempts", s.attempts);
    if (s.next_attempt_us) {
      add_int(b, "next_attempt_in_ms", std::max<gint64>(0, (s.next_attempt_us - g_get_monotonic_time()) / 1000));
      g_autoptr(GDateTime) at = g_date_time_new_from_unix_utc(s.next_attempt_unix_ms / 1000);
      g_autofree char *iso = at ? g_date_time_format_iso8601(at) : nullptr;
      add_string(b, "next_attempt", iso ? iso : "");
    }
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

void add_camera(JsonBuilder *b, const CameraStatus &s) {
  json_builder_set_member_name(b, "camera");
  json_builder_begin_object(b);
  add_string(b, "address", s.address);
  add_int(b, "control_port", s.control_port);
  add_bool(b, "connected", s.connected);
  if (!s.firmware.empty()) add_string(b, "firmware", s.firmware);
  if (!s.serial.empty()) add_string(b, "serial", s.serial);
  json_builder_end_object(b);
}

// ipcamsrc's stats, field by field.
void add_stats(JsonBuilder *b, const GstStructure *stats) {
  json_builder_set_member_name(b, "stats");
  json_builder_begin_object(b);
  if (stats)
    gst_structure_foreach(
        stats,
        +[](GQuark field, const GValue *v, gpointer data) -> gboolean {
          auto *jb = static_cast<JsonBuilder *>(data);
          json_builder_set_member_name(jb, g_quark_to_string(field));
          add_value(jb, v);
          return TRUE;
        },
        b);
  json_builder_end_object(b);
}

// "archive": {"dir", "state", "error", "segments", "bytes", "dropped_gops"}:
// the server's own recording (archive/); "recording" is the camera's.
void add_archive(JsonBuilder *b, const ArchiveStatus &a) {
  json_builder_set_member_name(b, "archive");
  json_builder_begin_object(b);
  add_string(b, "dir", a.dir);
  add_string(b, "state", a.state);
  add_string(b, "error", a.error);
  add_int(b, "segments", gint64(a.segments));
  add_int(b, "bytes", gint64(a.bytes));
  add_int(b, "dropped_gops", gint64(a.dropped_gops));
  json_builder_end_object(b);
}

}  // namespace

GBytes *status_document(const CameraStatus &s, const std::string &base_url) {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  add_string(b, "version", IPCAM_VERSION);
  add_string(b, "name", s.name);
  add_string(b, "url", s.rtsp_url);
  add_publish(b, s.publish);
  add_camera(b, s);
  add_int(b, "clients", s.status_clients);
  // Medias fed from the camera, and the groups of pictures dropped for
  // viewers that fell behind (or had not sent PLAY yet).
  add_int(b, "viewers", gint64(s.viewers));
  add_int(b, "dropped_gops", gint64(s.dropped_gops));
  add_int(b, "webrtc_viewers", gint64(s.webrtc_viewers));
  add_string(b, "web", base_url);
  add_string(b, "whep", whep_url(base_url, s.whep_path));
  add_bool(b, "recording", s.recording);
  if (s.recording) add_int(b, "recording_seconds", s.recording_seconds);  // since this server started it
  add_archive(b, s.archive);
  add_stats(b, s.stats.get());
  json_builder_end_object(b);
  return json_bytes(b);
}

void add_summary(JsonBuilder *b, const CameraStatus &s, const std::string &base_url) {
  json_builder_begin_object(b);
  add_string(b, "name", s.name);
  add_string(b, "url", s.rtsp_url);
  add_string(b, "whep", whep_url(base_url, s.whep_path));
  add_string(b, "address", s.address);
  add_bool(b, "connected", s.connected);
  add_int(b, "clients", s.clients);
  add_int(b, "webrtc_viewers", gint64(s.webrtc_viewers));
  json_builder_end_object(b);
}

}  // namespace ipcam::server
