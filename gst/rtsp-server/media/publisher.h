// Publisher: one camera's stream pushed to one media server URL, for when
// the viewers outgrow one machine (docs/publishing.md).
//
//   camera hub ──► ViewerFeed ──► appsrc ! h264parse ! <mux> ! <sink>
//
//   rtmp://, rtmps://  h264parse ! video/x-h264,stream-format=avc ! queue ! flvmux streamable=true ! rtmp2sink
//   rtsp://            h264parse ! rtspclientsink   (RECORD)
//   srt://             h264parse ! queue ! mpegtsmux alignment=7 ! srtsink
//
// The publication is a permanent viewer of the hub: it keeps the camera
// connected and shares its one login with the local viewers. Its pipeline
// is its own: on any error (the server went away, refused, stalled) only
// that pipeline is torn down and built again after a back-off (1 s doubling
// to 30 s; back to 1 s after a run that lasted), while the camera session
// and the other viewers carry on. Between two pipelines the last feed stays
// attached (closed), so the hub never lingers out and drops the camera.
//
// States (PublisherState): connecting (pipeline built, the server has not
// taken the stream yet), publishing, reconnecting (waiting for the next
// attempt), stopped. URLs and error texts it shows never hold credentials.
#pragma once

#include "media/camera-hub.h"
#include "media/viewer-feed.h"

#include <gst/gst.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ipcam::server {

enum class PublisherState { connecting, publishing, reconnecting, stopped };

// "connecting", "publishing", "reconnecting", "stopped": as the status shows it.
const char *state_name(PublisherState state);

class Publisher {
 public:
  struct Status {
    std::string url;    // without credentials
    PublisherState state = PublisherState::stopped;
    std::string error;  // the last error, without credentials; empty if none
    unsigned attempts = 0;       // failed attempts in a row
    gint64 next_attempt_us = 0;  // monotonic, while reconnecting
    int64_t next_attempt_unix_ms = 0;  // wall clock, while reconnecting
  };

  // `url` must have passed check_publish_url() (publish-url.h). Nothing happens before start().
  Publisher(std::string url, std::shared_ptr<CameraHub> hub, GMainContext *main_context);
  ~Publisher();
  Publisher(const Publisher &) = delete;
  Publisher &operator=(const Publisher &) = delete;

  // Main context.
  void start();
  // Main context. Prompt (well under 0.5 s) whatever the server does:
  // the feed is detached and the pipeline stopped on a thread that is
  // waited for a bounded time.
  void stop();
  Status status();

 private:
  static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer self);
  static gboolean on_tick(gpointer self);
  static GstPadProbeReturn on_sink_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer self);
  bool build(std::string &error);
  void tick();
  void failed(const std::string &why);
  void teardown();
  bool server_answered();
  std::string clean(const std::string &text) const;

  const std::string url_;
  const std::string shown_url_;
  std::shared_ptr<CameraHub> hub_;
  GMainContext *main_context_;

  // Main context only.
  GstElement *pipeline_ = nullptr;
  GstElement *sink_ = nullptr;  // in pipeline_
  GSource *watch_ = nullptr;
  GSource *tick_ = nullptr;
  std::shared_ptr<ViewerFeed> feed_;     // attached to the hub
  std::shared_ptr<ViewerFeed> retired_;  // the last pipeline's feed, kept attached until the next one
  gint64 built_us_ = 0;
  gint64 published_since_us_ = 0;
  uint64_t drops_at_progress_ = 0;

  std::mutex lock_;  // the status and the probe's counters
  PublisherState state_ = PublisherState::stopped;
  std::string error_;
  unsigned attempts_ = 0;
  gint64 next_attempt_us_ = 0;
  gint64 progress_us_ = 0;  // a buffer reached the sink
  uint64_t sink_buffers_ = 0;
};

}  // namespace ipcam::server
