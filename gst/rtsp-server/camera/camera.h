// Camera: one served camera, whole.
//
// It owns the camera's hub (its one ipcamsrc, shared by every viewer),
// its RTSP mount, its WHEP endpoint, its publications (--publish) and its
// control (still, recording, files, downloads), and gives one
// CameraStatus that the HTTP side reads. A new feature of a camera (a
// recorder, snapshots, ONVIF) is one more member here, and its endpoints
// one more line in the route table (http/routes.cpp).
#pragma once

#include "archive/archive.h"
#include "camera/camera-check.h"
#include "camera/camera-control.h"
#include "camera/camera-status.h"
#include "config/server-options.h"
#include "media/camera-hub.h"
#include "media/publisher.h"
#include "onvif/onvif-profile.h"
#include "rtsp/rtsp-mount.h"
#include "rtsp/rtsp-port.h"
#include "snapshot/snapshot.h"
#include "webrtc/whep-endpoint.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ipcam::server {

class Camera {
 public:
  // `found`: what the start check learnt (its address, if discovered).
  // With `count_all_clients`, the status's clients are every RTSP
  // connection (one camera served), else those holding this mount.
  Camera(const CameraOptions &options, const ServerOptions &server, const CheckedCamera &found, RtspPort &rtsp,
         bool count_all_clients);
  ~Camera();
  Camera(const Camera &) = delete;
  Camera &operator=(const Camera &) = delete;

  const std::string &name() const { return options_.name; }
  const std::string &rtsp_url() const { return rtsp_url_; }
  WhepEndpoint &whep() { return *whep_; }
  // Its ONVIF profile; nullptr without --onvif.
  OnvifProfile *onvif() { return onvif_.get(); }
  Archive *archive() { return archive_.get(); }  // null without --archive
  // Main thread.
  CameraStatus status();

  // The control API's requests: blocking, on a worker thread (camera-control.h).
  CameraControl &control() { return *control_; }
  // GET .../frame.jpeg: blocking, on a worker thread (snapshot.h).
  Snapshot &snapshot() { return *snapshot_; }
  bool set_recording(bool start, GError **error);

  // Main thread: the publications start, once the server serves.
  void start();
  // Main thread, at a stop, for every camera before stop_serving(): what
  // takes a moment to end (the archive's last segment) begins to.
  void begin_stop();
  // Main thread, at a stop: publications, requests and browser viewers end.
  void stop_serving();
  // Main thread: closes this mount's clients and releases the camera;
  // released() turns true once the camera pipeline is gone.
  void release();
  bool released() { return !hub_->running(); }

 private:
  static gboolean on_tick(gpointer self);

  const CameraOptions options_;  // with the address found at start
  const CheckedCamera found_;
  const bool count_all_clients_;
  std::string rtsp_url_;
  std::shared_ptr<CameraHub> hub_;
  std::unique_ptr<RtspMount> mount_;
  std::unique_ptr<WhepEndpoint> whep_;
  std::unique_ptr<CameraControl> control_;
  std::unique_ptr<Snapshot> snapshot_;
  std::unique_ptr<OnvifProfile> onvif_;
  std::vector<std::unique_ptr<Publisher>> publishers_;
  std::unique_ptr<Archive> archive_;  // --archive: MP4 segments on disk
  guint tick_ = 0;
  std::atomic<bool> recording_{false};
  std::atomic<gint64> recording_since_us_{0};
  // The serial, asked of the camera in the background when the start
  // check did not learn it (a camera given by its address).
  std::thread serial_asker_;
  GCancellable *serial_cancel_;
  std::mutex serial_lock_;
  std::string serial_;
};

}  // namespace ipcam::server
