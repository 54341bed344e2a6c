// The RTSP server and client subclasses: session lifecycle policy.
//
// - Every session gets --session-timeout: a UDP viewer that vanishes
//   without TEARDOWN lets go of its media (and so of the camera) when its
//   session expires. (A TCP viewer's media goes as soon as its connection
//   closes; gst-rtsp-server does that itself.)
// - A connection that holds no session is closed after a short grace:
//   an idle or unauthenticated connection holds no camera (only a prepared
//   media does), but it must not hold a socket and a thread for ever either.
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

G_BEGIN_DECLS

#define IPCAM_TYPE_RTSP_SERVER (ipcam_rtsp_server_get_type())
G_DECLARE_FINAL_TYPE(IpcamRtspServer, ipcam_rtsp_server, IPCAM, RTSP_SERVER, GstRTSPServer)

#define IPCAM_TYPE_VIEWER_CLIENT (ipcam_viewer_client_get_type())
G_DECLARE_FINAL_TYPE(IpcamViewerClient, ipcam_viewer_client, IPCAM, VIEWER_CLIENT, GstRTSPClient)

G_END_DECLS

GstRTSPServer *ipcam_rtsp_server_new(guint session_timeout_s);

// Closes every connection that has held no session for `idle_us`; returns
// how many it closed. Main context.
guint ipcam_rtsp_server_close_idle(GstRTSPServer *server, gint64 idle_us);
