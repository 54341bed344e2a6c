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

// A session media of `mount`: exactly that path.
bool at_mount(GstRTSPSessionMedia *sm, const std::string &mount) {
  gint matched = 0;
  return gst_rtsp_session_media_matches(sm, mount.c_str(), &matched) && size_t(matched) == mount.size();
}

bool session_at_mount(GstRTSPSession *session, const std::string &mount) {
  bool found = false;
  auto check = [&](GstRTSPSessionMedia *sm) { found = found || at_mount(sm, mount); };
  using Check = decltype(check);
  GList *kept = gst_rtsp_session_filter(
      session, +[](GstRTSPSession *, GstRTSPSessionMedia *sm, gpointer c) {
        (*static_cast<Check *>(c))(sm);
        return GST_RTSP_FILTER_KEEP;
      }, &check);
  g_list_free_full(kept, g_object_unref);
  return found;
}

// Clients holding a session with a media of the mount.
GstRTSPFilterResult client_of_mount(GstRTSPServer *, GstRTSPClient *client, gpointer mount) {
  GList *sessions = gst_rtsp_client_session_filter(client, nullptr, nullptr);
  bool mine = false;
  for (GList *l = sessions; l && !mine; l = l->next)
    mine = session_at_mount(GST_RTSP_SESSION(l->data), *static_cast<const std::string *>(mount));
  g_list_free_full(sessions, g_object_unref);
  return mine ? GST_RTSP_FILTER_REF : GST_RTSP_FILTER_KEEP;
}

// Removes a session's medias of the mount (and the session if that was all).
GstRTSPFilterResult drop_mount_medias(GstRTSPSessionPool *, GstRTSPSession *session, gpointer mount) {
  GList *kept = gst_rtsp_session_filter(
      session, +[](GstRTSPSession *, GstRTSPSessionMedia *sm, gpointer p) {
        return at_mount(sm, *static_cast<const std::string *>(p)) ? GST_RTSP_FILTER_REMOVE : GST_RTSP_FILTER_KEEP;
      }, mount);
  g_list_free_full(kept, g_object_unref);
  return GST_RTSP_FILTER_KEEP;
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
}

gboolean CameraStream::on_tick(gpointer self) {
  static_cast<CameraStream *>(self)->tick();
  return G_SOURCE_CONTINUE;
}

void CameraStream::tick() { hub_->tick(); }

void CameraStream::server_tick(GstRTSPServer *server) {
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server);
  gst_rtsp_session_pool_cleanup(pool);  // sessions of viewers that vanished without TEARDOWN
  g_object_unref(pool);
  if (guint n = ipcam_rtsp_server_close_idle(server, kIdleConnectionUs))
    g_debug("closed %u connection(s) that held no session", n);
}

void CameraStream::camera_ended(bool streamed) {
  if (!streamed) {
    g_message("camera %s: the camera stream could not start (see above); the next client tries again",
              options_.mount.c_str() + 1);
    return;
  }
  g_warning("camera %s: its stream ended (ipcamsrc gave up reconnecting): closing every client of this camera",
            options_.mount.c_str() + 1);
  close_clients();
}

GList *CameraStream::clients() {
  return gst_rtsp_server_client_filter(server_, client_of_mount, const_cast<std::string *>(&options_.mount));
}

void CameraStream::close_clients() {
  // Only this mount's: the other cameras' viewers go on. A client that
  // also watches another camera (one connection, two sessions) is closed
  // as well, its other media with it.
  GList *mine = clients();
  for (GList *l = mine; l; l = l->next) gst_rtsp_client_close(GST_RTSP_CLIENT(l->data));
  g_list_free_full(mine, g_object_unref);
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server_);
  GList *kept = gst_rtsp_session_pool_filter(pool, drop_mount_medias, const_cast<std::string *>(&options_.mount));
  g_list_free_full(kept, g_object_unref);
  g_object_unref(pool);
}

unsigned CameraStream::client_count(bool only_mine) {
  GList *list = only_mine ? clients() : gst_rtsp_server_client_filter(server_, nullptr, nullptr);
  const unsigned n = g_list_length(list);
  g_list_free_full(list, g_object_unref);
  return n;
}

void CameraStream::close_all_clients(GstRTSPServer *server) {
  gst_rtsp_server_client_filter(
      server, +[](GstRTSPServer *, GstRTSPClient *, gpointer) { return GST_RTSP_FILTER_REMOVE; }, nullptr);
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server);
  GList *kept = gst_rtsp_session_pool_filter(
      pool, +[](GstRTSPSessionPool *, GstRTSPSession *, gpointer) { return GST_RTSP_FILTER_REMOVE; }, nullptr);
  g_list_free_full(kept, g_object_unref);
  g_object_unref(pool);
}

void CameraStream::start_publishing(const std::vector<std::string> &urls) {
  for (const auto &url : urls) {
    publishers_.push_back(std::make_unique<Publisher>(url, hub_, g_main_context_default()));
    publishers_.back()->start();
  }
}

void CameraStream::stop_publishing() {
  for (auto &p : publishers_) p->stop();
}

void CameraStream::shut_down() {
  stop_publishing();
  if (tick_id_) {
    g_source_remove(tick_id_);
    tick_id_ = 0;
  }
  close_clients();
  hub_->stop();
}

}  // namespace ipcam_rtsp
