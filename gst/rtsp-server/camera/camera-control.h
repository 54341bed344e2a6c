// CameraControl: still, recording and files for the control API.
//
// The camera takes one control client. While a stream runs, requests go
// through that stream's ipcamsrc (its action signals); otherwise through a
// short ControlSession of their own. Downloads use the camera's HTTP server,
// which has no such limit. Blocking: call from a worker thread. Requests
// are served one at a time.
#pragma once

#include "media/camera-hub.h"

#include "ipcam/endpoint.h"
#include "ipcam/filelist.h"

#include <gio/gio.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ipcam::server {

class CameraControl {
 public:
  // `endpoint` with the camera's address (empty: not known yet); at most
  // `max_files` entries of its file list are taken.
  CameraControl(ipcam::CameraEndpoint endpoint, size_t max_files, std::shared_ptr<CameraHub> hub);
  ~CameraControl();
  CameraControl(const CameraControl &) = delete;
  CameraControl &operator=(const CameraControl &) = delete;

  // The server is stopping: what waits on the camera (connect, login, a
  // request, a download) ends at once with IPCAM_ERROR_CANCELLED or
  // _NOT_CONNECTED, and every later request fails the same way.
  void shut_down();

  // Takes a still. With `fetch`, downloads the new picture into `folder`:
  // `camera_path` is where it lies on the card, `local_path` the copy.
  bool take_still(bool fetch, const std::string &folder, std::string &camera_path, std::string &local_path,
                  GError **error);
  bool set_recording(bool start, GError **error);
  bool list_files(std::vector<ipcam::FileEntry> &files, GError **error);
  // Downloads a file named in the file list into `folder`
  // (G_IO_ERROR_NOT_FOUND if the list does not name it). `client_gone`, if
  // given, is asked as the bytes come: true ends the transfer.
  bool download(const std::string &camera_path, const std::string &folder, std::string &local_path,
                GError **error, const std::function<bool()> &client_gone = {});

  const std::string &address() const { return endpoint_.address; }

 private:
  struct Requests;
  class SourceRequests;
  class SessionRequests;
  bool with_camera(const std::function<bool(Requests &, GError **)> &fn, GError **error);
  bool fetch(const ipcam::FileEntry &file, const std::string &folder, std::string &local_path, GError **error,
             const std::function<bool()> &client_gone = {});

  const ipcam::CameraEndpoint endpoint_;
  const size_t max_files_;
  std::shared_ptr<CameraHub> hub_;
  std::mutex serial_;  // one request at a time
  GCancellable *cancel_;  // shut_down()
};

}  // namespace ipcam::server
