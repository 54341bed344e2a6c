// IpcamRtspGate: see connection-gate.h.
#include "rtsp/connection-gate.h"

#include "rtsp/viewer-client.h"

#include <cstring>
#include <initializer_list>

struct _IpcamRtspGate {
  GstRTSPAuth parent;
  GstRTSPServer *server;  // not owned
  guint max_connections;
  guint max_per_address;
  gboolean with_credentials;
  gint64 told_us[2];  // when each cap (total, per address) was last logged
  guint untold[2];    // the times it was reached since
};

G_DEFINE_TYPE(IpcamRtspGate, ipcam_rtsp_gate, GST_TYPE_RTSP_AUTH)

namespace {

// The open connections (those on their way out do not count), and the
// oldest of them that holds no session: in total and from one address.
struct Count {
  const char *address;
  guint total = 0, from_address = 0;
  GstRTSPClient *idlest = nullptr, *idlest_here = nullptr;  // referenced
  gint64 idlest_us = G_MAXINT64, idlest_here_us = G_MAXINT64;
};

GstRTSPFilterResult count_client(GstRTSPServer *, GstRTSPClient *client, gpointer data) {
  auto *count = static_cast<Count *>(data);
  if (ipcam_viewer_client_closing(client)) return GST_RTSP_FILTER_KEEP;
  const bool here = !strcmp(ipcam_viewer_client_address(client), count->address);
  count->total++;
  if (here) count->from_address++;
  const gint64 since = ipcam_viewer_client_sessionless_since(client);
  if (since < 0) return GST_RTSP_FILTER_KEEP;
  auto keep = [client](GstRTSPClient *&slot) {
    if (slot) g_object_unref(slot);
    slot = GST_RTSP_CLIENT(g_object_ref(client));
  };
  if (since < count->idlest_us) keep(count->idlest), count->idlest_us = since;
  if (here && since < count->idlest_here_us) keep(count->idlest_here), count->idlest_here_us = since;
  return GST_RTSP_FILTER_KEEP;
}

// Main context, for every accepted connection.
gboolean admit(IpcamRtspGate *self, GstRTSPContext *ctx) {
  const char *address = ctx->conn ? gst_rtsp_connection_get_ip(ctx->conn) : nullptr;
  if (!address) return TRUE;
  Count count{address};
  gst_rtsp_server_client_filter(self->server, count_client, &count);
  const char *cap = nullptr;
  guint limit = 0, which = 0;
  GstRTSPClient *evict = nullptr;
  if (count.total >= self->max_connections) {
    cap = "in total (--max-connections)";
    limit = self->max_connections;
    evict = count.idlest;
  } else if (count.from_address >= self->max_per_address) {
    cap = "from one address (--max-connections-per-address)";
    limit = self->max_per_address;
    evict = count.idlest_here;
    which = 1;
  }
  if (evict) g_object_ref(evict);
  for (GstRTSPClient *c : {count.idlest, count.idlest_here})
    if (c) g_object_unref(c);
  if (!cap) return TRUE;
  // One line per cap and 10 s, however fast a flood comes.
  const gint64 now = g_get_monotonic_time();
  if (now - self->told_us[which] > 10 * G_USEC_PER_SEC) {
    g_message("RTSP: %u connections are open %s, the most there may be: new ones take the place of the one "
              "that has held no session longest, or are refused when all hold one (the last from %s; "
              "%u more times since the last such line)", limit, cap, address, self->untold[which]);
    self->told_us[which] = now;
    self->untold[which] = 0;
  } else {
    self->untold[which]++;
  }
  if (!evict) return FALSE;
  ipcam_viewer_client_close(evict);  // its place goes to the newcomer
  g_object_unref(evict);
  return TRUE;
}

}  // namespace

static gboolean gate_check(GstRTSPAuth *auth, GstRTSPContext *ctx, const gchar *check) {
  auto *self = IPCAM_RTSP_GATE(auth);
  if (g_str_equal(check, GST_RTSP_AUTH_CHECK_CONNECT)) return admit(self, ctx);
  if (!self->with_credentials) return TRUE;
  return GST_RTSP_AUTH_CLASS(ipcam_rtsp_gate_parent_class)->check(auth, ctx, check);
}

static void ipcam_rtsp_gate_class_init(IpcamRtspGateClass *klass) { GST_RTSP_AUTH_CLASS(klass)->check = gate_check; }

static void ipcam_rtsp_gate_init(IpcamRtspGate *self) {
  self->server = nullptr;
  self->max_connections = G_MAXUINT;
  self->max_per_address = G_MAXUINT;
  self->with_credentials = FALSE;
  self->told_us[0] = self->told_us[1] = G_MININT64 / 2;
  self->untold[0] = self->untold[1] = 0;
}

GstRTSPAuth *ipcam_rtsp_gate_new(GstRTSPServer *server, guint max_connections, guint max_per_address,
                                 gboolean with_credentials) {
  auto *self = IPCAM_RTSP_GATE(g_object_new(IPCAM_TYPE_RTSP_GATE, nullptr));
  self->server = server;
  self->max_connections = max_connections;
  self->max_per_address = max_per_address;
  self->with_credentials = with_credentials;
  return GST_RTSP_AUTH(self);
}
