// GopCache: the access units since a camera's last keyframe, bounded.
//
// What a new decoder needs to show the newest picture at once: the last
// keyframe and every picture after it. It is bounded by count and bytes:
// past either bound (a long or endless group of pictures, a camera that
// never sends a keyframe) it holds nothing until the next keyframe, so a
// camera cannot make it grow. Not thread-safe: the hub guards it.
#pragma once

#include <gst/gst.h>

#include <cstddef>
#include <vector>

namespace ipcam::server {

class GopCache {
 public:
  GopCache(size_t max_frames, size_t max_bytes) : max_frames_(max_frames), max_bytes_(max_bytes) {}
  ~GopCache() { clear(); }
  GopCache(const GopCache &) = delete;
  GopCache &operator=(const GopCache &) = delete;

  // One access unit, in order (a keyframe has no DELTA_UNIT flag).
  void add(GstSample *sample);
  // Drops everything, until the next keyframe (a new camera session).
  void clear();
  // From the keyframe on, oldest first; valid until the next add() or clear().
  const std::vector<GstSample *> &samples() const { return samples_; }
  size_t bytes() const { return bytes_; }

 private:
  void drop();

  const size_t max_frames_, max_bytes_;
  std::vector<GstSample *> samples_;  // owned
  size_t bytes_ = 0;
  bool open_ = false;  // false: waiting for a keyframe
};

}  // namespace ipcam::server
