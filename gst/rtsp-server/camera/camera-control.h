// CameraControl: the control API's camera requests (still, recording,
// files, settings, card, clock).
//
// The camera takes one control client. While a stream runs, requests go
// through that stream's ipcamsrc (its action signals); otherwise through a
// control session of the server's own. Requests are served one at a time,
// in the order they came, and share that session: it is opened by the
// first, kept while others wait, and closed when the last is done, so that
// simultaneous requests never log in over each other (a camera refuses a
// second client). After each login the server's own session gets the
// camera's apply-settings and the host's clock (login-settings.h).
// Downloads use the camera's HTTP server, which has no such limit.
// Blocking: call from a worker thread.
#pragma once

#include "camera/camera-requests.h"
#include "camera/login-settings.h"
#include "media/camera-hub.h"

#include "ipcam/camera-login.h"
#include "ipcam/endpoint.h"
#include "ipcam/filelist.h"

#include <gio/gio.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ipcam::server {

// A camera's settings as read from its configuration block.
struct SettingsSnapshot {
  ipcam::ConfigBlock block;
  std::vector<std::pair<std::string, int32_t>> values;  // readable ones, table order
};

class CameraControl {
 public:
  // `endpoint` with the camera's address (empty: not known yet); at most
  // `max_files` entries of its file list are taken.
  CameraControl(ipcam::CameraEndpoint endpoint, size_t max_files, std::shared_ptr<CameraHub> hub,
                LoginSettings login);
  ~CameraControl();
  CameraControl(const CameraControl &) = delete;
  CameraControl &operator=(const CameraControl &) = delete;

  // The server is stopping: what waits on the camera (connect, login, a
  // request, a download) ends at once with IPCAM_ERROR_CANCELLED or
  // _NOT_CONNECTED, and every later request fails the same way.
  void shut_down();
  // A viewer's stream is about to log in (any thread, never blocks): the
  // server's own session, if one is open, is closed now, and for a moment
  // no new one is opened, so that the stream's login does not find the
  // camera busy. A request that was using it goes on through the stream.
  void let_go();

  // Takes a still. With `fetch`, downloads the new picture into `folder`:
  // `camera_path` is where it lies on the card, `local_path` the copy.
  bool take_still(bool fetch, const std::string &folder, std::string &camera_path, std::string &local_path,
                  GError **error);
  bool set_recording(bool start, GError **error);
  bool list_files(std::vector<ipcam::FileEntry> &files, GError **error);
  // Each file's date from the camera's HTTP server (file-dates.h).
  std::vector<gint64> file_dates(const std::vector<ipcam::FileEntry> &files);
  // Downloads a file named in the file list into `folder`
  // (G_IO_ERROR_NOT_FOUND if the list does not name it). `client_gone`, if
  // given, is asked as the bytes come: true ends the transfer.
  bool download(const std::string &camera_path, const std::string &folder, std::string &local_path,
                GError **error, const std::function<bool()> &client_gone = {});

  bool settings(SettingsSnapshot &out, GError **error);
  // Each (name, index) in order; stops at the first request that fails.
  bool set_settings(const std::vector<std::pair<std::string, int32_t>> &values,
                    std::vector<ipcam::SetResult> &results, GError **error);
  bool storage(ipcam::StorageInfo &out, GError **error);
  // `camera_path` as the file list gives it (G_IO_ERROR_NOT_FOUND if it does not).
  bool delete_file(const std::string &camera_path, GError **error);
  bool format_storage(GError **error);
  // `time`: a date-time (any zone) or null for the host's now.
  bool set_clock(GDateTime *time, GError **error);

  const std::string &address() const { return endpoint_.address; }

 private:
  bool with_camera(const std::function<bool(CameraRequests &, GError **)> &fn, GError **error);
  bool open_session(GError **error);  // the turn's
  void close_session();               // the turn's
  bool stream_taking_over();          // let_go() just now, or the stream runs
  bool fetch(const ipcam::FileEntry &file, const std::string &folder, std::string &local_path, GError **error,
             const std::function<bool()> &client_gone = {});

  const ipcam::CameraEndpoint endpoint_;
  const size_t max_files_;
  std::shared_ptr<CameraHub> hub_;
  const LoginSettings login_;
  GCancellable *cancel_;  // shut_down()

  // The requests' queue: each takes a number and waits for its turn.
  std::mutex serial_;
  std::condition_variable turn_;
  uint64_t next_number_ = 0, serving_ = 0;
  // The server's own session, while requests come: used by the request
  // whose turn it is; session_lock_ guards the pointers (let_go() closes it).
  std::mutex session_lock_;
  std::unique_ptr<ipcam::ControlSession> session_;
  std::unique_ptr<ipcam::CloseOnCancel> closer_;
  gint64 closed_at_us_ = 0;  // when it was last closed (the turn's)
  std::atomic<gint64> stream_starting_us_{0};  // let_go()
};

}  // namespace ipcam::server
