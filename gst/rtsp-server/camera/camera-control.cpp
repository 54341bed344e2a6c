// CameraControl: camera requests through the running stream's ipcamsrc, or
// through a short control session of their own when no stream runs.
#include "camera/camera-control.h"

#include "ipcam/camera-login.h"
#include "ipcam/error.h"
#include "ipcam/download.h"
#include "ipcam/session.h"
#include "ipcam/still.h"
#include "ipcam/text.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>
#include <utility>

namespace ipcam::server {

// The requests the control API needs, whichever way they reach the camera.
struct CameraControl::Requests {
  virtual ~Requests() = default;
  virtual bool take_still(GError **error) = 0;
  virtual bool set_recording(bool start, GError **error) = 0;
  virtual std::optional<std::vector<ipcam::FileEntry>> list_files(GError **error) = 0;
};

namespace {

// ipcamsrc's action signals answer FALSE/NULL on failure; its last-error
// says why, with the GError's domain and code, which the API maps to a
// status (a timeout is not a busy camera). Requests are serialized, so the
// last error is this request's.
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

}  // namespace

class CameraControl::SourceRequests : public CameraControl::Requests {
 public:
  SourceRequests(GstElement *src, size_t max_files) : src_(src), max_files_(max_files) {}
  ~SourceRequests() override { gst_object_unref(src_); }

  bool take_still(GError **error) override {
    gboolean ok = FALSE;
    g_signal_emit_by_name(src_, "take-still", &ok);
    return ok || signal_failed(src_, "take the still", error);
  }
  bool set_recording(bool start, GError **error) override {
    gboolean ok = FALSE;
    g_signal_emit_by_name(src_, start ? "start-recording" : "stop-recording", &ok);
    return ok || signal_failed(src_, start ? "start recording" : "stop recording", error);
  }
  std::optional<std::vector<ipcam::FileEntry>> list_files(GError **error) override {
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

 private:
  GstElement *src_;
  size_t max_files_;
};

class CameraControl::SessionRequests : public CameraControl::Requests {
 public:
  explicit SessionRequests(ipcam::ControlSession &s) : s_(s) {}
  bool take_still(GError **error) override { return s_.take_still(error); }
  bool set_recording(bool start, GError **error) override { return s_.set_recording(start, error); }
  std::optional<std::vector<ipcam::FileEntry>> list_files(GError **error) override { return s_.file_list(error); }

 private:
  ipcam::ControlSession &s_;
};

CameraControl::CameraControl(ipcam::CameraEndpoint endpoint, size_t max_files, std::shared_ptr<CameraHub> hub)
    : endpoint_(std::move(endpoint)), max_files_(max_files), hub_(std::move(hub)), cancel_(g_cancellable_new()) {}

CameraControl::~CameraControl() { g_object_unref(cancel_); }

void CameraControl::shut_down() { g_cancellable_cancel(cancel_); }

bool CameraControl::with_camera(const std::function<bool(Requests &, GError **)> &fn, GError **error) {
  std::lock_guard<std::mutex> l(serial_);
  if (GstElement *src = hub_->running_source()) {
    SourceRequests r(src, max_files_);
    return fn(r, error);
  }
  if (endpoint_.address.empty()) {
    g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_NO_CAMERA,
                        "the camera's address is not known yet (no camera answered discovery); start the "
                        "server with --camera ADDRESS");
    return false;
  }
  ipcam::SessionConfig config = ipcam::session_config(endpoint_);
  config.max_files = max_files_;
  ipcam::ControlSession session(config);
  // A request waiting on a silent camera ends when the server stops.
  ipcam::CloseOnCancel closer;
  if (!ipcam::log_in(session, cancel_, closer, error)) return false;
  SessionRequests r(session);
  const bool ok = fn(r, error);
  session.close();
  return ok;
}

bool CameraControl::fetch(const ipcam::FileEntry &file, const std::string &folder, std::string &local_path,
                          GError **error, const std::function<bool()> &client_gone) {
  if (endpoint_.address.empty()) {
    g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_NO_CAMERA, "the camera's address is not known yet");
    return false;
  }
  ipcam::DownloadOptions opt;
  opt.host = endpoint_.address;
  opt.port = endpoint_.http_port;
  opt.interface = endpoint_.interface;
  opt.timeout_ms = std::max(endpoint_.timeout_ms, 10000u);
  opt.expected_size = file.size;
  // Ends when the server stops or, if asked, when the client goes.
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  const gulong on_stop = g_cancellable_connect(
      cancel_, G_CALLBACK(+[](GCancellable *, gpointer c) { g_cancellable_cancel(G_CANCELLABLE(c)); }), cancel,
      nullptr);
  ipcam::ProgressCallback progress;
  if (client_gone)
    progress = [&](uint64_t, uint64_t) {
      if (client_gone()) g_cancellable_cancel(cancel);
    };
  auto local = ipcam::download_file(opt, file.path, folder, progress, cancel, error);
  g_cancellable_disconnect(cancel_, on_stop);
  if (local) local_path = *local;
  return bool(local);
}

bool CameraControl::take_still(bool fetch_it, const std::string &folder, std::string &camera_path,
                               std::string &local_path, GError **error) {
  std::optional<ipcam::FileEntry> picture;
  const bool ok = with_camera(
      [&](Requests &r, GError **e) {
        if (!fetch_it) return r.take_still(e);
        picture = ipcam::take_still_picture([&r](GError **le) { return r.list_files(le); },
                                            [&r](GError **se) { return r.take_still(se); }, e);
        return picture.has_value();
      },
      error);
  if (!ok || !fetch_it) return ok;
  camera_path = picture->path;
  return fetch(*picture, folder, local_path, error);
}

bool CameraControl::set_recording(bool start, GError **error) {
  return with_camera([start](Requests &r, GError **e) { return r.set_recording(start, e); }, error);
}

bool CameraControl::list_files(std::vector<ipcam::FileEntry> &files, GError **error) {
  return with_camera(
      [&files](Requests &r, GError **e) {
        auto list = r.list_files(e);
        if (list) files = std::move(*list);
        return list.has_value();
      },
      error);
}

bool CameraControl::download(const std::string &camera_path, const std::string &folder, std::string &local_path,
                             GError **error, const std::function<bool()> &client_gone) {
  if (!ipcam::safe_local_name(camera_path, error)) return false;
  std::vector<ipcam::FileEntry> files;
  if (!list_files(files, error)) return false;
  auto it = std::find_if(files.begin(), files.end(), [&](const auto &f) { return f.path == camera_path; });
  if (it == files.end()) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the camera has no file %s (see GET /files)",
                ipcam::escape_control(camera_path).c_str());
    return false;
  }
  return fetch(*it, folder, local_path, error, client_gone);
}

}  // namespace ipcam::server
