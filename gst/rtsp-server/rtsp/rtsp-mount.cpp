// RtspMount: the mount and the give-up policy around the hub: see rtsp-mount.h.
#include "rtsp/rtsp-mount.h"

#include "rtsp/viewer-client.h"
#include "rtsp/viewer-media.h"

#include <utility>

namespace ipcam::server {

namespace {

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

RtspMount::RtspMount(GstRTSPServer *server, std::string mount, std::shared_ptr<CameraHub> hub, bool with_auth)
    : server_(server), mount_(std::move(mount)) {
  factory_ = ipcam_viewer_factory_new(hub);
  gst_rtsp_media_factory_set_protocols(factory_,
                                       GstRTSPLowerTrans(GST_RTSP_LOWER_TRANS_UDP | GST_RTSP_LOWER_TRANS_TCP));
  if (with_auth) {
    gst_rtsp_media_factory_add_role(factory_, "viewer", GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN, TRUE,
                                    GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE, nullptr);
  }
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_mount_points_add_factory(mounts, mount_.c_str(), GST_RTSP_MEDIA_FACTORY(g_object_ref(factory_)));
  g_object_unref(mounts);
}

RtspMount::~RtspMount() { g_object_unref(factory_); }

void RtspMount::camera_ended(bool streamed) {
  if (!streamed) {
    g_message("camera %s: the camera stream could not start (see above); the next client tries again",
              mount_.c_str() + 1);
    return;
  }
  g_warning("camera %s: its stream ended (ipcamsrc gave up reconnecting): closing every client of this camera",
            mount_.c_str() + 1);
  close_clients();
}

GList *RtspMount::clients() {
  return gst_rtsp_server_client_filter(server_, client_of_mount, const_cast<std::string *>(&mount_));
}

void RtspMount::close_clients() {
  // Only this mount's: the other cameras' viewers go on. A client that
  // also watches another camera (one connection, two sessions) is closed
  // as well, its other media with it.
  GList *mine = clients();
  for (GList *l = mine; l; l = l->next) ipcam_viewer_client_close(GST_RTSP_CLIENT(l->data));
  g_list_free_full(mine, g_object_unref);
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server_);
  GList *kept = gst_rtsp_session_pool_filter(pool, drop_mount_medias, const_cast<std::string *>(&mount_));
  g_list_free_full(kept, g_object_unref);
  g_object_unref(pool);
}

unsigned RtspMount::client_count(bool only_mine) {
  GList *list = only_mine ? clients() : gst_rtsp_server_client_filter(server_, nullptr, nullptr);
  const unsigned n = g_list_length(list);
  g_list_free_full(list, g_object_unref);
  return n;
}

}  // namespace ipcam::server
