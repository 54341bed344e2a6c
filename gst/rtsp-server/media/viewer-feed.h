// ViewerFeed: one viewer's branch of the camera hub, feeding that viewer's
// own appsrc.
//
// The hub offers every access unit it gets from the camera; the feed
// opens at the next keyframe (h264parse in the hub puts SPS and PPS in
// front of every keyframe, so a viewer's first access unit is decodable on
// its own) and keeps a bounded queue of what its appsrc has not asked for
// yet. gst-rtsp-server blocks a media between DESCRIBE and PLAY, and a slow
// viewer's sink stops asking, so the queue fills in both cases: then the
// feed drops the whole group of pictures and waits for the next keyframe,
// and the camera and the other viewers never wait for it.
//
// Timestamps are re-based once per feed onto its media's running time
// (the media's pipeline has its own base time); the camera's spacing,
// DISCONT flags and gaps pass unchanged.
#pragma once

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

namespace ipcam::server {

class ViewerFeed : public std::enable_shared_from_this<ViewerFeed> {
 public:
  // Access units a viewer may be behind before it loses a group of pictures.
  static constexpr size_t kDefaultQueueFrames = 60;

  // A feed created `holding` gives its appsrc nothing yet: it only keeps
  // the latest keyframe (held_keyframe(), for the viewer to learn the
  // camera's profile) until release_hold(), and then opens at the next
  // keyframe. A browser's viewer holds until its connection is up.
  static std::shared_ptr<ViewerFeed> create(GstAppSrc *src, size_t queue_frames = kDefaultQueueFrames,
                                            bool holding = false);
  ~ViewerFeed();
  ViewerFeed(const ViewerFeed &) = delete;
  ViewerFeed &operator=(const ViewerFeed &) = delete;

  // One access unit from the hub (its streaming thread).
  void offer(GstSample *sample);
  // The camera could not be reached: the viewer's media fails with `text`
  // (its client gets an RTSP error instead of waiting). Any thread.
  void fail(const std::string &text);
  // The media is going away: nothing more is pushed. Any thread.
  void close();

  uint64_t dropped_gops() const { return dropped_gops_; }

  void release_hold();
  GstSample *held_keyframe();  // a new reference, or nullptr before the first keyframe

 private:
  ViewerFeed(GstAppSrc *src, size_t queue_frames, bool holding);
  void want();
  void push_locked(GstSample *sample);
  void clear_locked();

  GstAppSrc *src_;  // owned reference
  const size_t queue_frames_;
  std::mutex lock_;
  std::deque<GstSample *> pending_;  // owned; always starts at a keyframe
  GstCaps *caps_ = nullptr;          // what the appsrc was last told
  bool open_ = false;                // false: waiting for a keyframe
  bool wanted_ = false;              // the appsrc asked and got nothing yet
  bool closed_ = false;
  bool holding_ = false;
  GstSample *held_key_ = nullptr;  // owned, while holding
  bool rebased_ = false;
  bool discont_ = false;  // the next access unit follows dropped ones
  GstClockTimeDiff offset_ = 0;
  std::atomic<uint64_t> dropped_gops_{0};
};

}  // namespace ipcam::server
