// PictureDecoder: see picture-decoder.h.
#include "snapshot/picture-decoder.h"

#include <gst/app/gstappsrc.h>

#include <chrono>

namespace ipcam::server {

namespace {

// max-errors=-1: a picture broken by lost datagrams is skipped, never the
// end of the decoder. The appsink keeps one picture: the newest.
constexpr const char *kDecoderLaunch =
    "appsrc name=in format=time ! avdec_h264 max-threads=1 max-errors=-1 ! "
    "appsink name=out sync=false max-buffers=1 drop=true enable-last-sample=false";

}  // namespace

std::shared_ptr<PictureDecoder> PictureDecoder::create(std::string &error) {
  g_autoptr(GError) err = nullptr;
  GstElement *pipeline = gst_parse_launch(kDecoderLaunch, &err);
  if (!pipeline) {
    error = std::string("cannot build the snapshot decoder: ") + (err ? err->message : "?");
    return nullptr;
  }
  std::shared_ptr<PictureDecoder> d(new PictureDecoder());
  d->pipeline_ = pipeline;
  d->src_ = gst_bin_get_by_name(GST_BIN(pipeline), "in");
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  GstAppSinkCallbacks callbacks = {};
  callbacks.new_sample = on_picture;
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, d.get(), nullptr);
  gst_object_unref(sink);
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  gst_bus_set_sync_handler(bus, on_message, d.get(), nullptr);
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    error = "cannot start the snapshot decoder (is gstreamer1.0-libav installed?)";
    return nullptr;
  }
  return d;
}

PictureDecoder::~PictureDecoder() {
  if (pipeline_) {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_);
    gst_bus_set_sync_handler(bus, nullptr, nullptr, nullptr);
  }
  if (src_) gst_object_unref(src_);
  if (pipeline_) gst_object_unref(pipeline_);
  if (newest_) gst_sample_unref(newest_);
}

// The hub's streaming thread.
void PictureDecoder::offer(GstSample *sample) {
  GstBuffer *b = gst_sample_get_buffer(sample);
  if (!b) return;
  const bool key = !GST_BUFFER_FLAG_IS_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
  {
    std::lock_guard<std::mutex> l(lock_);
    if (!ended_.empty()) return;
    // Behind by a whole queue: what is queued decodes, the rest waits
    // for a keyframe (a delta picture without its reference is garbage).
    if (gst_app_src_get_current_level_buffers(GST_APP_SRC(src_)) >= kQueueFrames) keyframe_seen_ = false;
    if (key) keyframe_seen_ = true;
    if (!keyframe_seen_) return;
    fed_pts_ = GST_BUFFER_PTS(b);
    fed_ = true;
  }
  gst_app_src_push_sample(GST_APP_SRC(src_), sample);
}

void PictureDecoder::fail(const std::string &why) { interrupt(why); }

void PictureDecoder::interrupt(const std::string &why) {
  std::lock_guard<std::mutex> l(lock_);
  if (ended_.empty()) ended_ = why.empty() ? "the snapshot decoder stopped" : why;
  changed_.notify_all();
}

bool PictureDecoder::ended() {
  std::lock_guard<std::mutex> l(lock_);
  return !ended_.empty();
}

GstSample *PictureDecoder::newest(gint64 deadline_us, std::string &why) {
  std::unique_lock<std::mutex> l(lock_);
  const bool fed = fed_;
  const GstClockTime target = fed_pts_;
  auto fresh = [&] {
    if (!newest_) return false;
    const GstClockTime pts = GST_BUFFER_PTS(gst_sample_get_buffer(newest_));
    return !fed || !GST_CLOCK_TIME_IS_VALID(target) || !GST_CLOCK_TIME_IS_VALID(pts) || pts >= target;
  };
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::microseconds(deadline_us - g_get_monotonic_time());
  changed_.wait_until(l, deadline, [&] { return !ended_.empty() || fresh(); });
  if (!ended_.empty()) {
    why = ended_;
    return nullptr;
  }
  if (!fresh()) return nullptr;  // the deadline: `why` is the caller's
  return gst_sample_ref(newest_);
}

// The decoder's streaming thread: one decoded picture.
GstFlowReturn PictureDecoder::on_picture(GstAppSink *sink, gpointer data) {
  auto *self = static_cast<PictureDecoder *>(data);
  GstSample *sample = gst_app_sink_pull_sample(sink);
  if (!sample) return GST_FLOW_EOS;
  std::lock_guard<std::mutex> l(self->lock_);
  if (self->newest_) gst_sample_unref(self->newest_);
  self->newest_ = sample;
  self->changed_.notify_all();
  return GST_FLOW_OK;
}

// Any thread: an error ends the decoder (the next snapshot makes another).
GstBusSyncReply PictureDecoder::on_message(GstBus *, GstMessage *msg, gpointer data) {
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    g_autoptr(GError) err = nullptr;
    gst_message_parse_error(msg, &err, nullptr);
    static_cast<PictureDecoder *>(data)->interrupt(std::string("the snapshot decoder failed: ") +
                                                   (err ? err->message : "?"));
  }
  return GST_BUS_DROP;
}

}  // namespace ipcam::server
