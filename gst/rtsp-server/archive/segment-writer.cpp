// SegmentWriter: see segment-writer.h.
#include "archive/segment-writer.h"

#include "archive/segment-names.h"
#include "media/bus-watch.h"

#include <gst/app/gstappsrc.h>
#include <glib/gstdio.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace ipcam::server {

namespace {

constexpr guint kFragmentMs = 1000;

GstElement *make(const char *factory, const char *name, std::string &error) {
  GstElement *e = gst_element_factory_make(factory, name);
  if (!e && error.empty())
    error = std::string("GStreamer element '") + factory +
            "' is missing: install gstreamer1.0-plugins-good (mp4mux, splitmuxsink) and gstreamer1.0-plugins-bad "
            "(h264parse)";
  return e;
}

GstStructure *properties(const char *text) { return gst_structure_from_string(text, nullptr); }

// filesink says "Could not open file ... for writing." and keeps the
// reason (errno's text) in the debug string: the status needs both.
std::string error_with_reason(GstMessage *msg) {
  GError *err = nullptr;
  gchar *debug = nullptr;
  gst_message_parse_error(msg, &err, &debug);
  std::string text = err ? err->message : "unknown problem";
  const char *reason = debug ? strstr(debug, "system error: ") : nullptr;
  if (reason) text += std::string(" (") + (reason + strlen("system error: ")) + ")";
  g_clear_error(&err);
  g_free(debug);
  return text;
}

}  // namespace

SegmentWriter::SegmentWriter(const ArchiveFolder &folder, unsigned segment_s, std::shared_ptr<CameraHub> hub,
                             GMainContext *main_context, Events events)
    : folder_(folder),
      segment_s_(segment_s),
      hub_(std::move(hub)),
      main_context_(main_context),
      events_(std::move(events)) {}

SegmentWriter::~SegmentWriter() {
  detach();
  drop_pipeline();
}

bool SegmentWriter::start(std::string &error) {
  GstElement *pipeline = gst_pipeline_new(nullptr);
  GstElement *src = make("appsrc", "feed", error), *parse = make("h264parse", "parse", error),
             *split = make("splitmuxsink", "split", error);
  if (!src || !parse || !split || !gst_element_factory_find("mp4mux")) {
    if (error.empty()) make("mp4mux", nullptr, error);
    for (GstElement *e : {src, parse, split})
      if (e) gst_object_unref(e);
    gst_object_unref(pipeline);
    return false;
  }
  g_object_set(src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, nullptr);
  // A new muxer and file sink per segment (async-finalize): the one closing
  // never holds up the next. Fragments of a second, each written as it is
  // made (buffer-mode 2: unbuffered), so a crash keeps all but the last.
  GstStructure *mux = properties("properties");
  gst_structure_set(mux, "fragment-duration", G_TYPE_UINT, kFragmentMs, nullptr);
  GstStructure *sink = properties("properties, buffer-mode=(int)2");
  g_object_set(split, "max-size-time", guint64(segment_s_) * GST_SECOND, "async-finalize", TRUE, "muxer-factory",
               "mp4mux", "muxer-properties", mux, "sink-factory", "filesink", "sink-properties", sink, nullptr);
  gst_structure_free(mux);
  gst_structure_free(sink);
  g_signal_connect(split, "format-location-full", G_CALLBACK(on_format_location), this);
  gst_bin_add_many(GST_BIN(pipeline), src, parse, split, nullptr);
  if (!gst_element_link_many(src, parse, split, nullptr)) {
    error = "cannot link the archive's pipeline";
    gst_object_unref(pipeline);
    return false;
  }
  pipeline_ = pipeline;
  appsrc_ = src;
  watch_ = watch_bus(pipeline, on_bus, this, main_context_);
  feed_ = ViewerFeed::create(GST_APP_SRC(src), kQueueFrames);
  hub_->attach(feed_);
  attached_ = true;
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    error = "the archive's pipeline cannot start";
    return false;
  }
  return true;
}

// splitmuxsink's streaming thread, before the segment's first byte: its
// name from the wall-clock time of its first frame.
gchar *SegmentWriter::on_format_location(GstElement *splitmux, guint, GstSample *first, gpointer data) {
  const std::string path = static_cast<SegmentWriter *>(data)->name_segment(splitmux, first);
  return g_strdup(path.c_str());
}

std::string SegmentWriter::name_segment(GstElement *splitmux, GstSample *first) {
  gint64 unix_us = g_get_real_time();
  GstBuffer *buffer = first ? gst_sample_get_buffer(first) : nullptr;
  GstClock *clock = gst_element_get_clock(splitmux);
  if (clock && buffer && GST_BUFFER_PTS_IS_VALID(buffer)) {
    const GstClockTime now = gst_clock_get_time(clock), base = gst_element_get_base_time(splitmux);
    const GstClockTime running = now > base ? now - base : 0;
    if (running > GST_BUFFER_PTS(buffer)) unix_us -= gint64(running - GST_BUFFER_PTS(buffer)) / 1000;
  }
  if (clock) gst_object_unref(clock);
  std::string relative;
  for (unsigned serial = 1;; serial++) {
    relative = segment_path(unix_us, serial);
    // A name taken by anything, a dangling link included, is not written through.
    if (!g_file_test(folder_.absolute(relative).c_str(), GFileTest(G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK)))
      break;
  }
  const std::string day = folder_.absolute(relative.substr(0, relative.find('/')));
  std::lock_guard<std::mutex> l(lock_);
  if (g_mkdir_with_parents(day.c_str(), 0750) != 0)
    naming_error_ = "cannot make the folder " + day + ": " + g_strerror(errno);
  current_ = relative;
  recent_.push_back(relative);
  if (recent_.size() > 2) recent_.erase(recent_.begin());
  opened_++;
  return folder_.absolute(relative);
}

// Main context.
gboolean SegmentWriter::on_bus(GstBus *, GstMessage *msg, gpointer data) {
  auto *self = static_cast<SegmentWriter *>(data);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
      std::string text = message_text(msg);
      if (GST_MESSAGE_SRC(msg) == GST_OBJECT(self->appsrc_)) {
        // The hub failed the feed: the camera is gone. The segment is
        // closed properly; the archive comes back for the camera later.
        self->finish();
        if (self->events_.camera_lost) self->events_.camera_lost(self, text);
        break;
      }
      {
        std::lock_guard<std::mutex> l(self->lock_);
        text = self->naming_error_.empty() ? error_with_reason(msg) : self->naming_error_;
      }
      self->abort();
      if (self->events_.write_failed) self->events_.write_failed(self, text);
      break;
    }
    case GST_MESSAGE_ELEMENT: {
      const GstStructure *s = gst_message_get_structure(msg);
      const char *location = s ? gst_structure_get_string(s, "location") : nullptr;
      if (!location || !g_str_has_prefix(location, (self->folder_.root() + "/").c_str())) break;
      const std::string relative = location + self->folder_.root().size() + 1;
      if (gst_structure_has_name(s, "splitmuxsink-fragment-opened") && self->events_.opened)
        self->events_.opened(self, relative);
      else if (gst_structure_has_name(s, "splitmuxsink-fragment-closed") && self->events_.closed)
        self->events_.closed(self, relative);
      break;
    }
    case GST_MESSAGE_EOS: {
      {
        std::lock_guard<std::mutex> l(self->lock_);
        self->current_.clear();
      }
      if (self->events_.ended) self->events_.ended(self);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

void SegmentWriter::detach() {
  if (!attached_) return;
  hub_->detach(feed_);  // closes it: nothing more is pushed
  attached_ = false;
}

void SegmentWriter::finish() {
  if (finishing_ || !pipeline_) return;
  finishing_ = true;
  detach();
  gst_app_src_end_of_stream(GST_APP_SRC(appsrc_));
}

void SegmentWriter::finish_now(gint64 wait_us) {
  if (!pipeline_) return;
  finish();
  if (watch_) {
    g_source_destroy(watch_);
    g_source_unref(watch_);
    watch_ = nullptr;
  }
  GstBus *bus = gst_pipeline_get_bus(GST_PIPELINE(pipeline_));
  GstMessage *msg = gst_bus_timed_pop_filtered(bus, GstClockTime(wait_us) * 1000,
                                               GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  if (!msg) g_warning("archive: the last segment did not close in time; it keeps what was written");
  else gst_message_unref(msg);
  gst_object_unref(bus);
  drop_pipeline();
  std::lock_guard<std::mutex> l(lock_);
  current_.clear();
}

void SegmentWriter::abort() {
  detach();
  drop_pipeline();
}

void SegmentWriter::drop_pipeline() {
  if (watch_) {
    g_source_destroy(watch_);
    g_source_unref(watch_);
    watch_ = nullptr;
  }
  if (!pipeline_) return;
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(pipeline_);
  pipeline_ = appsrc_ = nullptr;
}

std::string SegmentWriter::current() {
  std::lock_guard<std::mutex> l(lock_);
  return current_;
}

std::vector<std::string> SegmentWriter::recent() {
  std::lock_guard<std::mutex> l(lock_);
  return recent_;
}

uint64_t SegmentWriter::segments_opened() {
  std::lock_guard<std::mutex> l(lock_);
  return opened_;
}

}  // namespace ipcam::server
