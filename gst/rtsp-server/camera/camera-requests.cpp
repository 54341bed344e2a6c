// CameraRequests: see camera-requests.h.
#include "camera/camera-requests.h"

#include "ipcam/error.h"

#include <cstring>

namespace ipcam::server {

namespace {

// ipcamsrc's action signals answer FALSE/NULL on failure; its last-error
// says why, with the GError's domain and code, which the API maps to a
// status (a timeout is not a busy camera). Requests are serialized
// (CameraControl), so the last error is this request's.
gboolean signal_failed(GstElement *src, const char *what, GError **error) {
  GstStructure *last = nullptr;
  g_object_get(src, "last-error", &last, nullptr);
  const char *domain = last ? gst_structure_get_string(last, "error-domain") : nullptr;
  const char *text = last ? gst_structure_get_string(last, "error") : nullptr;
  int code = IPCAM_ERROR_FAILED;
  if (!last || !domain || !text || !gst_structure_get_int(last, "error-code", &code)) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_FAILED, "the camera did not %s", what);
  } else {
    g_set_error(error, g_quark_from_string(domain), code, "the camera did not %s: %s", what, text);
  }
  if (last) gst_structure_free(last);
  return FALSE;
}

// ipcamsrc's camera-settings (name = index, ..., firmware) as the block it was read from.
std::optional<ipcam::ConfigBlock> block_of(const GstStructure *s) {
  ipcam::ConfigBlock block;
  if (const char *fw = gst_structure_get_string(s, "firmware")) block.firmware = fw;
  if (gst_structure_has_field(s, "field-0")) {
    block.layout = ipcam::ConfigBlock::Layout::kShort;
    for (int i = 0; i < 16; i++) {
      int v = 0;
      gst_structure_get_int(s, ("field-" + std::to_string(i)).c_str(), &v);
      block.fields.push_back(v);
    }
    return block;
  }
  block.fields.assign(20, 0);
  for (const auto &info : ipcam::setting_table()) {
    int v = 0;
    if (info.field >= 0 && gst_structure_get_int(s, info.name, &v)) block.fields[size_t(info.field)] = v;
  }
  return block;
}

}  // namespace

bool SourceRequests::has_signal(const char *name, GError **error) {
  if (g_signal_lookup(name, G_OBJECT_TYPE(src_))) return true;
  g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_FAILED,
              "the ipcamsrc element installed has no %s signal: install the ipcam plugin of this server's version",
              name);
  return false;
}

bool SourceRequests::take_still(GError **error) {
  gboolean ok = FALSE;
  g_signal_emit_by_name(src_, "take-still", &ok);
  return ok || signal_failed(src_, "take the still", error);
}

bool SourceRequests::set_recording(bool start, GError **error) {
  gboolean ok = FALSE;
  g_signal_emit_by_name(src_, start ? "start-recording" : "stop-recording", &ok);
  return ok || signal_failed(src_, start ? "start recording" : "stop recording", error);
}

std::optional<std::vector<ipcam::FileEntry>> SourceRequests::list_files(GError **error) {
  GStrv lines = nullptr;
  g_object_set(src_, "max-files", guint(max_files_), nullptr);  // --max-files
  g_signal_emit_by_name(src_, "list-files", &lines);
  if (!lines) {
    signal_failed(src_, "send its file list", error);
    return std::nullopt;
  }
  std::vector<ipcam::FileEntry> files;
  for (GStrv l = lines; *l; l++) {  // "PATH<TAB>SIZE"
    const char *tab = strrchr(*l, '\t');
    if (!tab) continue;
    files.push_back({std::string(*l, size_t(tab - *l)), g_ascii_strtoull(tab + 1, nullptr, 10)});
  }
  g_strfreev(lines);
  return files;
}

std::optional<ipcam::ConfigBlock> SourceRequests::configuration(GError **error) {
  if (!g_object_class_find_property(G_OBJECT_GET_CLASS(src_), "camera-settings")) {
    g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_FAILED,
                        "the ipcamsrc element installed has no camera-settings property: install the ipcam plugin "
                        "of this server's version");
    return std::nullopt;
  }
  GstStructure *s = nullptr;
  g_object_get(src_, "camera-settings", &s, nullptr);
  if (!s) {
    g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED,
                        "the stream has not read the camera's settings yet: ask again in a moment");
    return std::nullopt;
  }
  auto block = block_of(s);
  gst_structure_free(s);
  return block;
}

// ipcamsrc's set-setting answers TRUE only when the camera took it; a
// refused or ignored one is FALSE with the outcome in its last-error
// (outcome, result, read-back), which is an answer here, not an error.
std::optional<ipcam::SetResult> SourceRequests::set_setting(const std::string &name, int32_t index,
                                                            GError **error) {
  const ipcam::SettingInfo *info = ipcam::find_setting(name);
  if (!info) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT, "no setting named %s", name.c_str());
    return std::nullopt;
  }
  if (!has_signal("set-setting", error)) return std::nullopt;
  ipcam::SetResult r;
  r.name = name;
  r.index = index;
  gboolean ok = FALSE;
  g_signal_emit_by_name(src_, "set-setting", name.c_str(), gint(index), &ok);
  if (!ok) {
    GstStructure *last = nullptr;
    g_object_get(src_, "last-error", &last, nullptr);
    const char *outcome = last ? gst_structure_get_string(last, "outcome") : nullptr;
    if (!outcome) {
      if (last) gst_structure_free(last);
      signal_failed(src_, ("set " + name).c_str(), error);
      return std::nullopt;
    }
    r.outcome = !strcmp(outcome, "ignored") ? ipcam::SetOutcome::kIgnored : ipcam::SetOutcome::kRefused;
    int v = 0;
    if (gst_structure_get_int(last, "result", &v)) r.camera_result = v;
    if (gst_structure_get_int(last, "read-back", &v)) r.read_back = v;
    gst_structure_free(last);
    return r;
  }
  if (info->field < 0) return r;  // write-only: sent
  auto block = configuration(error);
  if (!block) return std::nullopt;
  r.read_back = ipcam::setting_value(*block, name);
  r.outcome = r.read_back == index ? ipcam::SetOutcome::kTaken : ipcam::SetOutcome::kIgnored;
  return r;
}

std::optional<ipcam::StorageInfo> SourceRequests::storage(GError **error) {
  if (!has_signal("get-storage", error)) return std::nullopt;
  GstStructure *s = nullptr;
  g_signal_emit_by_name(src_, "get-storage", &s);
  if (!s) {
    signal_failed(src_, "tell its card's capacity", error);
    return std::nullopt;
  }
  ipcam::StorageInfo info;
  guint64 remaining = 0, total = 0;
  gst_structure_get_uint64(s, "remaining", &remaining);
  gst_structure_get_uint64(s, "total", &total);
  gst_structure_free(s);
  info.remaining = remaining;
  info.total = total;
  return info;
}

bool SourceRequests::delete_file(const std::string &path, GError **error) {
  if (!has_signal("delete-file", error)) return false;
  gboolean ok = FALSE;
  g_signal_emit_by_name(src_, "delete-file", path.c_str(), &ok);
  return ok || signal_failed(src_, "delete the file", error);
}

bool SourceRequests::format_storage(GError **error) {
  if (!has_signal("format-storage", error)) return false;
  gboolean ok = FALSE;
  g_signal_emit_by_name(src_, "format-storage", &ok);
  return ok || signal_failed(src_, "format its card", error);
}

bool SourceRequests::set_clock(GDateTime *time, GError **error) {
  if (!has_signal("set-clock", error)) return false;
  if (time) {
    // ipcamsrc's set-clock gives the camera the host's time, nothing else.
    g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                        "while the camera streams its clock can only be set to now: POST clock with an empty body");
    return false;
  }
  gboolean ok = FALSE;
  g_signal_emit_by_name(src_, "set-clock", &ok);
  return ok || signal_failed(src_, "set its clock", error);
}

ipcam::CameraClock clock_of(GDateTime *local_time) {
  return ipcam::camera_clock(local_time, g_date_time_is_daylight_savings(local_time));
}

bool SessionRequests::set_clock(GDateTime *time, GError **error) {
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autoptr(GDateTime) local = g_date_time_to_local(time ? time : now);
  return s_.set_clock(clock_of(local), error);
}

}  // namespace ipcam::server
