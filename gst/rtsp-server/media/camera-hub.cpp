// CameraHub: one ipcamsrc per camera, its access units fanned out to the
// viewers' feeds. See camera-hub.h for the shape.
#include "media/camera-hub.h"

#include "media/bus-watch.h"
#include "media/log-domain.h"

#include <algorithm>
#include <utility>

// The program's log domain (log-domain.h), not the one this file was built with.
#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN (::ipcam::server::media_log_domain())

namespace ipcam::server {

namespace {

// ipcamsrc is named "src" so its messages and the control API can find it.
// h264parse config-interval=-1 puts SPS/PPS once in front of each keyframe
// access unit (never per slice): each viewer's payloader then sends them
// as they come and adds none of its own.
constexpr const char *kHubLaunch =
    "ipcamsrc name=src ! h264parse config-interval=-1 ! "
    "video/x-h264,stream-format=byte-stream,alignment=au ! appsink name=hub sync=false";

}  // namespace

CameraHub::CameraHub(ipcam::CameraEndpoint endpoint, HubSettings settings, GMainContext *main_context,
                     EndedFn on_ended)
    : endpoint_(std::move(endpoint)),
      settings_(std::move(settings)),
      main_context_(main_context),
      on_ended_(std::move(on_ended)) {}

CameraHub::~CameraHub() {
  stop();
  gst_caps_replace(&last_caps_, nullptr);
}

namespace {

guint64 stat_field(const GstStructure *s, const char *field) {
  guint64 v = 0;
  if (s) gst_structure_get_uint64(s, field, &v);
  return v;
}

}  // namespace

void CameraHub::configure_source(GstElement *src) {
  const ipcam::CameraEndpoint &e = endpoint_;
  g_object_set(src, "address", e.address.c_str(), "control-port", guint(e.control_port), "preview-port",
               guint(e.preview_port), "http-port", guint(e.http_port), "user", e.user.c_str(), "password",
               e.password.c_str(), "timeout", e.timeout_ms, nullptr);
  if (!e.interface.empty()) g_object_set(src, "interface", e.interface.c_str(), nullptr);
  if (settings_.reconnect_attempts >= -1) g_object_set(src, "reconnect-attempts", settings_.reconnect_attempts, nullptr);
  if (settings_.reconnect_backoff_ms >= 0)
    g_object_set(src, "reconnect-backoff", guint(settings_.reconnect_backoff_ms), nullptr);
  if (e.address.empty()) {
    if (!settings_.discovery_address.empty())
      g_object_set(src, "discovery-address", settings_.discovery_address.c_str(), nullptr);
    if (!settings_.discovery_ports.empty()) {
      std::string ports;
      for (auto p : settings_.discovery_ports) ports += (ports.empty() ? "" : ",") + std::to_string(p);
      g_object_set(src, "discovery-ports", ports.c_str(), nullptr);
    }
  }
  if (settings_.configure) settings_.configure(src);
}

void CameraHub::attach(const std::shared_ptr<ViewerFeed> &feed) {
  // lifecycle_ first, as tick() takes it: a viewer that arrives as the
  // linger runs out is either seen by tick() (the camera stays) or attaches
  // after the release (the camera starts again), never failed by it.
  std::lock_guard<std::mutex> life(lifecycle_);
  {
    std::lock_guard<std::mutex> l(lock_);
    feeds_.push_back(feed);
  }
  if (!watch_) start_locked();
}

void CameraHub::detach(const std::shared_ptr<ViewerFeed> &feed) {
  feed->close();
  std::lock_guard<std::mutex> l(lock_);
  auto it = std::find(feeds_.begin(), feeds_.end(), feed);
  if (it == feeds_.end()) return;
  retired_drops_ += feed->dropped_gops();
  feeds_.erase(it);
  if (feeds_.empty() && holds_ == 0) idle_since_us_ = g_get_monotonic_time();
}

void CameraHub::attach_tap(const std::shared_ptr<FrameTap> &tap) {
  // Under lock_, as on_sample() adds to the cache under it: an access unit
  // reaches the tap either from the cache here or from on_sample(), once.
  std::lock_guard<std::mutex> l(lock_);
  if (!pipeline_) {  // the session ended as the tap came: taps live within one
    tap->fail(last_end_.empty() ? "the camera stopped" : last_end_);
    return;
  }
  for (GstSample *s : gop_.samples()) tap->offer(s);
  taps_.push_back(tap);
}

void CameraHub::detach_tap(const std::shared_ptr<FrameTap> &tap) {
  std::lock_guard<std::mutex> l(lock_);
  auto it = std::find(taps_.begin(), taps_.end(), tap);
  if (it != taps_.end()) taps_.erase(it);
}

void CameraHub::hold() {
  std::lock_guard<std::mutex> life(lifecycle_);  // as attach()
  {
    std::lock_guard<std::mutex> l(lock_);
    holds_++;
  }
  if (!watch_) start_locked();
}

void CameraHub::let_go() {
  std::lock_guard<std::mutex> l(lock_);
  if (holds_ > 0) holds_--;
  if (feeds_.empty() && holds_ == 0) idle_since_us_ = g_get_monotonic_time();
}

size_t CameraHub::gop_cache_frames() {
  std::lock_guard<std::mutex> l(lock_);
  return gop_.samples().size();
}

void CameraHub::start_locked() {
  g_autoptr(GError) error = nullptr;
  GstElement *pipeline = gst_parse_launch(kHubLaunch, &error);
  if (!pipeline) {
    g_warning("cannot build the camera pipeline: %s", error ? error->message : "?");
    return;
  }
  GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "hub");
  configure_source(src);
  GstAppSinkCallbacks callbacks = {};
  callbacks.new_sample = on_sample;
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, this, nullptr);
  gst_object_unref(sink);

  watch_ = watch_bus(pipeline, on_bus, this, main_context_);
  {
    std::lock_guard<std::mutex> l(lock_);
    pipeline_ = pipeline;
    source_ = src;
    streamed_ = false;
    counters_.connects++;
  }
  g_message("a client arrived: connecting to the camera");
  // ipcamsrc connects in its streaming thread: this returns at once, and a
  // camera that cannot be reached shows up as an error on the bus.
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
}

void CameraHub::stop_locked(const std::string &why) {
  if (!watch_) return;
  g_source_destroy(watch_);
  g_source_unref(watch_);
  watch_ = nullptr;
  GstElement *pipeline = nullptr, *src = nullptr;
  bool streamed = false;
  std::vector<std::shared_ptr<ViewerFeed>> orphans;
  std::vector<std::shared_ptr<FrameTap>> taps;
  {
    std::lock_guard<std::mutex> l(lock_);
    pipeline = pipeline_;
    src = source_;
    streamed = streamed_;
    orphans = feeds_;
    taps.swap(taps_);
  }
  // A viewer still attached would wait for ever (a media still preparing
  // blocks its client's request, and shutdown with it): it fails now.
  for (auto &f : orphans) f->fail(why);
  for (auto &t : taps) t->fail(why);
  // Not under lock_: stopping waits for the streaming thread, which takes it.
  gst_element_set_state(pipeline, GST_STATE_NULL);
  GstStructure *stats = nullptr;
  g_object_get(src, "stats", &stats, nullptr);  // what this session counted, kept
  {
    std::lock_guard<std::mutex> l(lock_);
    retired_counters_.datagrams_lost += stat_field(stats, "lost");
    retired_counters_.frames_dropped += stat_field(stats, "dropped-frames");
    retired_counters_.reconnects += stat_field(stats, "reconnects");
    retirements_++;
    pipeline_ = source_ = nullptr;
    streamed_ = false;
    last_end_ = why;
    profile_level_id_.clear();
    // The next session's timestamps start again: its taps start afresh.
    gop_.clear();
  }
  if (stats) gst_structure_free(stats);
  gst_object_unref(src);
  gst_object_unref(pipeline);
  if (streamed) g_message("camera released");
}

void CameraHub::stop() {
  std::lock_guard<std::mutex> life(lifecycle_);
  stop_locked("the server is stopping");
}

void CameraHub::tick() {
  std::lock_guard<std::mutex> life(lifecycle_);
  if (!watch_) return;
  {
    std::lock_guard<std::mutex> l(lock_);
    if (!feeds_.empty() || holds_ > 0 || g_get_monotonic_time() - idle_since_us_ < gint64(settings_.linger_s) * G_USEC_PER_SEC)
      return;
  }
  g_message("no client for %u s: releasing the camera", settings_.linger_s);
  stop_locked("the camera was released");
}

// Streaming thread: one access unit for every feed. The feeds' own locks
// are short; none of them waits for its viewer.
GstFlowReturn CameraHub::on_sample(GstAppSink *sink, gpointer data) {
  auto *self = static_cast<CameraHub *>(data);
  GstSample *sample = gst_app_sink_pull_sample(sink);
  if (!sample) return GST_FLOW_EOS;
  std::vector<std::shared_ptr<ViewerFeed>> feeds;
  std::vector<std::shared_ptr<FrameTap>> taps;
  bool first = false;
  {
    std::lock_guard<std::mutex> l(self->lock_);
    feeds = self->feeds_;
    taps = self->taps_;
    self->gop_.add(sample);
    first = !self->streamed_;
    self->streamed_ = true;
    self->counters_.frames++;
    if (GstBuffer *b = gst_sample_get_buffer(sample)) self->counters_.bytes += gst_buffer_get_size(b);
    GstCaps *caps = gst_sample_get_caps(sample);
    if (caps && caps != self->last_caps_) gst_caps_replace(&self->last_caps_, caps);
  }
  if (first) g_message("streaming the camera's preview");
  for (auto &f : feeds) f->offer(sample);
  for (auto &t : taps) t->offer(sample);
  gst_sample_unref(sample);
  return GST_FLOW_OK;
}

// Main context. ipcamsrc's texts never hold the password.
gboolean CameraHub::on_bus(GstBus *, GstMessage *msg, gpointer data) {
  auto *self = static_cast<CameraHub *>(data);
  GstObject *from = GST_MESSAGE_SRC(msg);
  const bool from_camera = from && g_strcmp0(GST_OBJECT_NAME(from), "src") == 0;
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_WARNING:
    case GST_MESSAGE_ERROR: {
      const bool fatal = GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR;
      const std::string text = message_text(msg);
      if (!fatal) {
        if (from_camera) g_message("camera: %s", text.c_str());
        break;
      }
      g_warning("%s%s", from_camera ? "camera: " : "camera pipeline: ", text.c_str());
      self->camera_ended(text);
      break;
    }
    case GST_MESSAGE_ELEMENT: {
      const GstStructure *s = gst_message_get_structure(msg);
      int attempt = 0;
      if (!from_camera || !s || !gst_structure_has_name(s, "ipcam-reconnected")) break;
      gst_structure_get_int(s, "attempt", &attempt);
      g_message("camera: reconnected (attempt %d); clients keep watching", attempt);
      break;
    }
    case GST_MESSAGE_EOS:  // ipcamsrc ends its stream when it gives up
      self->camera_ended("the camera's stream ended");
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

void CameraHub::camera_ended(const std::string &reason) {
  bool streamed = false;
  {
    std::lock_guard<std::mutex> life(lifecycle_);
    if (!watch_) return;
    {
      std::lock_guard<std::mutex> l(lock_);
      streamed = streamed_;
    }
    stop_locked("the camera could not be used: " + reason);
  }
  if (on_ended_) on_ended_(streamed);
}

GstElement *CameraHub::running_source() {
  std::lock_guard<std::mutex> l(lock_);
  return source_ ? GST_ELEMENT(gst_object_ref(source_)) : nullptr;
}

bool CameraHub::running() {
  std::lock_guard<std::mutex> l(lock_);
  return pipeline_ != nullptr;
}

size_t CameraHub::viewer_count() {
  std::lock_guard<std::mutex> l(lock_);
  return feeds_.size();
}

uint64_t CameraHub::dropped_gops() {
  std::lock_guard<std::mutex> l(lock_);
  uint64_t n = retired_drops_;
  for (auto &f : feeds_) n += f->dropped_gops();
  return n;
}

std::string CameraHub::profile_level_id() {
  std::lock_guard<std::mutex> l(lock_);
  return pipeline_ ? profile_level_id_ : std::string();
}

void CameraHub::set_profile_level_id(const std::string &id) {
  std::lock_guard<std::mutex> l(lock_);
  if (pipeline_) profile_level_id_ = id;
}

}  // namespace ipcam::server

namespace ipcam::server {

HubCounters CameraHub::counters() {
  GstElement *src = nullptr;
  uint64_t retirements = 0;
  {
    std::lock_guard<std::mutex> l(lock_);
    retirements = retirements_;
    if (source_) src = GST_ELEMENT(gst_object_ref(source_));
  }
  GstStructure *stats = nullptr;
  if (src) {
    g_object_get(src, "stats", &stats, nullptr);
    gst_object_unref(src);
  }
  HubCounters c;
  {
    std::lock_guard<std::mutex> l(lock_);
    c = retired_counters_;
    c.frames = counters_.frames;
    c.bytes = counters_.bytes;
    c.connects = counters_.connects;
    // The session stopped meanwhile: its stats are in retired_counters_ now.
    if (retirements != retirements_ && stats) {
      gst_structure_free(stats);
      stats = nullptr;
    }
  }
  c.datagrams_lost += stat_field(stats, "lost");
  c.frames_dropped += stat_field(stats, "dropped-frames");
  c.reconnects += stat_field(stats, "reconnects");
  if (stats) gst_structure_free(stats);
  return c;
}

GstCaps *CameraHub::last_caps() {
  std::lock_guard<std::mutex> l(lock_);
  return last_caps_ ? gst_caps_ref(last_caps_) : nullptr;
}

}  // namespace ipcam::server
