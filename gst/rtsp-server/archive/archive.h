// Archive: the server's own continuous recording of one camera, into MP4
// segments under DIR/NAME/ (docs/archive.md). "Record" is the camera's
// own recording to its card; this is the archive.
//
// It is a consumer of the camera's hub like a viewer, attached while the
// server serves, so the camera stays connected. Each run of the camera's
// frames is one SegmentWriter (segment-writer.h); a run ends when:
//   - the camera stops sending for kStallSeconds (ipcamsrc reconnecting) or
//     the hub gives it up: the segment is closed, a new one starts with
//     the camera's next keyframe (a gap in the list, not inside a file);
//     a camera given up is asked for again after 1 s, doubling to 30 s;
//   - the disk is full, has less than --archive-min-free, or the folder
//     cannot be written: state "failed" with the reason (logged once);
//     it tries again every 30 s (IPCAM_ARCHIVE_RETRY_SECONDS, a test hook).
// Retention (--archive-keep, --archive-max-bytes) runs every few seconds
// and as each segment opens: oldest first, never the one being written.
#pragma once

#include "archive/archive-folder.h"
#include "archive/segment-writer.h"
#include "camera/camera-status.h"
#include "config/camera-options.h"
#include "media/camera-hub.h"

#include <glib.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ipcam::server {

class Archive {
 public:
  static constexpr gint64 kStallSeconds = 3;

  // `camera`: the camera's name (its folder under the archive's DIR).
  Archive(const std::string &camera, const ArchiveOptions &options, std::shared_ptr<CameraHub> hub,
          GMainContext *main_context);
  ~Archive();
  Archive(const Archive &) = delete;
  Archive &operator=(const Archive &) = delete;

  // Main context: begins archiving (the server serves now).
  void start();
  // Main context: closes the segment being written (bounded wait, well
  // under half a second) and lets go of the camera.
  void stop();
  // Main context, at a server stop: sends the EOS that closes the segment
  // being written, without waiting; stop() then waits. The server calls it
  // for every camera first, so that their segments close side by side.
  void begin_stop();

  // Main context.
  ArchiveStatus status();
  // The segment being written ("DAY/FILE"), or empty.
  std::string current();
  // Any thread.
  const ArchiveFolder &folder() const { return folder_; }

 private:
  static gboolean on_tick(gpointer self);
  void tick();
  void begin();
  void refresh();
  void camera_lost(const std::string &why);
  void write_failed(const std::string &why);
  void fail(const std::string &why);
  void retire(std::unique_ptr<SegmentWriter> writer);
  void ended(SegmentWriter *writer);
  bool disk_ready(std::string &why);

  const ArchiveOptions options_;
  ArchiveFolder folder_;
  std::shared_ptr<CameraHub> hub_;
  GMainContext *main_context_;
  const gint64 retry_us_;

  // Main context only.
  GSource *tick_ = nullptr;
  std::unique_ptr<SegmentWriter> writer_;
  std::vector<std::unique_ptr<SegmentWriter>> finishing_;  // closing their last segment
  std::vector<std::unique_ptr<SegmentWriter>> ended_;      // dropped at the next tick
  gint64 next_attempt_us_ = 0;  // no writer until then
  gint64 camera_delay_us_ = 0;  // the back-off while the camera is away
  uint64_t frames_seen_ = 0;    // the hub's frame counter at the last tick
  gint64 frames_moved_us_ = 0;  // when it last grew
  gint64 refreshed_us_ = 0;
  uint64_t drops_logged_ = 0;

  std::mutex lock_;  // what status() reads
  std::string state_ = "off";
  std::string error_;
  uint64_t segments_ = 0, bytes_ = 0, dropped_gops_ = 0, retired_drops_ = 0;
};

}  // namespace ipcam::server
