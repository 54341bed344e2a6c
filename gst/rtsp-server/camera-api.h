// CameraApi: one camera's control API endpoints (status, still, recording,
// files, download) and its WHEP endpoint, served by ControlApi under
// /api/cameras/NAME/ (and under /api/ for the default camera).
#pragma once

#include "api-reply.h"
#include "camera-control.h"
#include "camera-stream.h"
#include "server-options.h"
#include "webrtc-whep.h"

#include <libsoup/soup.h>

#include <atomic>
#include <memory>
#include <string>

namespace ipcam_rtsp {

class CameraApi {
 public:
  // `options` are the camera's (ServerOptions::for_camera()). With
  // `count_all_clients`, the status's clients are every RTSP connection
  // (one camera: as before several), else those holding this mount.
  CameraApi(const ServerOptions &options, std::string name, CameraControl &control, CameraStream &stream,
            std::string rtsp_url, std::string firmware, std::string serial, Workers &workers,
            bool count_all_clients);
  CameraApi(const CameraApi &) = delete;
  CameraApi &operator=(const CameraApi &) = delete;

  // Main context. `path` is below the camera's API ("/status", "/files"...):
  // false if no such endpoint (nothing answered).
  bool handle(SoupServerMessage *msg, const std::string &path, GHashTable *query);
  // The status document (GET /api/status).
  void status(Reply &r);
  // One entry of GET /api/cameras.
  void summary(JsonBuilder *b);

  void set_base_url(const std::string &url) { base_url_ = url; }
  std::string whep_url() const { return base_url_ + whep_->path().substr(1); }
  WhepEndpoint &whep() { return *whep_; }
  const std::string &name() const { return name_; }
  const std::string &rtsp_url() const { return rtsp_url_; }

 private:
  const ServerOptions &options_;
  std::string name_;
  CameraControl &control_;
  CameraStream &stream_;
  std::string rtsp_url_;
  std::string firmware_;
  std::string serial_;
  Workers &workers_;
  bool count_all_clients_;
  std::string base_url_;  // the control API's, ending in '/'
  std::unique_ptr<WhepEndpoint> whep_;
  std::atomic<bool> recording_{false};
  std::atomic<gint64> recording_since_us_{0};
};

}  // namespace ipcam_rtsp
