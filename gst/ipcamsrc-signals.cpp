// ipcamsrc's action signals. Each takes a reference to the session under
// the lock, lets go of the lock, and makes its request from the caller's
// thread, so the streaming thread never waits for the camera's answer.
// Each posts an element message with its result (success or error).
#include "ipcamsrc-requests.h"

#include "ipcam/download.h"
#include "ipcam/still.h"
#include "ipcam/text.h"

#include <algorithm>

using ipcam::src::Connection;
using ipcam::src::get_connection;
using ipcam::src::Locker;
using ipcam::src::post_failure;

namespace ipcam::src {

bool get_connection(GstIpcamSrc *self, Connection &c, GError **error) {
  auto *st = self->state;
  {
    Locker l(st->lock);
    c.session = st->session;
    c.address = st->camera_address;
    c.http_port = st->settings.endpoint.http_port;
    c.interface = st->settings.endpoint.interface;
    c.timeout_ms = st->settings.endpoint.timeout_ms;
  }
  if (c.session && c.session->connected()) return true;
  g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED,
                      "not connected to a camera (the element connects once it is PLAYING)");
  return false;
}

void post_failure(GstIpcamSrc *self, const char *name, const GError *error, GstStructure *extra) {
  GST_WARNING_OBJECT(self, "%s failed: %s", name, error->message);
  GstStructure *s = extra ? extra : gst_structure_new_empty(name);
  gst_structure_set(s, "success", G_TYPE_BOOLEAN, FALSE, "error", G_TYPE_STRING, error->message, "error-domain",
                    G_TYPE_STRING, g_quark_to_string(error->domain), "error-code", G_TYPE_INT, error->code, nullptr);
  {
    Locker l(self->state->lock);
    if (self->state->last_error) gst_structure_free(self->state->last_error);
    self->state->last_error = gst_structure_copy(s);
  }
  gst_ipcam_src_post(self, s);
}

}  // namespace ipcam::src

namespace {

gboolean take_still(GstIpcamSrc *self, gpointer) {
  Connection c;
  g_autoptr(GError) error = nullptr;
  if (!get_connection(self, c, &error) || !c.session->take_still(&error)) {
    post_failure(self, "ipcam-still", error);
    return FALSE;
  }
  gst_ipcam_src_post(self, gst_structure_new("ipcam-still", "success", G_TYPE_BOOLEAN, TRUE, nullptr));
  return TRUE;
}

gboolean set_recording(GstIpcamSrc *self, bool start) {
  Connection c;
  g_autoptr(GError) error = nullptr;
  if (!get_connection(self, c, &error) || !c.session->set_recording(start, &error)) {
    post_failure(self, "ipcam-recording", error,
                 gst_structure_new("ipcam-recording", "recording", G_TYPE_BOOLEAN, start, nullptr));
    return FALSE;
  }
  gst_ipcam_src_post(self, gst_structure_new("ipcam-recording", "success", G_TYPE_BOOLEAN, TRUE, "recording",
                                             G_TYPE_BOOLEAN, start, nullptr));
  return TRUE;
}

gboolean start_recording(GstIpcamSrc *self, gpointer) { return set_recording(self, true); }
gboolean stop_recording(GstIpcamSrc *self, gpointer) { return set_recording(self, false); }

void post_file_list(GstIpcamSrc *self, const std::vector<ipcam::FileEntry> &files) {
  GValue paths = G_VALUE_INIT, sizes = G_VALUE_INIT;
  gst_value_array_init(&paths, files.size());
  gst_value_array_init(&sizes, files.size());
  for (const auto &f : files) {
    GValue v = G_VALUE_INIT;
    g_value_init(&v, G_TYPE_STRING);
    g_value_set_string(&v, f.path.c_str());
    gst_value_array_append_and_take_value(&paths, &v);
    GValue n = G_VALUE_INIT;
    g_value_init(&n, G_TYPE_UINT64);
    g_value_set_uint64(&n, f.size);
    gst_value_array_append_and_take_value(&sizes, &n);
  }
  GstStructure *s = gst_structure_new("ipcam-files", "success", G_TYPE_BOOLEAN, TRUE, "count", G_TYPE_UINT,
                                      guint(files.size()), nullptr);
  gst_structure_take_value(s, "paths", &paths);
  gst_structure_take_value(s, "sizes", &sizes);
  gst_ipcam_src_post(self, s);
}

// Returns "PATH\tSIZE" strings: easy to split in any language.
GStrv list_files(GstIpcamSrc *self, gpointer) {
  Connection c;
  g_autoptr(GError) error = nullptr;
  std::optional<std::vector<ipcam::FileEntry>> list;
  if (!get_connection(self, c, &error) || !(list = c.session->file_list(&error))) {
    post_failure(self, "ipcam-files", error);
    return nullptr;
  }
  const std::vector<ipcam::FileEntry> &files = *list;
  post_file_list(self, files);
  GStrv out = g_new0(char *, files.size() + 1);
  for (size_t i = 0; i < files.size(); i++)
    out[i] = g_strdup_printf("%s\t%" G_GUINT64_FORMAT, files[i].path.c_str(), guint64(files[i].size));
  return out;
}

char *get_firmware(GstIpcamSrc *self, gpointer) {
  Connection c;
  g_autoptr(GError) error = nullptr;
  std::optional<std::string> version;
  if (!get_connection(self, c, &error) || !(version = c.session->firmware_version(&error))) {
    post_failure(self, "ipcam-firmware", error);
    return nullptr;
  }
  gst_ipcam_src_post(self, gst_structure_new("ipcam-firmware", "success", G_TYPE_BOOLEAN, TRUE, "version",
                                             G_TYPE_STRING, version->c_str(), nullptr));
  return g_strdup(version->c_str());
}

// Downloads one file, posting progress at most every 5% (and at the end).
bool download(GstIpcamSrc *self, const Connection &c, const std::string &camera_path, uint64_t size,
              const char *folder, std::string &local, GError **error) {
  ipcam::DownloadOptions opt;
  opt.host = c.address;
  opt.port = uint16_t(c.http_port);
  opt.interface = c.interface;
  opt.timeout_ms = std::max(c.timeout_ms, 10000u);
  opt.expected_size = size;
  uint64_t next_report = 0;
  auto progress = [self, &camera_path, &next_report](uint64_t done, uint64_t total) {
    if (done < next_report && done != total) return;
    next_report = done + std::max<uint64_t>(total / 20, 64 * 1024);
    gst_ipcam_src_post(self, gst_structure_new("ipcam-download-progress", "path", G_TYPE_STRING,
                                               camera_path.c_str(), "done", G_TYPE_UINT64, done, "total",
                                               G_TYPE_UINT64, total, nullptr));
  };
  // Stopping the element aborts the download.
  GCancellable *cancel;
  {
    Locker l(self->state->lock);
    cancel = G_CANCELLABLE(g_object_ref(self->state->downloads));
  }
  auto saved = ipcam::download_file(opt, camera_path, folder ? folder : ".", progress, cancel, error);
  g_object_unref(cancel);
  if (saved) local = *saved;
  return bool(saved);
}

char *download_file(GstIpcamSrc *self, const char *camera_path, const char *folder, gpointer) {
  Connection c;
  g_autoptr(GError) error = nullptr;
  std::string local;
  std::optional<std::vector<ipcam::FileEntry>> files;
  if (!camera_path || !*camera_path) {
    g_set_error_literal(&error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT, "no camera path given");
  } else if (get_connection(self, c, &error) && (files = c.session->file_list(&error))) {
    // The listed size is the download's cap: a camera that sends more, or
    // announces more, is cut off (see ipcam::download_file).
    auto it = std::find_if(files->begin(), files->end(), [&](const ipcam::FileEntry &f) { return f.path == camera_path; });
    if (it == files->end()) {
      g_set_error(&error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT, "\"%s\" is not in the camera's file list",
                  ipcam::escape_control(camera_path).c_str());
    } else {
      download(self, c, camera_path, it->size, folder, local, &error);
    }
  }
  if (error) {
    post_failure(self, "ipcam-download", error);
    return nullptr;
  }
  gst_ipcam_src_post(self, gst_structure_new("ipcam-download", "success", G_TYPE_BOOLEAN, TRUE, "path",
                                             G_TYPE_STRING, camera_path, "location", G_TYPE_STRING,
                                             local.c_str(), nullptr));
  return g_strdup(local.c_str());
}

// Takes a still, finds the picture that appeared in the file list, fetches it.
char *take_still_fetch(GstIpcamSrc *self, const char *folder, gpointer) {
  Connection c;
  g_autoptr(GError) error = nullptr;
  std::string local;
  std::optional<ipcam::FileEntry> picture;
  if (get_connection(self, c, &error) && (picture = ipcam::take_still_picture(*c.session, &error)))
    download(self, c, picture->path, picture->size, folder, local, &error);
  if (error) {
    post_failure(self, "ipcam-still", error);
    return nullptr;
  }
  gst_ipcam_src_post(self, gst_structure_new("ipcam-still", "success", G_TYPE_BOOLEAN, TRUE, "path", G_TYPE_STRING,
                                             picture->path.c_str(), "location", G_TYPE_STRING, local.c_str(),
                                             nullptr));
  return g_strdup(local.c_str());
}

// Returns the replies as they were on the wire: each one an 8-byte header
// (AB CD, length, type) and its payload, back to back.
GBytes *raw_command(GstIpcamSrc *self, guint type, GBytes *payload, gpointer) {
  Connection c;
  g_autoptr(GError) error = nullptr;
  std::optional<std::vector<ipcam::RawReply>> answer;
  gsize size = 0;
  const auto *data = payload ? static_cast<const uint8_t *>(g_bytes_get_data(payload, &size)) : nullptr;
  if (!get_connection(self, c, &error) ||
      !(answer = c.session->raw(type, ipcam::ByteView(data, size), c.timeout_ms, &error))) {
    post_failure(self, "ipcam-raw-reply", error);
    return nullptr;
  }
  const std::vector<ipcam::RawReply> &replies = *answer;
  ipcam::Bytes wire;
  GValue list = G_VALUE_INIT;
  gst_value_array_init(&list, replies.size());
  for (const auto &r : replies) {
    ipcam::encode_control(r.type, r.payload, wire);
    GValue v = G_VALUE_INIT;
    g_value_init(&v, GST_TYPE_STRUCTURE);
    g_autoptr(GBytes) b = g_bytes_new(r.payload.data(), r.payload.size());
    g_value_take_boxed(&v, gst_structure_new("reply", "type", G_TYPE_UINT, r.type, "payload", G_TYPE_BYTES, b,
                                             nullptr));
    gst_value_array_append_and_take_value(&list, &v);
  }
  GstStructure *s = gst_structure_new("ipcam-raw-reply", "success", G_TYPE_BOOLEAN, TRUE, "type", G_TYPE_UINT, type,
                                      "count", G_TYPE_UINT, guint(replies.size()), nullptr);
  gst_structure_take_value(s, "replies", &list);
  gst_ipcam_src_post(self, s);
  return g_bytes_new(wire.data(), wire.size());
}

}  // namespace

void gst_ipcam_src_install_signals(GstIpcamSrcClass *klass) {
  const GType t = G_TYPE_FROM_CLASS(klass);
  const auto flags = GSignalFlags(G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION);
  /**
   * GstIpcamSrc::take-still:
   * Takes a still picture on the camera's card. Returns %TRUE on success.
   */
  g_signal_new_class_handler("take-still", t, flags, G_CALLBACK(take_still), nullptr, nullptr, nullptr,
                             G_TYPE_BOOLEAN, 0);
  /**
   * GstIpcamSrc::take-still-fetch:
   * @folder: local folder to store the picture in
   * Takes a still and downloads the new picture. Returns its local path.
   */
  g_signal_new_class_handler("take-still-fetch", t, flags, G_CALLBACK(take_still_fetch), nullptr, nullptr, nullptr,
                             G_TYPE_STRING, 1, G_TYPE_STRING);
  g_signal_new_class_handler("start-recording", t, flags, G_CALLBACK(start_recording), nullptr, nullptr, nullptr,
                             G_TYPE_BOOLEAN, 0);
  g_signal_new_class_handler("stop-recording", t, flags, G_CALLBACK(stop_recording), nullptr, nullptr, nullptr,
                             G_TYPE_BOOLEAN, 0);
  /**
   * GstIpcamSrc::list-files:
   * Returns the camera's files as strings "PATH<TAB>SIZE", or %NULL on error.
   */
  g_signal_new_class_handler("list-files", t, flags, G_CALLBACK(list_files), nullptr, nullptr, nullptr, G_TYPE_STRV,
                             0);
  g_signal_new_class_handler("get-firmware", t, flags, G_CALLBACK(get_firmware), nullptr, nullptr, nullptr,
                             G_TYPE_STRING, 0);
  /**
   * GstIpcamSrc::download-file:
   * @path: the file's path on the camera, as list-files gives it
   * @folder: local folder
   * Downloads over HTTP, posting ipcam-download-progress messages. The file
   * must be in the camera's file list: its listed size caps the download.
   * Setting the element to NULL aborts it. Returns the local path, or %NULL
   * on error.
   */
  g_signal_new_class_handler("download-file", t, flags, G_CALLBACK(download_file), nullptr, nullptr, nullptr,
                             G_TYPE_STRING, 2, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstIpcamSrc::raw-command:
   * @type: message type
   * @payload: message payload (may be %NULL)
   * Sends one control message and returns every reply that arrives within
   * timeout, as wire bytes (8-byte header + payload each), or %NULL on error.
   */
  g_signal_new_class_handler("raw-command", t, flags, G_CALLBACK(raw_command), nullptr, nullptr, nullptr,
                             G_TYPE_BYTES, 2, G_TYPE_UINT, G_TYPE_BYTES);
  gst_ipcam_src_install_phone_signals(klass);
}
