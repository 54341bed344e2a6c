// GopCache: see gop-cache.h.
#include "media/gop-cache.h"

namespace ipcam::server {

void GopCache::drop() {
  for (GstSample *s : samples_) gst_sample_unref(s);
  samples_.clear();
  bytes_ = 0;
}

void GopCache::clear() {
  drop();
  open_ = false;
}

void GopCache::add(GstSample *sample) {
  GstBuffer *b = gst_sample_get_buffer(sample);
  if (!b) return;
  const size_t size = gst_buffer_get_size(b);
  if (!GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT)) {
    drop();
    open_ = true;
  }
  if (!open_) return;
  if (samples_.size() >= max_frames_ || bytes_ + size > max_bytes_) {
    clear();  // too long a group of pictures: nothing until the next keyframe
    return;
  }
  samples_.push_back(gst_sample_ref(sample));
  bytes_ += size;
}

}  // namespace ipcam::server
