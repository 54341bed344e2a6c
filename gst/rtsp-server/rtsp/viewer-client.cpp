// IpcamRtspServer, IpcamViewerClient and IpcamClientThreads: see viewer-client.h.
#include "rtsp/viewer-client.h"

#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

struct _IpcamRtspServer {
  GstRTSPServer parent;
  guint session_timeout_s;
  guint sessions_per_connection;
};

struct _IpcamViewerClient {
  GstRTSPClient parent;
  guint session_timeout_s;
  guint sessions_per_connection;
  gint64 sessionless_since_us;  // last time it was seen holding no session
  GMainContext *context;        // its client thread's, set before it is attached
  char *address;                // the peer's, set once connected
  gint closing;                 // atomic: a close is on its way to the client thread
  gboolean told_full;           // the session cap was logged for this connection
  int peer_fd;                  // our own descriptor of its socket, to cut the stream; -1 if none
  gint64 answered_bytes;        // atomic: bytes it had sent when it was last answered
};

struct _IpcamClientThreads {
  GstRTSPThreadPool parent;
};

G_DEFINE_TYPE(IpcamViewerClient, ipcam_viewer_client, GST_TYPE_RTSP_CLIENT)
G_DEFINE_TYPE(IpcamRtspServer, ipcam_rtsp_server, GST_TYPE_RTSP_SERVER)
G_DEFINE_TYPE(IpcamClientThreads, ipcam_client_threads, GST_TYPE_RTSP_THREAD_POOL)

// ---------------------------------------------------------------- client

// The "new-session" signal's class handler: runs before any SETUP reply
// carries the session's timeout to the client. gst-rtsp-server would keep a
// silent session 5 s past its timeout ("extra-timeout"): a viewer that
// vanished lets go of the camera after the timeout it was told, no later.
static void viewer_client_new_session(GstRTSPClient *client, GstRTSPSession *session) {
  gst_rtsp_session_set_timeout(session, IPCAM_VIEWER_CLIENT(client)->session_timeout_s);
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(session), "extra-timeout"))
    g_object_set(session, "extra-timeout", 0u, nullptr);
}

// The peer closed its side (or reset): what it wrote before is still to be
// read, and each request would make a media nobody receives. The rest of
// its requests are dropped and the client closes, all at once.
static bool peer_hung_up(GstRTSPClient *client) {
  auto *self = IPCAM_VIEWER_CLIENT(client);
  if (self->peer_fd < 0) return false;
  constexpr guint8 kEstablished = 1;  // TCP_ESTABLISHED
  struct tcp_info info {};
  socklen_t size = sizeof info;
  if (getsockopt(self->peer_fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0 || info.tcpi_state == kEstablished)
    return false;
  ipcam_viewer_client_close(client);
  return true;
}

static GstRTSPStatusCode viewer_client_pre_request(GstRTSPClient *client, GstRTSPContext *) {
  return peer_hung_up(client) ? GST_RTSP_STS_SERVICE_UNAVAILABLE : GST_RTSP_STS_OK;
}

// Client thread, after the media was found and before a session is made:
// a SETUP that would open one session too many gets 503. gst-rtsp-server
// keeps the media it found cached on the client (one), so pipelined SETUPs
// cost this connection at most its sessions plus one media.
static GstRTSPStatusCode viewer_client_pre_setup(GstRTSPClient *client, GstRTSPContext *ctx) {
  auto *self = IPCAM_VIEWER_CLIENT(client);
  if (peer_hung_up(client)) return GST_RTSP_STS_SERVICE_UNAVAILABLE;
  if (ctx->session) return GST_RTSP_STS_OK;  // a stream added to a session it holds
  GList *sessions = gst_rtsp_client_session_filter(client, nullptr, nullptr);
  const guint held = g_list_length(sessions);
  g_list_free_full(sessions, g_object_unref);
  if (held < self->sessions_per_connection) return GST_RTSP_STS_OK;
  if (!self->told_full) {
    self->told_full = TRUE;
    g_message("RTSP: %s opened %u sessions on one connection (the most there may be): its further SETUPs get 503",
              self->address ? self->address : "a client", held);
  }
  return GST_RTSP_STS_SERVICE_UNAVAILABLE;
}

// Every answer (the "send-message" class handler, client thread): what the
// peer had sent by then was a whole request.
static void viewer_client_send_message(GstRTSPClient *client, GstRTSPContext *, GstRTSPMessage *) {
  auto *self = IPCAM_VIEWER_CLIENT(client);
  __atomic_store_n(&self->answered_bytes, ipcam_viewer_client_bytes_received(client), __ATOMIC_RELAXED);
}

static void viewer_client_finalize(GObject *object) {
  auto *self = IPCAM_VIEWER_CLIENT(object);
  if (self->peer_fd >= 0) close(self->peer_fd);
  if (self->context) g_main_context_unref(self->context);
  g_free(self->address);
  G_OBJECT_CLASS(ipcam_viewer_client_parent_class)->finalize(object);
}

static void ipcam_viewer_client_class_init(IpcamViewerClientClass *klass) {
  G_OBJECT_CLASS(klass)->finalize = viewer_client_finalize;
  GST_RTSP_CLIENT_CLASS(klass)->new_session = viewer_client_new_session;
  GST_RTSP_CLIENT_CLASS(klass)->pre_setup_request = viewer_client_pre_setup;
  GST_RTSP_CLIENT_CLASS(klass)->pre_describe_request = viewer_client_pre_request;
  GST_RTSP_CLIENT_CLASS(klass)->pre_play_request = viewer_client_pre_request;
  GST_RTSP_CLIENT_CLASS(klass)->send_message = viewer_client_send_message;
}

static void ipcam_viewer_client_init(IpcamViewerClient *self) {
  self->session_timeout_s = 60;
  self->sessions_per_connection = 4;
  self->sessionless_since_us = g_get_monotonic_time();
  self->context = nullptr;
  self->address = nullptr;
  self->closing = 0;
  self->told_full = FALSE;
  self->peer_fd = -1;
  self->answered_bytes = 0;
}

gint64 ipcam_viewer_client_bytes_received(GstRTSPClient *client) {
  if (!IPCAM_IS_VIEWER_CLIENT(client) || IPCAM_VIEWER_CLIENT(client)->peer_fd < 0) return 0;
  struct tcp_info info {};
  socklen_t size = sizeof info;
  if (getsockopt(IPCAM_VIEWER_CLIENT(client)->peer_fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0 ||
      size < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received)
    return 0;
  return gint64(info.tcpi_bytes_received);
}

gint64 ipcam_viewer_client_unanswered_bytes(GstRTSPClient *client) {
  if (!IPCAM_IS_VIEWER_CLIENT(client)) return 0;
  const gint64 answered = __atomic_load_n(&IPCAM_VIEWER_CLIENT(client)->answered_bytes, __ATOMIC_RELAXED);
  return ipcam_viewer_client_bytes_received(client) - answered;
}

void ipcam_viewer_client_close(GstRTSPClient *client) {
  if (!IPCAM_IS_VIEWER_CLIENT(client)) {
    gst_rtsp_client_close(client);
    return;
  }
  auto *self = IPCAM_VIEWER_CLIENT(client);
  if (!g_atomic_int_compare_and_exchange(&self->closing, 0, 1)) return;  // already on its way
  // The socket stays open, its stream ends: the client's watch meets the
  // end of the stream and closes the client on its own thread, as when a
  // viewer hangs up. What a flood left buffered is dropped here, in large
  // reads (GstRTSPConnection reads a header line one byte at a time).
  if (self->peer_fd >= 0 && shutdown(self->peer_fd, SHUT_RDWR) == 0) {
    char sink[16384];
    for (int i = 0; i < 64 && recv(self->peer_fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++) {
    }
    return;
  }
  if (!self->context || g_main_context_is_owner(self->context)) {
    gst_rtsp_client_close(client);
    return;
  }
  // Without a descriptor of our own: between two of the client's reads.
  GSource *source = g_idle_source_new();
  g_source_set_priority(source, G_PRIORITY_HIGH);
  g_source_set_callback(
      source, +[](gpointer c) -> gboolean {
        gst_rtsp_client_close(GST_RTSP_CLIENT(c));
        return G_SOURCE_REMOVE;
      }, g_object_ref(client), g_object_unref);
  g_source_attach(source, self->context);
  g_source_unref(source);
}

gboolean ipcam_viewer_client_closing(GstRTSPClient *client) {
  return IPCAM_IS_VIEWER_CLIENT(client) && g_atomic_int_get(&IPCAM_VIEWER_CLIENT(client)->closing);
}

gint64 ipcam_viewer_client_sessionless_since(GstRTSPClient *client) {
  if (!IPCAM_IS_VIEWER_CLIENT(client)) return -1;
  GList *sessions = gst_rtsp_client_session_filter(client, nullptr, nullptr);
  const bool holds = sessions != nullptr;
  g_list_free_full(sessions, g_object_unref);
  return holds ? -1 : IPCAM_VIEWER_CLIENT(client)->sessionless_since_us;
}

const char *ipcam_viewer_client_address(GstRTSPClient *client) {
  if (!IPCAM_IS_VIEWER_CLIENT(client) || !IPCAM_VIEWER_CLIENT(client)->address) return "";
  return IPCAM_VIEWER_CLIENT(client)->address;
}

// ---------------------------------------------------------------- threads

// gst-rtsp-server attaches a client to the context of the thread it gets
// here (at most max-threads of them, shared beyond that): the client
// learns it, so that it can be closed there.
static GstRTSPThread *client_threads_get_thread(GstRTSPThreadPool *pool, GstRTSPThreadType type,
                                                GstRTSPContext *ctx) {
  GstRTSPThread *thread =
      GST_RTSP_THREAD_POOL_CLASS(ipcam_client_threads_parent_class)->get_thread(pool, type, ctx);
  if (thread && type == GST_RTSP_THREAD_TYPE_CLIENT && ctx && IPCAM_IS_VIEWER_CLIENT(ctx->client)) {
    auto *client = IPCAM_VIEWER_CLIENT(ctx->client);
    if (!client->context) client->context = g_main_context_ref(thread->context);
  }
  return thread;
}

static void ipcam_client_threads_class_init(IpcamClientThreadsClass *klass) {
  GST_RTSP_THREAD_POOL_CLASS(klass)->get_thread = client_threads_get_thread;
}

static void ipcam_client_threads_init(IpcamClientThreads *) {}

// ---------------------------------------------------------------- server

// What GstRTSPServer's own create_client does, with our client type.
static GstRTSPClient *server_create_client(GstRTSPServer *server) {
  auto *client = IPCAM_VIEWER_CLIENT(g_object_new(IPCAM_TYPE_VIEWER_CLIENT, nullptr));
  client->session_timeout_s = IPCAM_RTSP_SERVER(server)->session_timeout_s;
  client->sessions_per_connection = IPCAM_RTSP_SERVER(server)->sessions_per_connection;
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

// The "client-connected" class handler: the connection is set by now.
static void server_client_connected(GstRTSPServer *, GstRTSPClient *client) {
  if (!IPCAM_IS_VIEWER_CLIENT(client)) return;
  auto *self = IPCAM_VIEWER_CLIENT(client);
  GstRTSPConnection *conn = gst_rtsp_client_get_connection(client);
  if (!conn) return;
  self->address = g_strdup(gst_rtsp_connection_get_ip(conn));
  // Not attached yet: nothing reads or closes it on another thread.
  if (GSocket *socket = gst_rtsp_connection_get_read_socket(conn)) {
    self->peer_fd = fcntl(g_socket_get_fd(socket), F_DUPFD_CLOEXEC, 0);
    // Requests are small and nothing large comes in (a TCP viewer sends
    // only RTCP): a small buffer keeps what a flood leaves to read short.
    const int buffer = 16 * 1024;
    if (self->peer_fd >= 0) setsockopt(self->peer_fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  }
}

static void ipcam_rtsp_server_class_init(IpcamRtspServerClass *klass) {
  GST_RTSP_SERVER_CLASS(klass)->create_client = server_create_client;
  GST_RTSP_SERVER_CLASS(klass)->client_connected = server_client_connected;
}

static void ipcam_rtsp_server_init(IpcamRtspServer *self) {
  self->session_timeout_s = 60;
  self->sessions_per_connection = 4;
}

GstRTSPServer *ipcam_rtsp_server_new(guint session_timeout_s, guint sessions_per_connection) {
  auto *self = IPCAM_RTSP_SERVER(g_object_new(IPCAM_TYPE_RTSP_SERVER, nullptr));
  self->session_timeout_s = session_timeout_s;
  self->sessions_per_connection = sessions_per_connection;
  auto *threads = GST_RTSP_THREAD_POOL(g_object_new(IPCAM_TYPE_CLIENT_THREADS, nullptr));
  gst_rtsp_server_set_thread_pool(GST_RTSP_SERVER(self), threads);
  g_object_unref(threads);
  return GST_RTSP_SERVER(self);
}

namespace {

struct IdleScan {
  gint64 now_us;
  gint64 idle_us;
  gint64 max_request_bytes;
  guint closed;
};

GstRTSPFilterResult close_if_idle(GstRTSPServer *, GstRTSPClient *client, gpointer data) {
  auto *scan = static_cast<IdleScan *>(data);
  if (!IPCAM_IS_VIEWER_CLIENT(client)) return GST_RTSP_FILTER_KEEP;
  auto *self = IPCAM_VIEWER_CLIENT(client);
  if (g_atomic_int_get(&self->closing)) return GST_RTSP_FILTER_KEEP;
  GList *sessions = gst_rtsp_client_session_filter(client, nullptr, nullptr);
  const bool holds = sessions != nullptr;
  g_list_free_full(sessions, g_object_unref);
  if (holds) {
    self->sessionless_since_us = scan->now_us;
    return GST_RTSP_FILTER_KEEP;
  }
  const gint64 unanswered = ipcam_viewer_client_unanswered_bytes(client);
  if (unanswered > scan->max_request_bytes) {
    static gint64 told_us = 0;
    static guint untold = 0;
    if (scan->now_us - told_us > 10 * G_USEC_PER_SEC) {
      g_message("RTSP: %s sent %" G_GINT64_FORMAT " bytes without completing a request (the most is %" G_GINT64_FORMAT
                "): closed (%u more since the last such line)", self->address ? self->address : "a client",
                unanswered, scan->max_request_bytes, untold);
      told_us = scan->now_us;
      untold = 0;
    } else {
      untold++;
    }
  } else if (scan->now_us - self->sessionless_since_us < scan->idle_us) {
    return GST_RTSP_FILTER_KEEP;
  }
  scan->closed++;
  // Not FILTER_REMOVE: that closes the client here, on the main thread.
  return GST_RTSP_FILTER_REF;
}

}  // namespace

guint ipcam_rtsp_server_close_idle(GstRTSPServer *server, gint64 idle_us, gint64 max_request_bytes) {
  IdleScan scan{g_get_monotonic_time(), idle_us, max_request_bytes, 0};
  GList *idle = gst_rtsp_server_client_filter(server, close_if_idle, &scan);
  for (GList *l = idle; l; l = l->next) ipcam_viewer_client_close(GST_RTSP_CLIENT(l->data));
  g_list_free_full(idle, g_object_unref);
  return scan.closed;
}
