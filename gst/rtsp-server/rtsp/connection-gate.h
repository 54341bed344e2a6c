// IpcamRtspGate: the RTSP server's GstRTSPAuth, which also decides who may
// connect. gst-rtsp-server asks its auth about every accepted connection
// (GST_RTSP_AUTH_CHECK_CONNECT) before it makes a client, a thread or
// anything else for it. Past the cap on open connections, in total or from
// one address, the newcomer takes the place of the connection (in total,
// or from its address) that has held no session the longest, which is
// closed; when every one holds a session, the newcomer is closed right
// there. The viewers already watching are untouched either way, and a
// flood of idle connections cannot keep a new viewer out. One line is
// logged when a cap is reached (at most one per cap and 10 s).
//
// With an RTSP user it checks credentials as GstRTSPAuth does (Basic or
// Digest, set up by the caller); without one every request is allowed, as
// with no auth at all.
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

G_BEGIN_DECLS

#define IPCAM_TYPE_RTSP_GATE (ipcam_rtsp_gate_get_type())
G_DECLARE_FINAL_TYPE(IpcamRtspGate, ipcam_rtsp_gate, IPCAM, RTSP_GATE, GstRTSPAuth)

G_END_DECLS

// For `server` (not referenced: it owns the gate). `with_credentials`:
// requests are checked against the users added to it.
GstRTSPAuth *ipcam_rtsp_gate_new(GstRTSPServer *server, guint max_connections, guint max_per_address,
                                 gboolean with_credentials);
