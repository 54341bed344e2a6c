// CameraControl: still, recording and files for the control API.
//
// The camera takes one control client. While a stream runs, requests go
// through that stream's ipcamsrc (its action signals); otherwise through a
// short ControlSession of their own. Downloads use the camera's HTTP server,
// which has no such limit. Blocking: call from a worker thread. Requests
// are served one at a time.
#pragma once

#include "camera-stream.h"
#include "server-options.h"

#include "ipcam/filelist.h"

#include <gio/gio.h>

#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace ipcam_rtsp {

class CameraControl {
 public:
  CameraControl(const ServerOptions &options, std::string address, CameraStream &stream);
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

  const std::string &address() const { return address_; }

 private:
  struct Requests;
  class SourceRequests;
  class SessionRequests;
  bool with_camera(const std::function<bool(Requests &, GError **)> &fn, GError **error);
  bool fetch(const ipcam::FileEntry &file, const std::string &folder, std::string &local_path, GError **error,
             const std::function<bool()> &client_gone = {});

  const ServerOptions &options_;
  std::string address_;
  CameraStream &stream_;
  std::mutex serial_;  // one request at a time
  GCancellable *cancel_;  // shut_down()
};

}  // namespace ipcam_rtsp
