#include "video-source.h"

#include "frame-stamp.h"
#include "loop-util.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <cmath>

namespace ipcam::sim {
namespace {

// Replays a stored stream: no encoding cost, paced against the monotonic
// clock so that rounding of the interval does not drift.
class ReplaySource final : public VideoSource {
 public:
  ReplaySource(const CameraConfig &config, std::vector<AccessUnit> frames)
      : config_(config), frames_(std::move(frames)) {}
  ~ReplaySource() override { stop(); }

  bool start(FrameFn fn, GError **) override {
    stop();
    fn_ = std::move(fn);
    start_us_ = g_get_monotonic_time();
    sent_ = 0;
    seek_keyframe();
    schedule();
    return true;
  }
  void stop() override {
    if (timer_) {
      g_source_destroy(timer_);
      g_source_unref(timer_);
      timer_ = nullptr;
    }
    fn_ = nullptr;
  }
  bool running() const override { return fn_ != nullptr; }
  void request_keyframe() override { seek_keyframe(); }

 private:
  void seek_keyframe() {
    if (frames_[pos_].keyframe && frames_[pos_].has_sps) return;
    for (size_t k = 1; k <= frames_.size(); ++k) {
      size_t i = (pos_ + k) % frames_.size();
      if (frames_[i].keyframe && frames_[i].has_sps) {
        pos_ = i;
        return;
      }
    }
  }
  void schedule() {
    unsigned delay = 0;
    if (config_.paced) {
      int64_t due = start_us_ + int64_t(double(sent_) * 1e6 / config_.fps);
      int64_t wait = due - g_get_monotonic_time();
      delay = wait > 0 ? unsigned((wait + 999) / 1000) : 0;
    }
    timer_ = g_timeout_source_new(delay);
    g_source_set_callback(timer_, on_timer, this, nullptr);
    g_source_attach(timer_, g_main_context_get_thread_default());
  }
  static gboolean on_timer(gpointer self) {
    auto *s = static_cast<ReplaySource *>(self);
    g_source_unref(s->timer_);
    s->timer_ = nullptr;
    if (!s->fn_) return G_SOURCE_REMOVE;
    // Stamped with when it was due, as a camera stamps a picture when it
    // takes it: a main loop that runs late must not bunch the timestamps.
    AccessUnit au = s->frames_[s->pos_];
    au.capture_ms = int64_t(double(s->sent_) * 1000.0 / s->config_.fps);
    s->pos_ = (s->pos_ + 1) % s->frames_.size();
    ++s->sent_;
    FrameFn fn = s->fn_;  // the callback may stop us
    fn(au);
    if (s->fn_ && !s->timer_) s->schedule();
    return G_SOURCE_REMOVE;
  }

  const CameraConfig &config_;
  std::vector<AccessUnit> frames_;
  size_t pos_ = 0;
  uint64_t sent_ = 0;
  int64_t start_us_ = 0;
  GSource *timer_ = nullptr;
  FrameFn fn_;
};

// Encodes a test pattern live. Frames are handed from the appsink's
// streaming thread to the camera thread through `Delivery`, which outlives
// the pipeline so that a late hand-over after stop() is harmless.
class LiveSource final : public VideoSource {
 public:
  explicit LiveSource(const CameraConfig &config) : config_(config) {}
  ~LiveSource() override { stop(); }

  bool start(FrameFn fn, GError **error) override {
    stop();
    delivery_ = std::make_shared<Delivery>();
    delivery_->fn = std::move(fn);
    delivery_->context = g_main_context_ref_thread_default();
    std::string desc = live_pipeline_description(config_, true, -1);
    pipeline_ = gst_parse_launch(desc.c_str(), error);
    if (!pipeline_) return false;
    g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline_), "sink");
    if (g_autoptr(GstElement) stamp = gst_bin_get_by_name(GST_BIN(pipeline_), "stamp")) install_frame_stamp(stamp);
    GstAppSinkCallbacks cb = {};
    cb.new_sample = on_sample;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &cb,
                               new std::shared_ptr<Delivery>(delivery_), drop_delivery);
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "live encoder pipeline failed to start: %s",
                  desc.c_str());
      stop();
      return false;
    }
    return true;
  }
  void stop() override {
    if (delivery_) delivery_->fn = nullptr;
    if (pipeline_) {
      gst_element_set_state(pipeline_, GST_STATE_NULL);
      gst_object_unref(pipeline_);
      pipeline_ = nullptr;
    }
    if (delivery_) {
      g_main_context_unref(delivery_->context);
      delivery_->context = nullptr;
    }
    delivery_.reset();
  }
  bool running() const override { return pipeline_ != nullptr; }
  void request_keyframe() override {
    if (!pipeline_) return;
    g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline_), "sink");
    gst_element_send_event(sink, gst_video_event_new_upstream_force_key_unit(
                                     GST_CLOCK_TIME_NONE, TRUE, 0));
  }

 private:
  struct Delivery {
    FrameFn fn;
    GMainContext *context = nullptr;
  };
  static void drop_delivery(gpointer data) { delete static_cast<std::shared_ptr<Delivery> *>(data); }
  static GstFlowReturn on_sample(GstAppSink *sink, gpointer data) {
    auto delivery = *static_cast<std::shared_ptr<Delivery> *>(data);
    g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
    if (!sample) return GST_FLOW_EOS;
    GstBuffer *buf = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (!gst_buffer_map(buf, &map, GST_MAP_READ)) return GST_FLOW_OK;
    auto units = split_access_units(ByteView(map.data, map.size));
    gst_buffer_unmap(buf, &map);
    // A camera stamps a picture when it takes it, not when its encoder
    // and our main loop get round to sending it.
    if (GST_BUFFER_PTS_IS_VALID(buf))
      for (auto &au : units) au.capture_ms = int64_t(GST_BUFFER_PTS(buf) / GST_MSECOND);
    GMainContext *ctx = delivery->context;
    if (!ctx) return GST_FLOW_OK;
    for (auto &au : units) {
      invoke_on(ctx, [delivery, au = std::move(au)] {
        if (delivery->fn) delivery->fn(au);
      });
    }
    return GST_FLOW_OK;
  }

  const CameraConfig &config_;
  GstElement *pipeline_ = nullptr;
  std::shared_ptr<Delivery> delivery_;
};

}  // namespace

std::string live_pipeline_description(const CameraConfig &c, bool live, int num_buffers) {
  int fps_n = int(std::lround(c.fps * 1000)), fps_d = 1000;
  // A running clock drawn on the picture, where the pango plugin exists.
  g_autoptr(GstElementFactory) overlay = gst_element_factory_find("timeoverlay");
  std::string desc = "videotestsrc pattern=ball";
  desc += live ? " is-live=true" : "";
  if (num_buffers > 0) desc += " num-buffers=" + std::to_string(num_buffers);
  desc += " ! video/x-raw,format=I420,width=" + std::to_string(c.width) +
          ",height=" + std::to_string(c.height) + ",framerate=" + std::to_string(fps_n) + "/" +
          std::to_string(fps_d);
  if (overlay) desc += " ! timeoverlay font-desc=\"Sans 24\"";
  if (c.paint_frame_number) desc += " ! identity name=stamp";
  desc += " ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=1500 key-int-max=" +
          std::to_string(c.keyframe_interval);
  // x264 cuts a picture into one slice per thread unless told: one thread,
  // a fixed slice count, the same stream on every machine.
  if (c.slices > 0) desc += " threads=1 option-string=slices=" + std::to_string(c.slices);
  desc += " ! video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au";
  if (live) desc += " ! appsink name=sink sync=false max-buffers=30 drop=true";
  return desc;
}

std::unique_ptr<VideoSource> make_replay_source(const CameraConfig &config, GError **error) {
  g_autofree char *data = nullptr;
  gsize len = 0;
  if (!g_file_get_contents(config.h264_file.c_str(), &data, &len, error)) {
    g_prefix_error(error, "--h264: ");
    return nullptr;
  }
  auto frames = split_access_units(ByteView(reinterpret_cast<uint8_t *>(data), len));
  bool entry = false;
  for (const auto &f : frames) entry = entry || (f.keyframe && f.has_sps);
  if (!entry) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "--h264 %s: no keyframe with SPS/PPS found; is it an Annex-B H.264 byte stream?",
                config.h264_file.c_str());
    return nullptr;
  }
  return std::make_unique<ReplaySource>(config, std::move(frames));
}

std::unique_ptr<VideoSource> make_live_source(const CameraConfig &config) {
  return std::make_unique<LiveSource>(config);
}

}  // namespace ipcam::sim
