// CameraControl: camera requests through the running stream's ipcamsrc, or
// through a control session of the server's own, shared by the requests
// that come while it is open.
#include "camera/camera-control.h"

#include "camera/file-dates.h"

#include "ipcam/camera-login.h"
#include "ipcam/download.h"
#include "ipcam/error.h"
#include "ipcam/still.h"
#include "ipcam/text.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace ipcam::server {

namespace {

// A camera may still count a client that has just closed its connection:
// a login refused this soon after our own close is tried again, for this long.
constexpr gint64 kRecloseWindowUs = 2 * G_USEC_PER_SEC;
constexpr gulong kRetryWaitUs = 50 * 1000;
// After let_go(), how long requests wait for the stream rather than log in.
constexpr gint64 kStreamStartUs = 2 * G_USEC_PER_SEC;

}  // namespace

CameraControl::CameraControl(ipcam::CameraEndpoint endpoint, size_t max_files, std::shared_ptr<CameraHub> hub,
                             LoginSettings login)
    : endpoint_(std::move(endpoint)),
      max_files_(max_files),
      hub_(std::move(hub)),
      login_(std::move(login)),
      cancel_(g_cancellable_new()) {}

CameraControl::~CameraControl() {
  close_session();
  g_object_unref(cancel_);
}

void CameraControl::shut_down() { g_cancellable_cancel(cancel_); }

bool CameraControl::stream_taking_over() {
  if (g_get_monotonic_time() - stream_starting_us_ < kStreamStartUs) return true;
  GstElement *src = hub_->running_source();
  if (src) gst_object_unref(src);
  return src != nullptr;
}

void CameraControl::let_go() {
  stream_starting_us_ = g_get_monotonic_time();
  std::lock_guard<std::mutex> l(session_lock_);
  if (session_) session_->close();  // the request using it sees NOT_CONNECTED and goes on through the stream
}

bool CameraControl::open_session(GError **error) {
  if (endpoint_.address.empty()) {
    g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_NO_CAMERA,
                        "the camera's address is not known yet (no camera answered discovery); start the "
                        "server with --camera ADDRESS");
    return false;
  }
  ipcam::SessionConfig config = ipcam::session_config(endpoint_);
  config.max_files = max_files_;
  for (;;) {
    auto session = std::make_unique<ipcam::ControlSession>(config);
    // A request waiting on a silent camera ends when the server stops.
    auto closer = std::make_unique<ipcam::CloseOnCancel>();
    g_autoptr(GError) e = nullptr;
    if (ipcam::log_in(*session, cancel_, *closer, &e)) {
      login_.after_login(*session);
      std::lock_guard<std::mutex> l(session_lock_);
      if (stream_taking_over()) {  // let_go() came during the login
        g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED, "a viewer's stream took the camera");
        return false;  // closed as it goes
      }
      session_ = std::move(session);
      closer_ = std::move(closer);
      return true;
    }
    const bool refused = g_error_matches(e, IPCAM_ERROR, IPCAM_ERROR_BUSY) ||
                         g_error_matches(e, IPCAM_ERROR, IPCAM_ERROR_LOGIN_REFUSED);
    const bool just_closed = closed_at_us_ && g_get_monotonic_time() - closed_at_us_ < kRecloseWindowUs;
    if (!refused || !just_closed || g_cancellable_is_cancelled(cancel_)) {
      g_propagate_error(error, g_steal_pointer(&e));
      return false;
    }
    g_usleep(kRetryWaitUs);
  }
}

void CameraControl::close_session() {
  std::unique_ptr<ipcam::ControlSession> session;
  std::unique_ptr<ipcam::CloseOnCancel> closer;
  {
    std::lock_guard<std::mutex> l(session_lock_);
    session = std::move(session_);
    closer = std::move(closer_);
  }
  if (!session) return;
  closer.reset();
  session->close();
  closed_at_us_ = g_get_monotonic_time();
}

bool CameraControl::with_camera(const std::function<bool(CameraRequests &, GError **)> &fn, GError **error) {
  uint64_t mine;
  {
    std::unique_lock<std::mutex> l(serial_);
    mine = next_number_++;
    turn_.wait(l, [&] { return serving_ == mine; });
  }
  // Our turn: nobody else touches the session until serving_ moves on.
  bool ok = false;
  // A stream that is starting has no camera session yet: its ipcamsrc
  // refuses at once (nothing sent) until it has logged in.
  const gint64 deadline = g_get_monotonic_time() + gint64(endpoint_.timeout_ms) * 1000;
  for (;;) {
    if (g_cancellable_is_cancelled(cancel_)) {
      g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_CANCELLED, "the server is stopping");
    } else if (GstElement *src = hub_->running_source()) {
      close_session();  // the stream holds the camera's one login now
      SourceRequests r(src, max_files_);
      g_autoptr(GError) e = nullptr;
      ok = fn(r, &e);
      if (!ok && g_error_matches(e, IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED) && g_get_monotonic_time() < deadline) {
        g_usleep(kRetryWaitUs);
        continue;
      }
      if (e) g_propagate_error(error, g_steal_pointer(&e));
    } else if (g_get_monotonic_time() - stream_starting_us_ < kStreamStartUs) {
      g_usleep(kRetryWaitUs);  // a stream is about to take the camera: its source shows up soon
      continue;
    } else {
      g_autoptr(GError) e = nullptr;
      if ((session_ && session_->connected()) || (close_session(), open_session(&e))) {
        SessionRequests r(*session_);
        ok = fn(r, &e);
      }
      // let_go() closed it under this request: the stream goes on with it.
      if (!ok && g_error_matches(e, IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED) && stream_taking_over() &&
          g_get_monotonic_time() < deadline) {
        close_session();
        continue;
      }
      if (e) g_propagate_error(error, g_steal_pointer(&e));
    }
    break;
  }
  std::lock_guard<std::mutex> l(serial_);
  // The last of a burst lets go of the camera (a viewer may want it next).
  if (next_number_ == mine + 1 || !ok) close_session();
  serving_++;
  turn_.notify_all();
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
      [&](CameraRequests &r, GError **e) {
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
  return with_camera([start](CameraRequests &r, GError **e) { return r.set_recording(start, e); }, error);
}

bool CameraControl::list_files(std::vector<ipcam::FileEntry> &files, GError **error) {
  return with_camera(
      [&files](CameraRequests &r, GError **e) {
        auto list = r.list_files(e);
        if (list) files = std::move(*list);
        return list.has_value();
      },
      error);
}

std::vector<gint64> CameraControl::file_dates(const std::vector<ipcam::FileEntry> &files) {
  constexpr size_t kMaxDated = 1000;  // one HEAD request each
  return ipcam::server::file_dates(endpoint_, files, kMaxDated, cancel_);
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

bool CameraControl::settings(SettingsSnapshot &out, GError **error) {
  return with_camera(
      [&out](CameraRequests &r, GError **e) {
        auto block = r.configuration(e);
        if (!block) return false;
        out.block = std::move(*block);
        out.values = ipcam::setting_values(out.block);
        return true;
      },
      error);
}

bool CameraControl::set_settings(const std::vector<std::pair<std::string, int32_t>> &values,
                                 std::vector<ipcam::SetResult> &results, GError **error) {
  return with_camera(
      [&](CameraRequests &r, GError **e) {
        for (const auto &[name, index] : values) {
          auto one = r.set_setting(name, index, e);
          if (!one) return false;
          results.push_back(std::move(*one));
        }
        return true;
      },
      error);
}

bool CameraControl::storage(ipcam::StorageInfo &out, GError **error) {
  return with_camera(
      [&out](CameraRequests &r, GError **e) {
        auto info = r.storage(e);
        if (info) out = *info;
        return info.has_value();
      },
      error);
}

bool CameraControl::delete_file(const std::string &camera_path, GError **error) {
  return with_camera(
      [&camera_path](CameraRequests &r, GError **e) {
        // Only what the camera lists: the path goes to it as it is.
        auto files = r.list_files(e);
        if (!files) return false;
        if (std::none_of(files->begin(), files->end(), [&](const auto &f) { return f.path == camera_path; })) {
          g_set_error(e, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the camera has no file %s (see GET /files)",
                      ipcam::escape_control(camera_path).c_str());
          return false;
        }
        return r.delete_file(camera_path, e);
      },
      error);
}

bool CameraControl::format_storage(GError **error) {
  return with_camera([](CameraRequests &r, GError **e) { return r.format_storage(e); }, error);
}

bool CameraControl::set_clock(GDateTime *time, GError **error) {
  return with_camera([time](CameraRequests &r, GError **e) { return r.set_clock(time, e); }, error);
}

}  // namespace ipcam::server
