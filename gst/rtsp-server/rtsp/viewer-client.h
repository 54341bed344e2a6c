// The RTSP server and client subclasses: session lifecycle policy.
//
// - Every session gets --session-timeout: a UDP viewer that vanishes
//   without TEARDOWN lets go of its media (and so of the camera) when its
//   session expires. (A TCP viewer's media goes as soon as its connection
//   closes; gst-rtsp-server does that itself.)
// - A connection that holds no session is closed after a short grace:
//   an idle or unauthenticated connection holds no camera (only a prepared
//   media does), but it must not hold a socket and a thread for ever either.
// - A connection is only ever closed on its own client thread:
//   gst_rtsp_client_close() from another thread closes the socket under the
//   reader's feet. The server ends the stream instead (shutdown()), and the
//   client's watch closes it as if the peer hung up.
// - One connection holds a few sessions at most: SETUPs past that are
//   answered 503 before a media is made for them.
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

G_BEGIN_DECLS

#define IPCAM_TYPE_RTSP_SERVER (ipcam_rtsp_server_get_type())
G_DECLARE_FINAL_TYPE(IpcamRtspServer, ipcam_rtsp_server, IPCAM, RTSP_SERVER, GstRTSPServer)

#define IPCAM_TYPE_VIEWER_CLIENT (ipcam_viewer_client_get_type())
G_DECLARE_FINAL_TYPE(IpcamViewerClient, ipcam_viewer_client, IPCAM, VIEWER_CLIENT, GstRTSPClient)

#define IPCAM_TYPE_CLIENT_THREADS (ipcam_client_threads_get_type())
G_DECLARE_FINAL_TYPE(IpcamClientThreads, ipcam_client_threads, IPCAM, CLIENT_THREADS, GstRTSPThreadPool)

G_END_DECLS

// `sessions_per_connection`: SETUPs that would open more are refused.
GstRTSPServer *ipcam_rtsp_server_new(guint session_timeout_s, guint sessions_per_connection);

// Closes every connection that has held no session for `idle_us`, or that
// holds none and sent more than `max_request_bytes` without an answer
// (GstRTSPConnection keeps 4 KiB of a line and reads on, byte by byte, on
// a thread other clients share); returns how many it closed. Main context.
guint ipcam_rtsp_server_close_idle(GstRTSPServer *server, gint64 idle_us, gint64 max_request_bytes);

// Closes `client`: its stream is ended at once (shutdown() on a descriptor
// of its own, the socket stays open) and the client closes on its own
// thread, as when the peer hangs up. Any thread.
void ipcam_viewer_client_close(GstRTSPClient *client);

// Bytes the peer sent that no answer followed yet: a request without end
// (a header line of 630 kB) grows this, a viewer's requests do not.
gint64 ipcam_viewer_client_unanswered_bytes(GstRTSPClient *client);
gint64 ipcam_viewer_client_bytes_received(GstRTSPClient *client);

// The peer's address of one of our clients ("" for another client type).
const char *ipcam_viewer_client_address(GstRTSPClient *client);
// A close is on its way (its connection no longer counts against the caps).
gboolean ipcam_viewer_client_closing(GstRTSPClient *client);
// When it was last seen without a session (its creation if never seen
// with one); -1 while it holds one. Main context.
gint64 ipcam_viewer_client_sessionless_since(GstRTSPClient *client);
