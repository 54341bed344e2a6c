// Publisher: see publisher.h.
#include "media/publisher.h"

#include "media/bus-watch.h"
#include "media/log-domain.h"
#include "media/publish-url.h"

#include <gst/app/gstappsrc.h>

#include <algorithm>
#include <thread>
#include <utility>

// The program's log domain (log-domain.h), not the one this file was built with.
#undef G_LOG_DOMAIN
#define G_LOG_DOMAIN (::ipcam::server::media_log_domain())

namespace ipcam::server {

namespace {

constexpr guint kTickMs = 100;
constexpr gint64 kFirstDelayUs = 1 * G_USEC_PER_SEC;
constexpr gint64 kMaxDelayUs = 30 * G_USEC_PER_SEC;
// A run that published this long was a success: the next failure starts
// the back-off from the first delay again.
constexpr gint64 kLastedUs = 10 * G_USEC_PER_SEC;
// The server took nothing for this long while the camera's pictures were
// being dropped for it: it stalled (a server that accepts and never reads
// or answers). Timeouts of the sinks themselves may come first.
constexpr gint64 kStallUs = 5 * G_USEC_PER_SEC;
// Buffers the server must take before the publication counts as up (the
// first one waits for the connection; the next ones for its end).
constexpr uint64_t kUpBuffers = 3;
// The longest a pipeline's stop is waited for (stop() stays well under
// half a second); one that takes longer finishes on its own thread.
constexpr gint64 kStopWaitUs = 300 * 1000;

GstElement *make(const char *factory, const char *name, std::string &error) {
  GstElement *e = gst_element_factory_make(factory, name);
  if (!e && error.empty())
    error = std::string("GStreamer element '") + factory +
            "' is missing: install gstreamer1.0-plugins-bad (rtmp2sink, srtsink, flvmux, mpegtsmux: good and bad) "
            "and gstreamer1.0-rtsp (rtspclientsink)";
  return e;
}

// Sets `pipeline` to NULL and drops it, waiting at most kStopWaitUs: a
// sink stuck on a server that never answers must not hold the caller up.
void stop_pipeline(GstElement *pipeline, const std::string &shown_url) {
  struct Done {
    std::mutex lock;
    std::condition_variable cv;
    bool done = false;
  };
  auto done = std::make_shared<Done>();
  std::thread([pipeline, done] {
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);
    std::lock_guard<std::mutex> l(done->lock);
    done->done = true;
    done->cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> l(done->lock);
  if (!done->cv.wait_for(l, std::chrono::microseconds(kStopWaitUs), [&] { return done->done; }))
    g_warning("publish %s: the pipeline is still stopping; it finishes in the background", shown_url.c_str());
}

}  // namespace

const char *state_name(PublisherState state) {
  switch (state) {
    case PublisherState::connecting: return "connecting";
    case PublisherState::publishing: return "publishing";
    case PublisherState::reconnecting: return "reconnecting";
    case PublisherState::stopped: break;
  }
  return "stopped";
}

Publisher::Publisher(std::string url, std::shared_ptr<CameraHub> hub, GMainContext *main_context)
    : url_(std::move(url)), shown_url_(printable_url(url_)), hub_(std::move(hub)), main_context_(main_context) {}

Publisher::~Publisher() { stop(); }

// An element's text may quote the location: never with its credentials.
std::string Publisher::clean(const std::string &text) const {
  std::string out = text;
  auto replace_all = [&out](const std::string &what, const std::string &with) {
    if (what.empty()) return;
    for (size_t p = out.find(what); p != std::string::npos; p = out.find(what, p + with.size()))
      out.replace(p, what.size(), with);
  };
  replace_all(url_, shown_url_);
  const std::string info = url_userinfo(url_);
  replace_all(info + "@", "");
  const auto colon = info.find(':');
  if (colon != std::string::npos && info.size() - colon > 3) replace_all(info.substr(colon + 1), "***");
  return out;
}

void Publisher::start() {
  if (tick_) return;
  {
    std::lock_guard<std::mutex> l(lock_);
    state_ = PublisherState::reconnecting;  // the first attempt is due now
    next_attempt_us_ = g_get_monotonic_time();
    attempts_ = 0;
    error_.clear();
  }
  g_message("publishing the camera to %s", shown_url_.c_str());
  tick_ = g_timeout_source_new(kTickMs);
  g_source_set_callback(tick_, on_tick, this, nullptr);
  g_source_attach(tick_, main_context_);
  tick();
}

bool Publisher::build(std::string &error) {
  const std::string scheme = url_scheme(url_);
  GstElement *pipeline = gst_pipeline_new(nullptr);
  std::vector<GstElement *> chain = {make("appsrc", "feed", error), make("h264parse", "parse", error)};
  // A queue in front of each muxer ends the latency query there: without
  // it the bin warns "please add queues" (the sinks' latency past a live
  // appsrc's).
  GstElement *sink = nullptr;
  if (scheme == "rtmp" || scheme == "rtmps") {
    GstElement *filter = make("capsfilter", "avc", error);
    if (filter) {
      GstCaps *caps = gst_caps_from_string("video/x-h264,stream-format=avc,alignment=au");
      g_object_set(filter, "caps", caps, nullptr);
      gst_caps_unref(caps);
    }
    GstElement *queue = make("queue", "queue", error);
    GstElement *mux = make("flvmux", "mux", error);
    if (mux) g_object_set(mux, "streamable", TRUE, nullptr);
    sink = make("rtmp2sink", "sink", error);
    if (sink) g_object_set(sink, "location", url_.c_str(), nullptr);
    chain.insert(chain.end(), {filter, queue, mux, sink});
  } else if (scheme == "rtsp") {
    sink = make("rtspclientsink", "sink", error);
    if (sink) g_object_set(sink, "location", url_.c_str(), nullptr);
    chain.push_back(sink);
  } else {
    GstElement *queue = make("queue", "queue", error);
    GstElement *mux = make("mpegtsmux", "mux", error);
    // SRT's live mode takes messages of at most 1316 bytes: seven TS packets
    // each (larger ones, every keyframe, would be lost).
    if (mux) g_object_set(mux, "alignment", 7, nullptr);
    sink = make("srtsink", "sink", error);
    if (sink) g_object_set(sink, "uri", url_.c_str(), nullptr);
    chain.insert(chain.end(), {queue, mux, sink});
  }
  const bool complete = std::all_of(chain.begin(), chain.end(), [](GstElement *e) { return e != nullptr; });
  for (GstElement *e : chain)
    if (e) gst_bin_add(GST_BIN(pipeline), e);
  bool linked = complete;
  for (size_t i = 0; linked && i + 1 < chain.size(); i++) linked = gst_element_link(chain[i], chain[i + 1]);
  if (!linked) {
    if (error.empty()) error = "cannot link the publishing pipeline";
    gst_object_unref(pipeline);
    return false;
  }
  GstElement *src = chain[0];
  g_object_set(src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, nullptr);
  // What the server takes: the pad that feeds the sink. Its push blocks
  // while the sink waits on the server, so the probe counts what went.
  GstPad *last = gst_element_get_static_pad(chain[chain.size() - 2], "src");
  gst_pad_add_probe(last, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST), on_sink_buffer, this, nullptr);
  gst_object_unref(last);

  watch_ = watch_bus(pipeline, on_bus, this, main_context_);
  pipeline_ = pipeline;
  sink_ = sink;
  built_us_ = g_get_monotonic_time();
  published_since_us_ = 0;
  {
    std::lock_guard<std::mutex> l(lock_);
    state_ = PublisherState::connecting;
    progress_us_ = built_us_;
    sink_buffers_ = 0;
  }
  // The new feed first, then the last one goes: the hub always has one.
  feed_ = ViewerFeed::create(GST_APP_SRC(src));
  hub_->attach(feed_);
  drops_at_progress_ = feed_->dropped_gops();
  if (retired_) hub_->detach(retired_);
  retired_.reset();
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    error = "the publishing pipeline cannot start";
    return false;
  }
  return true;
}

// Streaming thread of the element that feeds the sink.
GstPadProbeReturn Publisher::on_sink_buffer(GstPad *, GstPadProbeInfo *, gpointer data) {
  auto *self = static_cast<Publisher *>(data);
  std::lock_guard<std::mutex> l(self->lock_);
  self->progress_us_ = g_get_monotonic_time();
  self->sink_buffers_++;
  return GST_PAD_PROBE_OK;
}

// rtmp2sink takes buffers before the server has answered (it connects in
// the background): up only once the server sent something back.
bool Publisher::server_answered() {
  GstElementFactory *factory = sink_ ? gst_element_get_factory(sink_) : nullptr;
  if (!factory || g_strcmp0(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(factory)), "rtmp2sink") != 0) return true;
  GstStructure *stats = nullptr;
  g_object_get(sink_, "stats", &stats, nullptr);
  guint64 in = 0;
  if (stats) gst_structure_get_uint64(stats, "in-bytes-total", &in);
  if (stats) gst_structure_free(stats);
  return in > 0;
}

gboolean Publisher::on_tick(gpointer data) {
  static_cast<Publisher *>(data)->tick();
  return G_SOURCE_CONTINUE;
}

// Main context: the next attempt when it is due, the publication's progress.
void Publisher::tick() {
  const gint64 now = g_get_monotonic_time();
  PublisherState state = PublisherState::stopped;
  gint64 due = 0, progress = 0;
  uint64_t buffers = 0;
  {
    std::lock_guard<std::mutex> l(lock_);
    state = state_;
    due = next_attempt_us_;
    progress = progress_us_;
    buffers = sink_buffers_;
  }
  if (state == PublisherState::reconnecting) {
    if (now < due) return;
    std::string error;
    if (!build(error)) failed(error);
    return;
  }
  if (!pipeline_) return;
  if (state == PublisherState::connecting && buffers >= kUpBuffers && server_answered()) {
    std::lock_guard<std::mutex> l(lock_);
    state_ = PublisherState::publishing;
    published_since_us_ = now;
    g_message("publish %s: publishing%s", shown_url_.c_str(), attempts_ ? " again" : "");
  }
  const uint64_t drops = feed_->dropped_gops();
  if (progress > built_us_ && now - progress < kTickMs * 1000 * 2) drops_at_progress_ = drops;
  if (drops > drops_at_progress_ && now - progress > kStallUs)
    failed("the media server took nothing for " + std::to_string(kStallUs / G_USEC_PER_SEC) +
           " s (it accepted the connection but does not read or answer)");
}

// Main context. Errors of the sinks (refused, closed, timed out) and the
// hub's (the camera was lost for good) alike: a new pipeline later.
gboolean Publisher::on_bus(GstBus *, GstMessage *msg, gpointer data) {
  auto *self = static_cast<Publisher *>(data);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR:
    case GST_MESSAGE_WARNING: {
      const bool fatal = GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR;
      const std::string text = self->clean(message_text(msg));
      if (fatal) self->failed(text);
      else g_message("publish %s: %s", self->shown_url_.c_str(), text.c_str());
      break;
    }
    case GST_MESSAGE_EOS:
      self->failed("the publishing pipeline ended");
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

void Publisher::failed(const std::string &why) {
  if (!tick_) return;
  const gint64 now = g_get_monotonic_time();
  const bool lasted = published_since_us_ && now - published_since_us_ >= kLastedUs;
  teardown();
  gint64 delay = 0;
  {
    std::lock_guard<std::mutex> l(lock_);
    if (lasted) attempts_ = 0;
    attempts_++;
    delay = std::min(kFirstDelayUs << std::min(attempts_ - 1, 5u), kMaxDelayUs);
    state_ = PublisherState::reconnecting;
    error_ = why;
    next_attempt_us_ = now + delay;
  }
  g_warning("publish %s: %s; next attempt in %lld s", shown_url_.c_str(), why.c_str(),
            static_cast<long long>(delay / G_USEC_PER_SEC));
}

// Main context: the pipeline goes; its feed stays attached (closed) until
// the next pipeline's feed takes over.
void Publisher::teardown() {
  if (watch_) {
    g_source_destroy(watch_);
    g_source_unref(watch_);
    watch_ = nullptr;
  }
  if (feed_) {
    feed_->close();
    if (retired_) hub_->detach(retired_);
    retired_ = std::move(feed_);
    feed_.reset();
  }
  if (pipeline_) stop_pipeline(pipeline_, shown_url_);
  pipeline_ = nullptr;
  sink_ = nullptr;
}

void Publisher::stop() {
  if (!tick_) return;
  g_source_destroy(tick_);
  g_source_unref(tick_);
  tick_ = nullptr;
  // Detached first: the hub offers it nothing more while the pipeline stops.
  if (feed_) hub_->detach(feed_);
  teardown();
  if (retired_) hub_->detach(retired_);
  retired_.reset();
  std::lock_guard<std::mutex> l(lock_);
  state_ = PublisherState::stopped;
}

Publisher::Status Publisher::status() {
  std::lock_guard<std::mutex> l(lock_);
  Status s;
  s.url = shown_url_;
  s.state = state_;
  s.error = error_;
  s.attempts = attempts_;
  if (state_ == PublisherState::reconnecting) {
    s.next_attempt_us = next_attempt_us_;
    s.next_attempt_unix_ms = (g_get_real_time() + (next_attempt_us_ - g_get_monotonic_time())) / 1000;
  }
  return s;
}

}  // namespace ipcam::server
