// IpcamRtspServer and IpcamViewerClient: see viewer-client.h.
#include "rtsp/viewer-client.h"

struct _IpcamRtspServer {
  GstRTSPServer parent;
  guint session_timeout_s;
};

struct _IpcamViewerClient {
  GstRTSPClient parent;
  guint session_timeout_s;
  gint64 sessionless_since_us;  // last time it was seen holding no session
};

G_DEFINE_TYPE(IpcamViewerClient, ipcam_viewer_client, GST_TYPE_RTSP_CLIENT)
G_DEFINE_TYPE(IpcamRtspServer, ipcam_rtsp_server, GST_TYPE_RTSP_SERVER)

// The "new-session" signal's class handler: runs before any SETUP reply
// carries the session's timeout to the client. gst-rtsp-server would keep a
// silent session 5 s past its timeout ("extra-timeout"): a viewer that
// vanished lets go of the camera after the timeout it was told, no later.
static void viewer_client_new_session(GstRTSPClient *client, GstRTSPSession *session) {
  gst_rtsp_session_set_timeout(session, IPCAM_VIEWER_CLIENT(client)->session_timeout_s);
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(session), "extra-timeout"))
    g_object_set(session, "extra-timeout", 0u, nullptr);
}

static void ipcam_viewer_client_class_init(IpcamViewerClientClass *klass) {
  GST_RTSP_CLIENT_CLASS(klass)->new_session = viewer_client_new_session;
}

static void ipcam_viewer_client_init(IpcamViewerClient *self) {
  self->session_timeout_s = 60;
  self->sessionless_since_us = g_get_monotonic_time();
}

// What GstRTSPServer's own create_client does, with our client type.
static GstRTSPClient *server_create_client(GstRTSPServer *server) {
  auto *client = IPCAM_VIEWER_CLIENT(g_object_new(IPCAM_TYPE_VIEWER_CLIENT, nullptr));
  client->session_timeout_s = IPCAM_RTSP_SERVER(server)->session_timeout_s;
  auto *c = GST_RTSP_CLIENT(client);
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server);
  gst_rtsp_client_set_session_pool(c, pool);
  g_object_unref(pool);
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_client_set_mount_points(c, mounts);
  g_object_unref(mounts);
  if (GstRTSPAuth *auth = gst_rtsp_server_get_auth(server)) {
    gst_rtsp_client_set_auth(c, auth);
    g_object_unref(auth);
  }
  GstRTSPThreadPool *threads = gst_rtsp_server_get_thread_pool(server);
  gst_rtsp_client_set_thread_pool(c, threads);
  g_object_unref(threads);
  gst_rtsp_client_set_content_length_limit(c, gst_rtsp_server_get_content_length_limit(server));
  return c;
}

static void ipcam_rtsp_server_class_init(IpcamRtspServerClass *klass) {
  GST_RTSP_SERVER_CLASS(klass)->create_client = server_create_client;
}

static void ipcam_rtsp_server_init(IpcamRtspServer *self) { self->session_timeout_s = 60; }

GstRTSPServer *ipcam_rtsp_server_new(guint session_timeout_s) {
  auto *self = IPCAM_RTSP_SERVER(g_object_new(IPCAM_TYPE_RTSP_SERVER, nullptr));
  self->session_timeout_s = session_timeout_s;
  return GST_RTSP_SERVER(self);
}

namespace {

struct IdleScan {
  gint64 now_us;
  gint64 idle_us;
  guint closed;
};

GstRTSPFilterResult close_if_idle(GstRTSPServer *, GstRTSPClient *client, gpointer data) {
  auto *scan = static_cast<IdleScan *>(data);
  if (!IPCAM_IS_VIEWER_CLIENT(client)) return GST_RTSP_FILTER_KEEP;
  auto *self = IPCAM_VIEWER_CLIENT(client);
  GList *sessions = gst_rtsp_client_session_filter(client, nullptr, nullptr);
  const bool holds = sessions != nullptr;
  g_list_free_full(sessions, g_object_unref);
  if (holds) {
    self->sessionless_since_us = scan->now_us;
    return GST_RTSP_FILTER_KEEP;
  }
  if (scan->now_us - self->sessionless_since_us < scan->idle_us) return GST_RTSP_FILTER_KEEP;
  scan->closed++;
  return GST_RTSP_FILTER_REMOVE;
}

}  // namespace

guint ipcam_rtsp_server_close_idle(GstRTSPServer *server, gint64 idle_us) {
  IdleScan scan{g_get_monotonic_time(), idle_us, 0};
  GList *kept = gst_rtsp_server_client_filter(server, close_if_idle, &scan);
  g_list_free_full(kept, g_object_unref);
  return scan.closed;
}
