// CameraStream: one shared media per camera, held for --linger after the
// last client leaves. See camera-stream.h for why the hold exists.
#include "camera-stream.h"

#include <functional>
#include <memory>
#include <utility>

namespace ipcam_rtsp {

namespace {

// ipcamsrc is named "src" so the control API can find it; SPS/PPS go out
// with every keyframe (h264parse and the payloader) so late joiners start
// cleanly at the next keyframe.
constexpr const char *kLaunch =
    "( ipcamsrc name=src ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 config-interval=-1 )";
constexpr guint kTickMs = 250;

using Task = std::function<void()>;

// Runs `fn` on `context`'s thread (at once if we are on it).
void run_on(GMainContext *context, Task fn) {
  g_main_context_invoke_full(
      context, G_PRIORITY_DEFAULT,
      [](gpointer p) -> gboolean {
        (*static_cast<Task *>(p))();
        return G_SOURCE_REMOVE;
      },
      new Task(std::move(fn)), [](gpointer p) { delete static_cast<Task *>(p); });
}

template <typename T>
std::shared_ptr<T> shared_ref(T *object) {
  return std::shared_ptr<T>(static_cast<T *>(g_object_ref(object)), [](T *o) { g_object_unref(o); });
}

template <typename T>
void replace_ref(T *&slot, T *value) {
  if (value) g_object_ref(value);
  if (slot) g_object_unref(slot);
  slot = value;
}

GstRTSPFilterResult remove_client(GstRTSPServer *, GstRTSPClient *, gpointer) { return GST_RTSP_FILTER_REMOVE; }
GstRTSPFilterResult remove_session(GstRTSPSessionPool *, GstRTSPSession *, gpointer) {
  return GST_RTSP_FILTER_REMOVE;
}

}  // namespace

CameraStream::CameraStream(const ServerOptions &options, std::string address)
    : options_(options), address_(std::move(address)) {}

CameraStream::~CameraStream() {
  if (tick_id_) g_source_remove(tick_id_);
  if (hold_) g_object_unref(hold_);
  replace_ref<GstRTSPMedia>(media_, nullptr);
  replace_ref<GstElement>(source_, nullptr);
  if (factory_) g_object_unref(factory_);
}

void CameraStream::attach(GstRTSPServer *server) {
  server_ = server;
  main_context_ = g_main_context_default();
  factory_ = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(factory_, kLaunch);
  gst_rtsp_media_factory_set_shared(factory_, TRUE);
  gst_rtsp_media_factory_set_protocols(factory_,
                                       GstRTSPLowerTrans(GST_RTSP_LOWER_TRANS_UDP | GST_RTSP_LOWER_TRANS_TCP));
  if (options_.auth_enabled()) {
    gst_rtsp_media_factory_add_role(factory_, "viewer", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN, TRUE,
                                    GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE, nullptr);
  }
  g_signal_connect(factory_, "media-configure", G_CALLBACK(on_media_configure), this);

  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_mount_points_add_factory(mounts, options_.mount.c_str(),
                                    GST_RTSP_MEDIA_FACTORY(g_object_ref(factory_)));
  g_object_unref(mounts);

  g_signal_connect(server, "client-connected", G_CALLBACK(on_client_connected), this);
  tick_id_ = g_timeout_add(kTickMs, on_tick, this);
}

void CameraStream::configure_source(GstElement *src) {
  g_object_set(src, "address", address_.c_str(), "control-port", guint(options_.control_port), "preview-port",
               guint(options_.preview_port), "http-port", guint(options_.http_port), "user",
               options_.user.c_str(), "password", options_.password.c_str(), "timeout", options_.timeout_ms,
               nullptr);
  if (options_.reconnect_attempts >= -1) g_object_set(src, "reconnect-attempts", options_.reconnect_attempts, nullptr);
  if (options_.reconnect_backoff_ms >= 0)
    g_object_set(src, "reconnect-backoff", guint(options_.reconnect_backoff_ms), nullptr);
  if (address_.empty()) {
    if (!options_.broadcast.empty()) g_object_set(src, "discovery-address", options_.broadcast[0].c_str(), nullptr);
    if (!options_.discovery_ports.empty()) {
      std::string ports;
      for (auto p : options_.discovery_ports) ports += (ports.empty() ? "" : ",") + std::to_string(p);
      g_object_set(src, "discovery-ports", ports.c_str(), nullptr);
    }
  }
}

// Client thread, once per new media (the factory shares it afterwards).
void CameraStream::on_media_configure(GstRTSPMediaFactory *, GstRTSPMedia *media, CameraStream *self) {
  GstElement *element = gst_rtsp_media_get_element(media);
  GstElement *src = gst_bin_get_by_name(GST_BIN(element), "src");
  g_object_unref(element);
  if (!src) {
    g_warning("the stream has no element named src");
    return;
  }
  self->configure_source(src);
  // ipcamsrc ends its stream (EOS, after an error) when it gives up.
  GstPad *pad = gst_element_get_static_pad(src, "src");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, GstPadProbeCallback(on_source_event), self, nullptr);
  g_object_unref(pad);
  // The media keeps its bus watch to itself; sync messages, in addition,
  // let the server say on stderr what ipcamsrc went through. Only the
  // pipeline's bus sees them (a bin's own bus forwards and drops them).
  GstObject *top = GST_OBJECT(g_object_ref(src));
  while (GstObject *parent = gst_object_get_parent(top)) {
    gst_object_unref(top);
    top = parent;
  }
  if (GstBus *bus = GST_IS_PIPELINE(top) ? gst_pipeline_get_bus(GST_PIPELINE(top)) : nullptr) {
    gst_bus_enable_sync_message_emission(bus);
    g_signal_connect(bus, "sync-message", G_CALLBACK(on_sync_message), self);
    gst_object_unref(bus);
  } else {
    g_warning("the stream is not in a pipeline yet: the camera's own messages will not be shown");
  }
  gst_object_unref(top);

  g_signal_connect(media, "prepared", G_CALLBACK(+[](GstRTSPMedia *m, CameraStream *s) {
                     auto ref = shared_ref(m);
                     run_on(s->main_context_, [s, ref] { s->media_prepared(ref.get()); });
                   }),
                   self);
  g_signal_connect(media, "unprepared", G_CALLBACK(+[](GstRTSPMedia *m, CameraStream *s) {
                     auto ref = shared_ref(m);
                     run_on(s->main_context_, [s, ref] { s->media_unprepared(ref.get()); });
                   }),
                   self);
  {
    std::lock_guard<std::mutex> l(self->lock_);
    replace_ref(self->media_, media);
    replace_ref(self->source_, src);
  }
  g_object_unref(src);
  g_message("a client arrived: connecting to the camera");
}

// Posting thread: ipcamsrc's warnings ("Lost the camera (...);
// reconnecting."), errors and reconnects, logged from the main thread.
// ipcamsrc's texts never hold the password.
void CameraStream::on_sync_message(GstBus *, GstMessage *msg, CameraStream *self) {
  GstObject *from = GST_MESSAGE_SRC(msg);
  if (!from || !GST_IS_ELEMENT(from) || g_strcmp0(GST_OBJECT_NAME(from), "src") != 0) return;
  std::string text;
  bool warning = false;
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_WARNING:
    case GST_MESSAGE_ERROR: {
      GError *err = nullptr;
      if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING) {
        gst_message_parse_warning(msg, &err, nullptr);
      } else {
        gst_message_parse_error(msg, &err, nullptr);
        warning = true;
      }
      text = std::string("camera: ") + (err ? err->message : "unknown problem");
      g_clear_error(&err);
      break;
    }
    case GST_MESSAGE_ELEMENT: {
      const GstStructure *s = gst_message_get_structure(msg);
      int attempt = 0;
      if (!s || !gst_structure_has_name(s, "ipcam-reconnected")) return;
      gst_structure_get_int(s, "attempt", &attempt);
      text = "camera: reconnected (attempt " + std::to_string(attempt) + "); clients keep watching";
      break;
    }
    default:
      return;
  }
  run_on(self->main_context_, [text, warning] {
    if (warning)
      g_warning("%s", text.c_str());
    else
      g_message("%s", text.c_str());
  });
}

GstPadProbeReturn CameraStream::on_source_event(GstPad *pad, GstPadProbeInfo *info, CameraStream *self) {
  if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) {
    GstElement *src = gst_pad_get_parent_element(pad);
    std::shared_ptr<GstRTSPMedia> media;
    {
      std::lock_guard<std::mutex> l(self->lock_);
      if (src == self->source_ && self->media_) media = shared_ref(self->media_);
    }
    if (src) g_object_unref(src);
    if (media) run_on(self->main_context_, [self, media] { self->camera_gave_up(media.get()); });
  }
  return GST_PAD_PROBE_OK;
}

void CameraStream::on_client_connected(GstRTSPServer *, GstRTSPClient *client, CameraStream *self) {
  g_signal_connect(client, "pre-play-request", G_CALLBACK(on_pre_play), self);
}

// The camera's live stream cannot seek, and a seek on a shared media would
// flush every other client's stream: ignore the Range a PLAY asks for.
GstRTSPStatusCode CameraStream::on_pre_play(GstRTSPClient *, GstRTSPContext *ctx, CameraStream *) {
  if (ctx->request) gst_rtsp_message_remove_header(ctx->request, GST_RTSP_HDR_RANGE, -1);
  return GST_RTSP_STS_OK;
}

void CameraStream::media_prepared(GstRTSPMedia *media) {
  {
    std::lock_guard<std::mutex> l(lock_);
    if (media != media_) return;
  }
  if (hold_ == media) return;
  if (hold_) release_hold();
  // On a prepared media this only counts one more user; it fails (and
  // takes nothing) if the media was unprepared in the meantime.
  if (!gst_rtsp_media_prepare(media, nullptr)) return;
  hold_ = GST_RTSP_MEDIA(g_object_ref(media));
  streamed_ = media;
  last_present_us_ = g_get_monotonic_time();
  g_message("streaming the camera's preview");
}

void CameraStream::media_unprepared(GstRTSPMedia *media) {
  bool was_current = false;
  const bool streamed = hold_ == media || media == streamed_;
  {
    std::lock_guard<std::mutex> l(lock_);
    if (media == media_) {
      replace_ref<GstRTSPMedia>(media_, nullptr);
      replace_ref<GstElement>(source_, nullptr);
      was_current = true;
    }
  }
  if (hold_ == media) {  // unprepared under us (an error): nothing left to hold
    g_object_unref(hold_);
    hold_ = nullptr;
  }
  if (was_current && streamed) g_message("camera released");
  else if (was_current) g_message("the camera stream could not start (see above); the next client tries again");
  if (media == streamed_) streamed_ = nullptr;
}

void CameraStream::camera_gave_up(GstRTSPMedia *media) {
  {
    std::lock_guard<std::mutex> l(lock_);
    if (media != media_) return;
  }
  g_warning("the camera's stream ended (ipcamsrc gave up reconnecting): closing every client");
  close_everything();
}

void CameraStream::close_everything() {
  gst_rtsp_server_client_filter(server_, remove_client, nullptr);
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server_);
  GList *kept = gst_rtsp_session_pool_filter(pool, remove_session, nullptr);
  g_list_free_full(kept, g_object_unref);
  g_object_unref(pool);
  release_hold();
}

void CameraStream::release_hold() {
  if (!hold_) return;
  GstRTSPMedia *media = hold_;
  hold_ = nullptr;
  gst_rtsp_media_unprepare(media);  // the last user: the pipeline stops, the camera is released
  g_object_unref(media);
}

unsigned CameraStream::client_count() {
  GList *clients = gst_rtsp_server_client_filter(server_, nullptr, nullptr);
  const unsigned n = g_list_length(clients);
  g_list_free_full(clients, g_object_unref);
  return n;
}

gboolean CameraStream::on_tick(gpointer self) {
  static_cast<CameraStream *>(self)->tick();
  return G_SOURCE_CONTINUE;
}

void CameraStream::tick() {
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server_);
  gst_rtsp_session_pool_cleanup(pool);  // sessions of clients that vanished without TEARDOWN
  const bool present = client_count() > 0 || gst_rtsp_session_pool_get_n_sessions(pool) > 0;
  g_object_unref(pool);
  const gint64 now = g_get_monotonic_time();
  if (present) {
    last_present_us_ = now;
  } else if (hold_ && now - last_present_us_ >= gint64(options_.linger_s) * G_USEC_PER_SEC) {
    g_message("no client for %u s: releasing the camera", options_.linger_s);
    release_hold();
  }
}

GstElement *CameraStream::running_source() {
  std::lock_guard<std::mutex> l(lock_);
  return source_ ? GST_ELEMENT(gst_object_ref(source_)) : nullptr;
}

void CameraStream::shut_down() {
  if (tick_id_) {
    g_source_remove(tick_id_);
    tick_id_ = 0;
  }
  close_everything();
}

bool CameraStream::released() {
  std::lock_guard<std::mutex> l(lock_);
  return media_ == nullptr;
}

}  // namespace ipcam_rtsp
