// Snapshot: GET .../frame.jpeg, the newest picture of a camera as JPEG.
//
// The first request opens a PictureDecoder on the camera hub (from the
// hub's cached group of pictures, so a streaming camera answers at once);
// it keeps decoding while snapshots are asked, and closes 10 s after the
// last one. Each request encodes the newest picture then: ten requests a
// second cost ten encodes beside the one decode, never an encode per
// frame. With nobody watching, a request starts the camera through the
// hub like a viewer, answers at its first keyframe, and lets it go (the
// hub's --linger then applies). A request blocks: it runs on a worker.
#pragma once

#include "media/camera-hub.h"
#include "snapshot/jpeg-picture.h"
#include "snapshot/picture-decoder.h"

#include <glib.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace ipcam::server {

class Snapshot {
 public:
  // How long the decoder stays open after the last request.
  static constexpr gint64 kIdleUs = 10 * G_USEC_PER_SEC;

  // `timeout_ms`: the camera's, how long a request waits for a picture.
  Snapshot(std::shared_ptr<CameraHub> hub, int timeout_ms, GMainContext *main_context);
  ~Snapshot();
  Snapshot(const Snapshot &) = delete;
  Snapshot &operator=(const Snapshot &) = delete;

  // Worker thread: the newest picture as JPEG, `width` pixels wide (0: the
  // camera's). nullptr with the HTTP status and the reason when there is
  // none (503: the camera could not be used, sent nothing in time, or the
  // server is stopping).
  GBytes *take(int width, guint &status, std::string &error);
  // Main thread, at a stop: waiting requests answer now, later ones at once.
  void stop();
  // Snapshots answered with a picture.
  uint64_t served() const { return served_; }

 private:
  std::shared_ptr<PictureDecoder> decoder(std::string &error);
  static gboolean on_idle_check(gpointer self);

  std::shared_ptr<CameraHub> hub_;
  const int timeout_ms_;
  GMainContext *main_context_;
  std::mutex lock_;
  std::shared_ptr<PictureDecoder> decoder_;  // while snapshots are asked
  gint64 last_request_us_ = 0;
  GSource *idle_check_ = nullptr;  // while decoder_ is open
  bool stopping_ = false;
  std::atomic<uint64_t> served_{0};
  JpegEncoder encoder_;
};

}  // namespace ipcam::server
