// RtspPort: see rtsp-port.h.
#include "rtsp/rtsp-port.h"

#include "rtsp/viewer-client.h"

namespace ipcam::server {

namespace {

constexpr guint kTickMs = 250;
// A connection without a session this long is closed: inside 10 s, and
// long enough for a player that reads the description before it sets up.
constexpr gint64 kIdleConnectionUs = 8 * G_USEC_PER_SEC;

GstRTSPAuth *make_auth(const ServerOptions &o) {
  GstRTSPAuth *auth = gst_rtsp_auth_new();
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
  if (guint n = ipcam_rtsp_server_close_idle(server, kIdleConnectionUs))
    g_debug("closed %u connection(s) that held no session", n);
  return G_SOURCE_CONTINUE;
}

}  // namespace

RtspPort::RtspPort(const ServerOptions &options, size_t camera_count)
    : options_(options), server_(ipcam_rtsp_server_new(options.session_timeout_s)) {
  gst_rtsp_server_set_backlog(server_, options.listen_backlog);  // bursts of connects must not wait for a SYN retry
  gst_rtsp_server_set_address(server_, options.bind.c_str());
  g_autofree char *service = g_strdup_printf("%u", options.port);
  gst_rtsp_server_set_service(server_, service);
  // Clients that wait for a camera to connect must not stall the others.
  GstRTSPThreadPool *pool = gst_rtsp_server_get_thread_pool(server_);
  gst_rtsp_thread_pool_set_max_threads(pool, gint(16 + 4 * camera_count));
  g_object_unref(pool);
  if (options.auth_enabled()) {
    GstRTSPAuth *auth = make_auth(options);
    gst_rtsp_server_set_auth(server_, auth);
    g_object_unref(auth);
  }
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
  gst_rtsp_server_client_filter(
      server_, +[](GstRTSPServer *, GstRTSPClient *, gpointer) { return GST_RTSP_FILTER_REMOVE; }, nullptr);
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server_);
  GList *kept = gst_rtsp_session_pool_filter(
      pool, +[](GstRTSPSessionPool *, GstRTSPSession *, gpointer) { return GST_RTSP_FILTER_REMOVE; }, nullptr);
  g_list_free_full(kept, g_object_unref);
  g_object_unref(pool);
}

}  // namespace ipcam::server
