// WebrtcViewer: see webrtc-viewer.h.
#include "webrtc/webrtc-viewer.h"

#include "media/bus-watch.h"
#include "webrtc/webrtc-sdp.h"

#include <gst/app/gstappsrc.h>
#include <libsoup/soup.h>
#include <gst/sdp/sdp.h>
#include <nice/agent.h>

#include <malloc.h>

#include <thread>
#include <utility>

namespace ipcam::server {

namespace {

// A viewer whose browser sent no receiver report for this long has gone
// (closed tab, lost network): Chromium reports about once a second.
constexpr gint64 kSilentUs = 3 * G_USEC_PER_SEC;
// An answered viewer whose connection (ICE and DTLS) is not up by then
// never will be: a browser connects within a second or two.
constexpr gint64 kConnectUs = 10 * G_USEC_PER_SEC;
constexpr guint kPollMs = 50;
// Viewers whose pipeline is still stopping (in the background).
std::atomic<int> stopping{0};
// ICE gathering on one host address takes milliseconds; when it does not
// end (no port free in --webrtc-ports), the offer is refused.
constexpr gint64 kGatherUs = 5 * G_USEC_PER_SEC;

}  // namespace

std::shared_ptr<WebrtcViewer> WebrtcViewer::create(const WebrtcSettings &settings, std::shared_ptr<CameraHub> hub,
                                                   GMainContext *main_context) {
  return std::shared_ptr<WebrtcViewer>(new WebrtcViewer(settings, std::move(hub), main_context));
}

WebrtcViewer::WebrtcViewer(const WebrtcSettings &settings, std::shared_ptr<CameraHub> hub,
                           GMainContext *main_context)
    : settings_(settings), hub_(std::move(hub)), main_context_(main_context) {}

WebrtcViewer::~WebrtcViewer() {
  if (offer_desc_) gst_webrtc_session_description_free(offer_desc_);
  if (appsrc_) gst_object_unref(appsrc_);
  if (webrtc_) gst_object_unref(webrtc_);
  if (pipeline_) gst_object_unref(pipeline_);
}

void WebrtcViewer::post_to_main(std::function<void()> fn) {
  auto *job = new std::function<void()>([self = shared_from_this(), fn = std::move(fn)] { fn(); });
  g_main_context_invoke_full(
      main_context_, G_PRIORITY_DEFAULT,
      +[](gpointer data) -> gboolean {
        (*static_cast<std::function<void()> *>(data))();
        return G_SOURCE_REMOVE;
      },
      job, +[](gpointer data) { delete static_cast<std::function<void()> *>(data); });
}

void WebrtcViewer::answer(guint status, const std::string &text) {
  if (answered_) return;
  answered_ = true;
  started_us_ = g_get_monotonic_time();  // from now on: the time the browser has to connect
  if (status >= 300 && why_over_.empty()) why_over_ = text;
  if (status >= 300) failed_ = true;
  if (auto done = std::move(done_)) done(status, text);
}

bool WebrtcViewer::build(std::string &error) {
  pipeline_ = gst_pipeline_new(nullptr);
  GstElement *src = gst_element_factory_make("appsrc", "feed");
  GstElement *pay = gst_element_factory_make("rtph264pay", "pay");
  GstElement *filter = gst_element_factory_make("capsfilter", "rtpcaps");
  GstElement *webrtc = gst_element_factory_make("webrtcbin", "web");
  if (!src || !pay || !filter || !webrtc) {
    for (GstElement *e : {src, pay, filter, webrtc})
      if (e) gst_object_unref(e);
    error = "webrtcbin or rtph264pay is missing: install gstreamer1.0-plugins-bad, -good and gstreamer1.0-nice";
    return false;
  }
  g_object_set(src, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, nullptr);
  // The hub's access units carry SPS and PPS in front of every keyframe.
  g_object_set(pay, "config-interval", 0, "aggregate-mode", 1 /* zero-latency */, nullptr);
  g_object_set(webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, nullptr);
  gst_bin_add_many(GST_BIN(pipeline_), src, pay, filter, webrtc, nullptr);
  webrtc_ = GST_ELEMENT(gst_object_ref(webrtc));
  appsrc_ = GST_ELEMENT(gst_object_ref(src));
  if (!gst_element_link_many(src, pay, filter, nullptr)) {
    error = "cannot link the WebRTC pipeline";
    return false;
  }

  GstWebRTCICE *ice = nullptr;
  g_object_get(webrtc, "ice-agent", &ice, nullptr);
  if (ice) {
    if (settings_.min_port)
      g_object_set(ice, "min-rtp-port", guint(settings_.min_port), "max-rtp-port",
                   guint(settings_.max_port), nullptr);
    g_object_set(ice, "ice-tcp", FALSE, nullptr);
    NiceAgent *agent = nullptr;
    g_object_get(ice, "agent", &agent, nullptr);
    // libnice asks the router (UPnP IGD) to forward a port from the
    // internet for every viewer, and leaves it open if the server dies:
    // never. Set before gathering, which is when libnice would ask.
    if (agent) g_object_set(agent, "upnp", FALSE, nullptr);
    // libnice leaves loopback out of its host candidates: when we serve on
    // one address (loopback or not), that address is the only one offered.
    g_autoptr(GInetAddress) bind = g_inet_address_new_from_string(settings_.bind.c_str());
    if (agent && bind && !g_inet_address_get_is_any(bind)) {
      NiceAddress addr;
      nice_address_init(&addr);
      if (nice_address_set_from_string(&addr, settings_.bind.c_str())) nice_agent_add_local_address(agent, &addr);
    }
    if (agent) g_object_unref(agent);
    gst_object_unref(ice);
  }
  g_signal_connect(webrtc, "notify::ice-gathering-state", G_CALLBACK(on_gathering), this);
  g_signal_connect(webrtc, "notify::connection-state", G_CALLBACK(on_connection), this);
  g_signal_connect(webrtc, "notify::ice-connection-state", G_CALLBACK(on_ice_state), this);
  g_signal_connect(webrtc, "on-ice-candidate", G_CALLBACK(on_ice_candidate), this);
  if (GstElement *rtpbin = gst_bin_get_by_name(GST_BIN(webrtc), "rtpbin")) {
    g_signal_connect(rtpbin, "on-ssrc-active", G_CALLBACK(on_rtcp), this);
    gst_object_unref(rtpbin);
  }

  watch_ = watch_bus(pipeline_, on_bus, this, main_context_);
  return true;
}

void WebrtcViewer::start(const std::string &offer, AnswerFn done) {
  done_ = std::move(done);
  started_us_ = g_get_monotonic_time();
  GstSDPMessage *sdp = nullptr;
  if (offer.empty()) {  // GstSDP would complain (a CRITICAL) rather than fail
    answer(SOUP_STATUS_BAD_REQUEST, "the offer is empty: POST the browser's SDP offer");
    return;
  }
  gst_sdp_message_new_from_text(offer.c_str(), &sdp);
  if (!sdp || choose_h264_payload(sdp, "") < 0) {
    if (sdp) gst_sdp_message_free(sdp);
    answer(SOUP_STATUS_BAD_REQUEST,
           "the offer has no H.264 (packetization-mode=1, payload type 96-127) video to receive");
    return;
  }
  offer_desc_ = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  std::string error;
  if (!build(error)) {
    answer(SOUP_STATUS_INTERNAL_SERVER_ERROR, error);
    return;
  }
  // The camera first, through a holding feed: the payload type depends on
  // its profile, and the answer waits for a picture anyway.
  feed_ = ViewerFeed::create(GST_APP_SRC(appsrc_), ViewerFeed::kDefaultQueueFrames, true);
  hub_->attach(feed_);
  wait_for_camera();
}

// Main context: polls the holding feed until the camera's first keyframe.
void WebrtcViewer::wait_for_camera() {
  g_timeout_add_full(G_PRIORITY_DEFAULT, kPollMs, +[](gpointer data) -> gboolean {
    auto &self = *static_cast<std::shared_ptr<WebrtcViewer> *>(data);
    if (self->closed_ || self->answered_) return G_SOURCE_REMOVE;
    // A camera already streaming, its profile known: no wait for a keyframe.
    std::string profile = self->hub_->profile_level_id();
    if (GstSample *key = profile.empty() ? self->feed_->held_keyframe() : nullptr) {
      profile = sps_profile_level_id(gst_sample_get_buffer(key));
      gst_sample_unref(key);
      if (!profile.empty()) self->hub_->set_profile_level_id(profile);
    }
    if (!profile.empty()) {
      self->negotiate(profile);
      return G_SOURCE_REMOVE;
    }
    if (g_get_monotonic_time() - self->started_us_ >
        gint64(self->settings_.camera_timeout_ms) * 1000 + 10 * G_USEC_PER_SEC) {
      self->answer(SOUP_STATUS_SERVICE_UNAVAILABLE, "the camera sent no picture");
      return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
  }, new std::shared_ptr<WebrtcViewer>(shared_from_this()),
  +[](gpointer data) { delete static_cast<std::shared_ptr<WebrtcViewer> *>(data); });
}

// Main context: payload type and caps from the camera's profile, then the
// offer, the answer, and ICE gathering (webrtcbin's thread from here on).
void WebrtcViewer::negotiate(const std::string &camera) {
  const int pt = choose_h264_payload(offer_desc_->sdp, camera);
  if (pt < 0) {
    answer(SOUP_STATUS_NOT_ACCEPTABLE, "the offer has no packetization-mode=1 H.264 entry for the camera's profile " +
                                           camera);
    return;
  }
  g_debug("WebRTC viewer: camera profile %s, payload type %d", camera.c_str(), pt);
  GstElement *pay = gst_bin_get_by_name(GST_BIN(pipeline_), "pay");
  GstElement *filter = gst_bin_get_by_name(GST_BIN(pipeline_), "rtpcaps");
  g_object_set(pay, "pt", guint(pt), nullptr);
  GstCaps *caps = gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name",
                                      G_TYPE_STRING, "H264", "payload", G_TYPE_INT, pt, "clock-rate", G_TYPE_INT,
                                      90000, "packetization-mode", G_TYPE_STRING, "1", "profile-level-id",
                                      G_TYPE_STRING, camera.c_str(), nullptr);
  g_object_set(filter, "caps", caps, nullptr);
  gst_caps_unref(caps);
  const bool linked = gst_element_link(filter, webrtc_);
  gst_object_unref(pay);
  gst_object_unref(filter);
  GstWebRTCRTPTransceiver *trans = nullptr;
  g_signal_emit_by_name(webrtc_, "get-transceiver", 0, &trans);
  if (!linked || !trans) {
    answer(SOUP_STATUS_INTERNAL_SERVER_ERROR, "cannot set up webrtcbin's sender");
    return;
  }
  g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, nullptr);
  gst_object_unref(trans);
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    answer(SOUP_STATUS_INTERNAL_SERVER_ERROR, "the WebRTC pipeline cannot start");
    return;
  }
  negotiating_ = true;
  negotiate_us_ = g_get_monotonic_time();
  auto *keep = new std::shared_ptr<WebrtcViewer>(shared_from_this());
  GstPromise *set_remote = gst_promise_new_with_change_func(
      +[](GstPromise *p, gpointer data) {
        auto &self = *static_cast<std::shared_ptr<WebrtcViewer> *>(data);
        gst_promise_unref(p);
        auto *keep_answer = new std::shared_ptr<WebrtcViewer>(self);
        GstPromise *create = gst_promise_new_with_change_func(
            +[](GstPromise *p2, gpointer data2) {
              auto &me = *static_cast<std::shared_ptr<WebrtcViewer> *>(data2);
              GstWebRTCSessionDescription *desc = nullptr;
              if (gst_promise_wait(p2) == GST_PROMISE_RESULT_REPLIED)
                gst_structure_get(gst_promise_get_reply(p2), "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc,
                                  nullptr);
              gst_promise_unref(p2);
              if (!desc) {
                me->post_to_main([m = me.get()] { m->answer(SOUP_STATUS_BAD_REQUEST, "webrtcbin cannot answer this offer"); });
                return;
              }
              // Gathering starts here; the answer goes once it completes.
              g_signal_emit_by_name(me->webrtc_, "set-local-description", desc, nullptr);
              gst_webrtc_session_description_free(desc);
            },
            keep_answer, +[](gpointer d) { delete static_cast<std::shared_ptr<WebrtcViewer> *>(d); });
        g_signal_emit_by_name(self->webrtc_, "create-answer", nullptr, create);
      },
      keep, +[](gpointer d) { delete static_cast<std::shared_ptr<WebrtcViewer> *>(d); });
  g_signal_emit_by_name(webrtc_, "set-remote-description", offer_desc_, set_remote);
}

// Main context: the local description, with every candidate, as the answer.
void WebrtcViewer::answer_with_description() {
  if (answered_ || closed_) return;
  GstWebRTCSessionDescription *desc = nullptr;
  g_object_get(webrtc_, "local-description", &desc, nullptr);
  if (!desc) {
    answer(SOUP_STATUS_INTERNAL_SERVER_ERROR, "webrtcbin has no local description");
    return;
  }
  {
    std::lock_guard<std::mutex> l(lock_);
    add_candidates(desc->sdp, candidates_);
  }
  if (candidate_count(desc->sdp) == 0) {
    gst_webrtc_session_description_free(desc);
    no_candidates();
    return;
  }
  g_autofree char *text = gst_sdp_message_as_text(desc->sdp);
  gst_webrtc_session_description_free(desc);
  answer(SOUP_STATUS_CREATED, text);
}

void WebrtcViewer::no_candidates() {
  answer(SOUP_STATUS_SERVICE_UNAVAILABLE, settings_.min_port
                                              ? "no UDP port free for WebRTC in --webrtc-ports (one per viewer)"
                                              : "no address for WebRTC (ICE gathering found none)");
}

void WebrtcViewer::on_gathering(GObject *, GParamSpec *, gpointer data) {
  auto *self = static_cast<WebrtcViewer *>(data);
  GstWebRTCICEGatheringState state;
  g_object_get(self->webrtc_, "ice-gathering-state", &state, nullptr);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE) self->post_to_main([self] { self->answer_with_description(); });
}

void WebrtcViewer::on_ice_candidate(GstElement *, guint, const char *candidate, gpointer data) {
  auto *self = static_cast<WebrtcViewer *>(data);
  std::lock_guard<std::mutex> l(self->lock_);
  if (candidate && *candidate) self->candidates_.emplace_back(candidate);
}

void WebrtcViewer::on_connection(GObject *, GParamSpec *, gpointer data) {
  auto *self = static_cast<WebrtcViewer *>(data);
  GstWebRTCPeerConnectionState state;
  g_object_get(self->webrtc_, "connection-state", &state, nullptr);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && !self->connected_) {
    self->last_report_us_ = g_get_monotonic_time();
    self->connected_ = true;
    // DTLS is up: the viewer opens at the camera's next keyframe.
    self->feed_->release_hold();
    g_message("a browser viewer connected");
  } else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED || state == GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED) {
    self->failed_ = true;
  }
}

void WebrtcViewer::on_ice_state(GObject *, GParamSpec *, gpointer data) {
  auto *self = static_cast<WebrtcViewer *>(data);
  GstWebRTCICEConnectionState state;
  g_object_get(self->webrtc_, "ice-connection-state", &state, nullptr);
  if (state == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED || state == GST_WEBRTC_ICE_CONNECTION_STATE_CLOSED)
    self->failed_ = true;
}

void WebrtcViewer::on_rtcp(GstElement *, guint, guint, gpointer data) {
  static_cast<WebrtcViewer *>(data)->last_report_us_ = g_get_monotonic_time();
}

// Main context. The hub fails a feed whose camera cannot be used.
gboolean WebrtcViewer::on_bus(GstBus *, GstMessage *msg, gpointer data) {
  auto *self = static_cast<WebrtcViewer *>(data);
  if (GST_MESSAGE_TYPE(msg) != GST_MESSAGE_ERROR) return G_SOURCE_CONTINUE;
  const std::string text = message_text(msg);
  const bool from_feed = GST_MESSAGE_SRC(msg) == GST_OBJECT(self->appsrc_);
  if (!from_feed) g_message("WebRTC viewer: %s", text.c_str());
  if (self->why_over_.empty()) self->why_over_ = text;
  self->failed_ = true;
  self->answer(SOUP_STATUS_SERVICE_UNAVAILABLE, text);
  return G_SOURCE_CONTINUE;
}

bool WebrtcViewer::over() {
  if (closed_ || failed_) return true;
  const gint64 now = g_get_monotonic_time();
  if (!answered_) {
    if (negotiating_ && now - negotiate_us_ > kGatherUs) no_candidates();
    return answered_;
  }
  if (connected_) {
    if (now - last_report_us_ > kSilentUs) {
      if (why_over_.empty()) why_over_ = "the browser stopped reporting";
      return true;
    }
    return false;
  }
  if (now - started_us_ > kConnectUs) {
    if (why_over_.empty()) why_over_ = "the browser never connected";
    return true;
  }
  return false;
}

void WebrtcViewer::close() {
  if (closed_) return;
  closed_ = true;
  if (!answered_) answer(SOUP_STATUS_SERVICE_UNAVAILABLE, "the server is stopping");
  if (watch_) {
    g_source_destroy(watch_);
    g_source_unref(watch_);
    watch_ = nullptr;
  }
  if (feed_) hub_->detach(feed_);
  if (!pipeline_) return;
  // Stopping webrtcbin waits for its threads: not on the main context.
  stopping++;
  std::thread([self = shared_from_this()]() mutable {
    gst_element_set_state(self->pipeline_, GST_STATE_NULL);
    g_signal_handlers_disconnect_by_data(self->webrtc_, self.get());
    self.reset();  // the pipeline goes with the last reference, usually this one
    // The last of a burst of viewers stopped: the heap their threads grew
    // (glibc keeps an arena per thread) goes back to the system.
    if (--stopping == 0) malloc_trim(0);
  }).detach();
}

bool WebrtcViewer::wait_all_stopped(gint64 limit_us) {
  const gint64 end = g_get_monotonic_time() + limit_us;
  while (stopping > 0 && g_get_monotonic_time() < end) g_usleep(10000);
  return stopping == 0;
}

}  // namespace ipcam::server
