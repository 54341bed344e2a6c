// ipcamsrc's action signals for what the phone app does besides the
// preview: one setting, the card (capacity, delete, format) and the
// camera's clock. They report as the other action signals do
// (ipcamsrc-signals.cpp): the return value, an element message with
// success (and error, error-domain, error-code on failure), last-error.
#include "ipcamsrc-requests.h"
#include "ipcamsrc-settings.h"

using ipcam::src::Connection;
using ipcam::src::get_connection;
using ipcam::src::post_failure;

namespace {

// TRUE when the camera took the setting (or, for a write-only one, said
// result 0); a refused or ignored setting is a failure with
// IPCAM_ERROR_REFUSED whose message says which.
gboolean set_setting(GstIpcamSrc *self, const char *name, gint index, gpointer) {
  Connection c;
  g_autoptr(GError) error = nullptr;
  std::optional<ipcam::SetResult> r;
  const std::string setting = name ? name : "";
  if (get_connection(self, c, &error)) r = c.session->set_setting(setting, index, &error);
  GstStructure *s = gst_structure_new("ipcam-setting", "name", G_TYPE_STRING, setting.c_str(), "index", G_TYPE_INT,
                                      index, nullptr);
  if (!r) {
    post_failure(self, "ipcam-setting", error, s);
    return FALSE;
  }
  if (r->read_back) gst_ipcam_src_update_camera_setting(self, setting, *r->read_back);
  gst_structure_set(s, "outcome", G_TYPE_STRING, ipcam::set_outcome_name(r->outcome), "result", G_TYPE_INT,
                    r->camera_result, nullptr);
  if (r->read_back) gst_structure_set(s, "read-back", G_TYPE_INT, *r->read_back, nullptr);
  if (r->outcome == ipcam::SetOutcome::kRefused) {
    g_set_error(&error, IPCAM_ERROR, IPCAM_ERROR_REFUSED, "the camera refused %s=%d (its result: %d)",
                setting.c_str(), index, r->camera_result);
  } else if (r->outcome == ipcam::SetOutcome::kIgnored) {
    g_set_error(&error, IPCAM_ERROR, IPCAM_ERROR_REFUSED, "the camera ignored %s=%d: it still reads %d",
                setting.c_str(), index, r->read_back.value_or(-1));
  }
  if (error) {
    post_failure(self, "ipcam-setting", error, s);
    return FALSE;
  }
  gst_structure_set(s, "success", G_TYPE_BOOLEAN, TRUE, nullptr);
  gst_ipcam_src_post(self, s);
  return TRUE;
}

// The card's capacity as a structure ipcam-storage (remaining, total in
// bytes), or NULL.
GstStructure *get_storage(GstIpcamSrc *self, gpointer) {
  Connection c;
  g_autoptr(GError) error = nullptr;
  std::optional<ipcam::StorageInfo> info;
  if (!get_connection(self, c, &error) || !(info = c.session->storage(&error))) {
    post_failure(self, "ipcam-storage", error);
    return nullptr;
  }
  GstStructure *s = gst_structure_new("ipcam-storage", "remaining", G_TYPE_UINT64, guint64(info->remaining), "total",
                                      G_TYPE_UINT64, guint64(info->total), nullptr);
  GstStructure *m = gst_structure_copy(s);
  gst_structure_set(m, "success", G_TYPE_BOOLEAN, TRUE, nullptr);
  gst_ipcam_src_post(self, m);
  return s;
}

gboolean delete_file(GstIpcamSrc *self, const char *path, gpointer) {
  Connection c;
  g_autoptr(GError) error = nullptr;
  const std::string p = path ? path : "";
  if (p.empty()) {
    g_set_error_literal(&error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT, "no camera path given");
  } else if (get_connection(self, c, &error)) {
    c.session->delete_file(p, &error);
  }
  if (error) {
    post_failure(self, "ipcam-delete", error,
                 gst_structure_new("ipcam-delete", "path", G_TYPE_STRING, p.c_str(), nullptr));
    return FALSE;
  }
  gst_ipcam_src_post(self, gst_structure_new("ipcam-delete", "success", G_TYPE_BOOLEAN, TRUE, "path", G_TYPE_STRING,
                                             p.c_str(), nullptr));
  return TRUE;
}

gboolean format_storage(GstIpcamSrc *self, gpointer) {
  Connection c;
  g_autoptr(GError) error = nullptr;
  if (!get_connection(self, c, &error) || !c.session->format_storage(&error)) {
    post_failure(self, "ipcam-format", error);
    return FALSE;
  }
  gst_ipcam_src_post(self, gst_structure_new("ipcam-format", "success", G_TYPE_BOOLEAN, TRUE, nullptr));
  return TRUE;
}

// Asked for explicitly, so sent whether or not the host's clock is
// synchronised (sync-clock's check is for the automatic one).
gboolean set_clock(GstIpcamSrc *self, gpointer) {
  Connection c;
  g_autoptr(GError) error = nullptr;
  std::string sent;
  if (!get_connection(self, c, &error) || !gst_ipcam_src_send_host_clock(*c.session, sent, &error)) {
    post_failure(self, "ipcam-clock", error);
    return FALSE;
  }
  gst_ipcam_src_post(self, gst_structure_new("ipcam-clock", "success", G_TYPE_BOOLEAN, TRUE, "time", G_TYPE_STRING,
                                             sent.c_str(), nullptr));
  return TRUE;
}

}  // namespace

void gst_ipcam_src_install_phone_signals(GstIpcamSrcClass *klass) {
  const GType t = G_TYPE_FROM_CLASS(klass);
  const auto flags = GSignalFlags(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION);
  /**
   * GstIpcamSrc::set-setting:
   * @name: a writable setting's name (exposure, led, video-quality, ...)
   * @index: the index into the camera's menu for it
   * Sets one setting and reads it back. Returns %TRUE when the camera took
   * it (or answered 0 to a write-only one); %FALSE when it refused or
   * ignored it, or on error (ipcam-setting message: outcome, result,
   * read-back; last-error).
   */
  g_signal_new_class_handler("set-setting", t, flags, G_CALLBACK(set_setting), nullptr, nullptr, nullptr,
                             G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_INT);
  /**
   * GstIpcamSrc::get-storage:
   * Returns the SD card's capacity as an ipcam-storage structure
   * (remaining, total: guint64 bytes), or %NULL on error.
   */
  g_signal_new_class_handler("get-storage", t, flags, G_CALLBACK(get_storage), nullptr, nullptr, nullptr,
                             GST_TYPE_STRUCTURE, 0);
  /**
   * GstIpcamSrc::delete-file:
   * @path: the file's path on the camera, as list-files gives it
   * Deletes the file from the camera's card. Returns %TRUE on success.
   */
  g_signal_new_class_handler("delete-file", t, flags, G_CALLBACK(delete_file), nullptr, nullptr, nullptr,
                             G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /**
   * GstIpcamSrc::format-storage:
   * Formats the camera's SD card: every recording and photo is lost.
   * Returns %TRUE on success.
   */
  g_signal_new_class_handler("format-storage", t, flags, G_CALLBACK(format_storage), nullptr, nullptr, nullptr,
                             G_TYPE_BOOLEAN, 0);
  /**
   * GstIpcamSrc::set-clock:
   * Sets the camera's clock to the host's local time now (whether or not
   * the host's clock is synchronised). Returns %TRUE on success.
   */
  g_signal_new_class_handler("set-clock", t, flags, G_CALLBACK(set_clock), nullptr, nullptr, nullptr,
                             G_TYPE_BOOLEAN, 0);
}
