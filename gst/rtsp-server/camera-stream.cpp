// CameraStream: the mount, the tick and the give-up policy around the hub.
#include "camera-stream.h"

#include "viewer-client.h"
#include "viewer-media.h"

#include <utility>

namespace ipcam_rtsp {

namespace {

constexpr guint kTickMs = 250;
// A connection without a session this long is closed: inside 10 s, and
// long enough for a player that reads the description before it sets up.
constexpr gint64 kIdleConnectionUs = 8 * G_USEC_PER_SEC;

GstRTSPFilterResult remove_client(GstRTSPServer *, GstRTSPClient *, gpointer) { return GST_RTSP_FILTER_REMOVE; }
GstRTSPFilterResult remove_session(GstRTSPSessionPool *, GstRTSPSession *, gpointer) {
  return GST_RTSP_FILTER_REMOVE;
}

}  // namespace

CameraStream::CameraStream(const ServerOptions &options, std::string address)
    : options_(options),
      hub_(std::make_shared<CameraHub>(options, std::move(address), g_main_context_default(),
                                       [this](bool streamed) { camera_ended(streamed); })) {}

CameraStream::~CameraStream() {
  if (tick_id_) g_source_remove(tick_id_);
  publishers_.clear();
  hub_->stop();
  if (factory_) g_object_unref(factory_);
}

void CameraStream::attach(GstRTSPServer *server) {
  server_ = server;
  factory_ = ipcam_viewer_factory_new(hub_);
  gst_rtsp_media_factory_set_protocols(factory_,
                                       GstRTSPLowerTrans(GST_RTSP_LOWER_TRANS_UDP | GST_RTSP_LOWER_TRANS_TCP));
  if (options_.auth_enabled()) {
    gst_rtsp_media_factory_add_role(factory_, "viewer", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN, TRUE,
                                    GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE, nullptr);
  }
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_mount_points_add_factory(mounts, options_.mount.c_str(),
                                    GST_RTSP_MEDIA_FACTORY(g_object_ref(factory_)));
  g_object_unref(mounts);
  tick_id_ = g_timeout_add(kTickMs, on_tick, this);
  // A publication is a permanent viewer: it connects the camera now.
  for (const auto &url : options_.publish) {
    publishers_.push_back(std::make_unique<Publisher>(url, hub_, g_main_context_default()));
    publishers_.back()->start();
  }
}

gboolean CameraStream::on_tick(gpointer self) {
  static_cast<CameraStream *>(self)->tick();
  return G_SOURCE_CONTINUE;
}

void CameraStream::tick() {
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server_);
  gst_rtsp_session_pool_cleanup(pool);  // sessions of viewers that vanished without TEARDOWN
  g_object_unref(pool);
  if (guint n = ipcam_rtsp_server_close_idle(server_, kIdleConnectionUs))
    g_debug("closed %u connection(s) that held no session", n);
  hub_->tick();
}

void CameraStream::camera_ended(bool streamed) {
  if (!streamed) {
    g_message("the camera stream could not start (see above); the next client tries again");
    return;
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
}

unsigned CameraStream::client_count() {
  GList *clients = gst_rtsp_server_client_filter(server_, nullptr, nullptr);
  const unsigned n = g_list_length(clients);
  g_list_free_full(clients, g_object_unref);
  return n;
}

void CameraStream::shut_down() {
  if (tick_id_) {
    g_source_remove(tick_id_);
    tick_id_ = 0;
  }
  for (auto &p : publishers_) p->stop();
  close_everything();
  hub_->stop();
}

}  // namespace ipcam_rtsp
