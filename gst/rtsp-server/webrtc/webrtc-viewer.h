// WebrtcViewer: one browser's view of the camera, over WebRTC.
//
//   hub ──► ViewerFeed ──► appsrc ! rtph264pay ! webrtcbin   (one per viewer)
//
// H.264 passes through as the camera sends it. The feed holds until the
// browser's connection is up and then opens at the next keyframe. The
// answer is sent once ICE gathering is complete (every candidate in it, no
// trickle), and only once the camera streams: a camera that cannot be
// reached gives the viewer's POST a 503 instead of a silent picture.
//
// The payload type comes from the offer: its packetization-mode=1 H.264
// entry whose profile matches the camera's (read from the camera's SPS).
// When bound to loopback, 127.0.0.1 is given to libnice explicitly (it
// skips loopback addresses otherwise). libnice's UPnP is off: no viewer
// opens a port on the user's router. A viewer is over when DELETE comes,
// ICE fails, or its receiver reports stop (a closed tab sends nothing).
#pragma once

#include "media/camera-hub.h"
#include "media/viewer-feed.h"

#include <gst/gst.h>
#include <gst/webrtc/webrtc.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ipcam::server {

// What a browser viewer needs of the server's settings.
struct WebrtcSettings {
  std::string bind;               // --bind: the one address offered when not an any-address
  uint16_t min_port = 0;          // --webrtc-ports; 0 = any
  uint16_t max_port = 0;
  unsigned camera_timeout_ms = 0;  // the camera's: how long its first picture may take
};

class WebrtcViewer : public std::enable_shared_from_this<WebrtcViewer> {
 public:
  // Main context, once: 201 with the SDP answer, or an error status with
  // the reason.
  using AnswerFn = std::function<void(guint status, const std::string &text)>;

  static std::shared_ptr<WebrtcViewer> create(const WebrtcSettings &settings, std::shared_ptr<CameraHub> hub,
                                              GMainContext *main_context);
  ~WebrtcViewer();
  WebrtcViewer(const WebrtcViewer &) = delete;
  WebrtcViewer &operator=(const WebrtcViewer &) = delete;

  // Main context. Starts the camera (through the hub) and the negotiation.
  void start(const std::string &offer, AnswerFn done);
  // Main context: true once the viewer is gone (failed, left, or never
  // connected) and should be closed.
  bool over();
  // Main context: lets go of the hub and stops the pipeline (in the
  // background). Idempotent.
  void close();

  const std::string &why_over() const { return why_over_; }
  // Any thread: ICE and DTLS are up (until then the viewer is pending).
  bool connected() const { return connected_; }

  // Waits (up to `limit_us`) until every closed viewer's pipeline stopped:
  // at exit, so that none is still stopping as the process ends.
  static bool wait_all_stopped(gint64 limit_us);

 private:
  WebrtcViewer(const WebrtcSettings &settings, std::shared_ptr<CameraHub> hub, GMainContext *main_context);
  bool build(std::string &error);
  void wait_for_camera();
  void negotiate(const std::string &camera_profile);
  void answer_with_description();
  void no_candidates();
  void answer(guint status, const std::string &text);  // main context
  void post_to_main(std::function<void()> fn);
  static gboolean on_bus(GstBus *, GstMessage *msg, gpointer self);
  static void on_gathering(GObject *, GParamSpec *, gpointer self);
  static void on_connection(GObject *, GParamSpec *, gpointer self);
  static void on_ice_state(GObject *, GParamSpec *, gpointer self);
  static void on_ice_candidate(GstElement *, guint mline, const char *candidate, gpointer self);
  static void on_rtcp(GstElement *, guint session, guint ssrc, gpointer self);

  const WebrtcSettings settings_;
  std::shared_ptr<CameraHub> hub_;
  GMainContext *main_context_;
  std::string offer_;
  AnswerFn done_;
  GstWebRTCSessionDescription *offer_desc_ = nullptr;  // owned

  GstElement *pipeline_ = nullptr;  // owned
  GstElement *webrtc_ = nullptr;    // owned reference
  GstElement *appsrc_ = nullptr;    // owned reference
  GSource *watch_ = nullptr;
  std::shared_ptr<ViewerFeed> feed_;
  gint64 started_us_ = 0;
  gint64 negotiate_us_ = 0;
  bool answered_ = false;
  bool closed_ = false;
  bool negotiating_ = false;
  std::string why_over_;
  std::mutex lock_;
  std::vector<std::string> candidates_;  // gathered, for an answer that lacks them

  std::atomic<bool> connected_{false};
  std::atomic<bool> failed_{false};
  std::atomic<bool> feed_failed_{false};  // the hub failed the feed: the camera cannot be used
  std::atomic<gint64> last_report_us_{0};  // the browser's last RTCP
};

}  // namespace ipcam::server
