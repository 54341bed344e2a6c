// SegmentWriter: one run of the archive's pipeline, from the first frame
// the camera gives it to its end (camera lost, disk full, server stop).
//
//   camera hub ──► ViewerFeed ──► appsrc ! h264parse ! splitmuxsink
//                                          (mp4mux fragment-duration=1000 ! filesink, per segment)
//
// No re-encoding: h264parse only turns the hub's byte-stream into MP4's
// length-prefixed samples. splitmuxsink cuts at the first keyframe past
// --archive-segment, so every access unit lands in exactly one segment and
// each starts at a keyframe. Each segment is fragmented MP4 written
// unbuffered (a fragment a second, straight to the kernel): a kill -9
// loses at most the fragment being gathered. A segment gets its final name
// (segment-names.h, the wall-clock time of its first frame) before its
// first byte is written. The end is an EOS through the muxer, which closes
// the last segment properly.
//
// Its feed's queue holds kQueueFrames access units (30 s at 30 fps), so a
// disk that stalls for a few seconds (a flush, a seek) loses nothing; a
// longer stall drops whole groups of pictures, counted in dropped_gops().
#pragma once

#include "archive/archive-folder.h"
#include "media/camera-hub.h"
#include "media/viewer-feed.h"

#include <gst/gst.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ipcam::server {

class SegmentWriter {
 public:
  static constexpr size_t kQueueFrames = 900;

  // What the pipeline tells, on the main context; each names the writer.
  struct Events {
    // The camera's stream stopped for good (the hub failed the feed).
    std::function<void(SegmentWriter *, const std::string &why)> camera_lost;
    // Writing failed (disk full, folder gone): the run is over, stopped.
    std::function<void(SegmentWriter *, const std::string &why)> write_failed;
    // A segment was opened (its relative path) or closed.
    std::function<void(SegmentWriter *, const std::string &relative)> opened, closed;
    // The EOS went through: every segment is closed.
    std::function<void(SegmentWriter *)> ended;
  };

  SegmentWriter(const ArchiveFolder &folder, unsigned segment_s, std::shared_ptr<CameraHub> hub,
                GMainContext *main_context, Events events);
  ~SegmentWriter();
  SegmentWriter(const SegmentWriter &) = delete;
  SegmentWriter &operator=(const SegmentWriter &) = delete;

  // Main context: builds the pipeline and attaches its feed to the hub
  // (which connects the camera if nobody else had). False with `error`.
  bool start(std::string &error);
  // Main context: no more frames; the segment being written is closed
  // properly and `ended` follows.
  void finish();
  // Main context: the same, waiting at most `wait_us` for it (a stop).
  void finish_now(gint64 wait_us);
  // Main context: stops at once (after a write error: nothing more can
  // be written), detached from the hub.
  void abort();

  // The relative path of the segment being written; empty before the
  // first frame and once finished. Any thread.
  std::string current();
  // The segments this run opened last (at most two, the newest last): after
  // a failed write, the one still being closed may have been cut too.
  std::vector<std::string> recent();
  uint64_t dropped_gops() const { return feed_ ? feed_->dropped_gops() : 0; }
  uint64_t segments_opened();

 private:
  static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer self);
  static gchar *on_format_location(GstElement *splitmux, guint id, GstSample *first, gpointer self);
  std::string name_segment(GstElement *splitmux, GstSample *first);
  void detach();
  void drop_pipeline();

  const ArchiveFolder &folder_;
  const unsigned segment_s_;
  std::shared_ptr<CameraHub> hub_;
  GMainContext *main_context_;
  Events events_;

  // Main context only.
  GstElement *pipeline_ = nullptr;
  GstElement *appsrc_ = nullptr;  // in pipeline_
  GSource *watch_ = nullptr;
  std::shared_ptr<ViewerFeed> feed_;
  bool attached_ = false;
  bool finishing_ = false;

  std::mutex lock_;  // the streaming thread names segments
  std::string current_;
  std::vector<std::string> recent_;
  std::string naming_error_;  // why the last name's folder could not be made
  uint64_t opened_ = 0;
};

}  // namespace ipcam::server
