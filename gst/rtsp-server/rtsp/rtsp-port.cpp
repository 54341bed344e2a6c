// RtspPort: see rtsp-port.h.
#include "rtsp/rtsp-port.h"

#include "rtsp/connection-gate.h"
#include "rtsp/viewer-client.h"

#include <sys/resource.h>

#include <algorithm>

namespace ipcam::server {

namespace {

constexpr guint kTickMs = 250;
// A connection without a session this long is closed: inside 10 s, and
// long enough for a player that reads the description before it sets up.
constexpr gint64 kIdleConnectionUs = 8 * G_USEC_PER_SEC;
// A request (its line, headers and body) is a few hundred bytes: a
// connection without a session that sent this much unanswered is closed.
constexpr gint64 kMaxRequestBytes = 64 * 1024;

// What one RTSP connection may cost in descriptors at most: its socket, our
// own descriptor of it (viewer-client.h), and a media's (its thread's
// wakeup, its bus, UDP sockets for RTP and RTCP): 10 measured.
constexpr rlim_t kDescriptorsPerConnection = 11;
// Kept out of the RTSP connections' share: the cameras, the control port,
// the browser viewers (webrtc/whep-endpoint.cpp caps those), the libraries.
constexpr rlim_t kDescriptorsKept = 320;

// --max-connections, lowered to what the descriptor limit can carry.
guint connection_cap(const ServerOptions &o) {
  struct rlimit limit {};
  guint cap = o.max_connections;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    const rlim_t room = limit.rlim_cur > kDescriptorsKept + kDescriptorsPerConnection
                            ? (limit.rlim_cur - kDescriptorsKept) / kDescriptorsPerConnection
                            : 1;
    if (room < cap) {
      g_message("at most %u RTSP connections (of --max-connections %u): %llu descriptors may be open", guint(room),
                cap, (unsigned long long)limit.rlim_cur);
      cap = guint(room);
    }
  }
  return cap;
}

GstRTSPAuth *make_auth(GstRTSPServer *server, const ServerOptions &o, guint cap) {
  GstRTSPAuth *auth = ipcam_rtsp_gate_new(server, cap, std::min(cap, o.max_connections_per_address),
                                          o.auth_enabled());
  if (!o.auth_enabled()) return auth;
  gst_rtsp_auth_set_supported_methods(auth, o.rtsp_digest ? GST_RTSP_AUTH_DIGEST : GST_RTSP_AUTH_BASIC);
  GstRTSPToken *token = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, "viewer", nullptr);
  if (o.rtsp_digest) {
    gst_rtsp_auth_add_digest(auth, o.rtsp_user.c_str(), o.rtsp_password.c_str(), token);
  } else {
    g_autofree char *basic = gst_rtsp_auth_make_basic(o.rtsp_user.c_str(), o.rtsp_password.c_str());
    gst_rtsp_auth_add_basic(auth, basic, token);
  }
  gst_rtsp_token_unref(token);
  return auth;
}

std::string url_host(const std::string &bind) {
  if (bind == "0.0.0.0") return "127.0.0.1";
  if (bind == "::") return "[::1]";
  if (bind.find(':') != std::string::npos) return "[" + bind + "]";
  return bind;
}

gboolean on_tick(gpointer data) {
  auto *server = GST_RTSP_SERVER(data);
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server);
  gst_rtsp_session_pool_cleanup(pool);  // sessions of viewers that vanished without TEARDOWN
  g_object_unref(pool);
  if (guint n = ipcam_rtsp_server_close_idle(server, kIdleConnectionUs, kMaxRequestBytes))
    g_debug("closed %u connection(s) that held no session", n);
  return G_SOURCE_CONTINUE;
}

}  // namespace

RtspPort::RtspPort(const ServerOptions &options, size_t camera_count)
    : options_(options), server_(ipcam_rtsp_server_new(options.session_timeout_s, guint(camera_count) + 1)) {
  const guint cap = connection_cap(options);
  gst_rtsp_server_set_backlog(server_, options.listen_backlog);  // bursts of connects must not wait for a SYN retry
  gst_rtsp_server_set_content_length_limit(server_, guint(kMaxRequestBytes));  // no request here has a large body
  gst_rtsp_server_set_address(server_, options.bind.c_str());
  g_autofree char *service = g_strdup_printf("%u", options.port);
  gst_rtsp_server_set_service(server_, service);
  // Clients that wait for a camera to connect must not stall the others.
  GstRTSPThreadPool *pool = gst_rtsp_server_get_thread_pool(server_);
  gst_rtsp_thread_pool_set_max_threads(pool, gint(16 + 4 * camera_count));
  g_object_unref(pool);
  // Sessions outlive their connection only while they wait for a UDP
  // viewer's keep-alive: as many as connections.
  GstRTSPSessionPool *sessions = gst_rtsp_server_get_session_pool(server_);
  gst_rtsp_session_pool_set_max_sessions(sessions, cap);
  g_object_unref(sessions);
  GstRTSPAuth *auth = make_auth(server_, options, cap);
  gst_rtsp_server_set_auth(server_, auth);
  g_object_unref(auth);
}

RtspPort::~RtspPort() {
  if (tick_) g_source_remove(tick_);
  g_object_unref(server_);
}

bool RtspPort::listen() {
  if (gst_rtsp_server_attach(server_, nullptr) == 0) {
    g_printerr("ipcam-rtsp-server: cannot listen for RTSP on %s port %u (in use? try --port 0)\n",
               options_.bind.c_str(), options_.port);
    return false;
  }
  tick_ = g_timeout_add(kTickMs, on_tick, server_);
  return true;
}

std::string RtspPort::base_url() const {
  return "rtsp://" + url_host(options_.bind) + ":" + std::to_string(gst_rtsp_server_get_bound_port(server_));
}

void RtspPort::close_all_clients() {
  GList *all = gst_rtsp_server_client_filter(server_, nullptr, nullptr);
  for (GList *l = all; l; l = l->next) ipcam_viewer_client_close(GST_RTSP_CLIENT(l->data));
  g_list_free_full(all, g_object_unref);
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server_);
  GList *kept = gst_rtsp_session_pool_filter(
      pool, +[](GstRTSPSessionPool *, GstRTSPSession *, gpointer) { return GST_RTSP_FILTER_REMOVE; }, nullptr);
  g_list_free_full(kept, g_object_unref);
  g_object_unref(pool);
}

}  // namespace ipcam::server
