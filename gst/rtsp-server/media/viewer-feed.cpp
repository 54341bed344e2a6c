// ViewerFeed: the hub's bounded, keyframe-aligned queue for one viewer.
#include "media/viewer-feed.h"

namespace ipcam::server {

std::shared_ptr<ViewerFeed> ViewerFeed::create(GstAppSrc *src, size_t queue_frames, bool holding) {
  std::shared_ptr<ViewerFeed> feed(new ViewerFeed(src, queue_frames, holding));
  // The appsrc asks for one access unit at a time: what it has not asked
  // for stays in our queue, where whole groups of pictures can be dropped.
  GstAppSrcCallbacks callbacks = {};
  callbacks.need_data = +[](GstAppSrc *, guint, gpointer data) {
    if (auto f = static_cast<std::weak_ptr<ViewerFeed> *>(data)->lock()) f->want();
  };
  gst_app_src_set_callbacks(src, &callbacks, new std::weak_ptr<ViewerFeed>(feed),
                            +[](gpointer data) { delete static_cast<std::weak_ptr<ViewerFeed> *>(data); });
  return feed;
}

ViewerFeed::ViewerFeed(GstAppSrc *src, size_t queue_frames, bool holding)
    : src_(GST_APP_SRC(gst_object_ref(src))), queue_frames_(queue_frames ? queue_frames : 1), holding_(holding) {}

ViewerFeed::~ViewerFeed() {
  clear_locked();
  if (held_key_) gst_sample_unref(held_key_);
  gst_caps_replace(&caps_, nullptr);
  gst_object_unref(src_);
}

void ViewerFeed::clear_locked() {
  for (GstSample *s : pending_) gst_sample_unref(s);
  pending_.clear();
}

void ViewerFeed::offer(GstSample *sample) {
  GstBuffer *buffer = gst_sample_get_buffer(sample);
  if (!buffer) return;
  const bool key = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  std::lock_guard<std::mutex> l(lock_);
  if (closed_) return;
  if (holding_) {
    if (key) {
      if (held_key_) gst_sample_unref(held_key_);
      held_key_ = gst_sample_ref(sample);
    }
    return;
  }
  if (!open_) {
    if (!key) return;
    open_ = true;
  } else if (pending_.size() >= queue_frames_) {
    // Too far behind: what is queued is stale, and a partial group of
    // pictures cannot be decoded, so the rest of it goes too.
    clear_locked();
    dropped_gops_++;
    discont_ = true;  // the clock mapping stays: the gap shows in the timestamps
    if (!key) {
      open_ = false;
      return;
    }
  }
  if (wanted_ && pending_.empty()) {
    wanted_ = false;
    push_locked(sample);
  } else {
    pending_.push_back(gst_sample_ref(sample));
  }
}

void ViewerFeed::want() {
  std::lock_guard<std::mutex> l(lock_);
  if (closed_) return;
  if (pending_.empty()) {
    wanted_ = true;
    return;
  }
  GstSample *next = pending_.front();
  pending_.pop_front();
  push_locked(next);
  gst_sample_unref(next);
}

void ViewerFeed::push_locked(GstSample *sample) {
  GstBuffer *in = gst_sample_get_buffer(sample);
  GstCaps *caps = gst_sample_get_caps(sample);
  if (caps && (!caps_ || !gst_caps_is_equal(caps, caps_))) {
    gst_caps_replace(&caps_, caps);
    gst_app_src_set_caps(src_, caps);
  }
  // The media's running time now; the appsrc only asks once its pipeline
  // plays, so its clock and base time are set by then.
  GstClockTime now = 0;
  if (GstClock *clock = gst_element_get_clock(GST_ELEMENT(src_))) {
    const GstClockTime t = gst_clock_get_time(clock), base = gst_element_get_base_time(GST_ELEMENT(src_));
    now = t > base ? t - base : 0;
    gst_object_unref(clock);
  }
  const GstClockTime pts = GST_BUFFER_PTS(in);
  GstBuffer *out = gst_buffer_copy(in);  // metadata only: the payload is shared
  if (!rebased_ || !GST_CLOCK_TIME_IS_VALID(pts)) {
    if (GST_CLOCK_TIME_IS_VALID(pts)) offset_ = GST_CLOCK_DIFF(pts, now);
    discont_ = discont_ || !rebased_;
    rebased_ = GST_CLOCK_TIME_IS_VALID(pts);
  }
  if (discont_) GST_BUFFER_FLAG_SET(out, GST_BUFFER_FLAG_DISCONT);
  discont_ = false;
  GstClockTime mapped = now;
  if (GST_CLOCK_TIME_IS_VALID(pts)) {
    const GstClockTimeDiff t = GstClockTimeDiff(pts) + offset_;
    mapped = t > 0 ? GstClockTime(t) : 0;
  }
  GST_BUFFER_PTS(out) = mapped;
  GST_BUFFER_DTS(out) = mapped;  // Constrained Baseline: no reordering
  gst_app_src_push_buffer(src_, out);  // FLUSHING when the media stops: nothing to do
}

void ViewerFeed::fail(const std::string &text) {
  GError *error = g_error_new_literal(GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, text.c_str());
  gst_element_post_message(GST_ELEMENT(src_), gst_message_new_error(GST_OBJECT(src_), error, nullptr));
  g_error_free(error);
  close();
}

void ViewerFeed::release_hold() {
  std::lock_guard<std::mutex> l(lock_);
  holding_ = false;
  if (held_key_) gst_sample_unref(held_key_);
  held_key_ = nullptr;
}

GstSample *ViewerFeed::held_keyframe() {
  std::lock_guard<std::mutex> l(lock_);
  return held_key_ ? gst_sample_ref(held_key_) : nullptr;
}

void ViewerFeed::close() {
  std::lock_guard<std::mutex> l(lock_);
  closed_ = true;
  clear_locked();
}

}  // namespace ipcam::server
