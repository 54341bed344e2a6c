// ipcam-rtsp-server: serves one camera's live preview to many RTSP clients,
// with an HTTP control API. Standard output carries exactly one line, the
// JSON ready line; everything else goes to standard error.
#include "camera-control.h"
#include "camera-stream.h"
#include "control-api.h"
#include "publisher.h"
#include "server-options.h"
#include "viewer-client.h"

#include "ipcam/discovery.h"
#include "ipcam/error.h"
#include "ipcam/session.h"
#include "ipcam/text.h"

#include <glib-unix.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <json-glib/json-glib.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

using namespace ipcam_rtsp;

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitCamera = 3;
constexpr int kExitListen = 4;
constexpr gint64 kShutdownLimitUs = 5 * G_USEC_PER_SEC;

int usage_error(const char *message) {
  g_printerr("ipcam-rtsp-server: %s (see --help)\n", message);
  return kExitUsage;
}

// The port options, checked as they are parsed (GOption callback; the main
// group's data is the ServerOptions). Only the preview and the served ports
// may be 0, "any free port"; --discovery-port repeats.
gboolean parse_port(const char *name, const char *value, gpointer data, GError **error) {
  auto &o = *static_cast<ServerOptions *>(data);
  std::string opt = name;
  bool zero_ok = opt == "--preview-port" || opt == "--port" || opt == "--control-http-port";
  char *end = nullptr;
  guint64 v = g_ascii_strtoull(value, &end, 10);
  if (!*value || *end || v > 65535 || (v == 0 && !zero_ok)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s %s: expected a port, %d..65535", name,
                value, zero_ok ? 0 : 1);
    return FALSE;
  }
  auto port = uint16_t(v);
  if (opt == "--control-port") o.control_port = port;
  else if (opt == "--preview-port") o.preview_port = port;
  else if (opt == "--http-port") o.http_port = port;
  else if (opt == "--port") o.port = port;
  else if (opt == "--control-http-port") o.control_http_port = port;
  else o.discovery_ports.push_back(port);
  return TRUE;
}

// --webrtc-ports MIN-MAX (GOption callback).
gboolean parse_port_range(const char *name, const char *value, gpointer data, GError **error) {
  auto &o = *static_cast<ServerOptions *>(data);
  unsigned lo = 0, hi = 0;
  char extra = 0;
  if (sscanf(value, "%u-%u%c", &lo, &hi, &extra) != 2 || lo < 1 || hi > 65535 || lo > hi) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s %s: expected MIN-MAX, e.g. 50000-50100", name,
                value);
    return FALSE;
  }
  o.webrtc_min_port = uint16_t(lo);
  o.webrtc_max_port = uint16_t(hi);
  return TRUE;
}

// Parses the command line into `o`. Returns -1 to go on, else an exit code.
int parse_options(int &argc, char **&argv, ServerOptions &o) {
  g_autofree char *camera = nullptr, *user = nullptr, *password = nullptr, *bind = nullptr, *mount = nullptr;
  g_autofree char *rtsp_user = nullptr, *rtsp_password = nullptr, *rtsp_auth = nullptr;
  g_auto(GStrv) broadcast = nullptr, publish = nullptr;
  gint linger = gint(o.linger_s), timeout = gint(o.timeout_ms), session_timeout = gint(o.session_timeout_s);
  gint reconnect_attempts = o.reconnect_attempts, reconnect_backoff = o.reconnect_backoff_ms;
  gint64 max_files = gint64(o.max_files);
  gboolean wait = FALSE, verbose = FALSE, version = FALSE;
  const GOptionEntry entries[] = {
      {"camera", 0, 0, G_OPTION_ARG_STRING, &camera, "Camera address (default: discover)", "ADDR"},
      {"broadcast", 0, 0, G_OPTION_ARG_STRING_ARRAY, &broadcast, "Where discovery asks (default: every interface's broadcast address)", "ADDR"},
      {"discovery-port", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_port, "Discovery port, repeatable (default 22600 and 21600)", "PORT"},
      {"control-port", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_port, "Camera's control port (default 6666)", "PORT"},
      {"preview-port", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_port, "Local UDP port the camera sends its preview to (default 6669)", "PORT"},
      {"http-port", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_port, "Camera's HTTP port for stored files (default 80)", "PORT"},
      {"user", 0, 0, G_OPTION_ARG_STRING, &user, "Camera login user (default admin)", "NAME"},
      {"password", 0, 0, G_OPTION_ARG_STRING, &password, "Camera password (default 12345, or $IPCAM_PASSWORD)", "WORD"},
      {"timeout", 0, 0, G_OPTION_ARG_INT, &timeout, "Camera connect and reply timeout in ms (default 5000)", "MS"},
      {"reconnect-attempts", 0, 0, G_OPTION_ARG_INT, &reconnect_attempts, "Reconnects after the camera drops, before the clients are closed (-1 = forever; default: ipcamsrc's, 10)", "N"},
      {"reconnect-backoff", 0, 0, G_OPTION_ARG_INT, &reconnect_backoff, "First reconnect delay in ms, doubling per attempt (default: ipcamsrc's)", "MS"},
      {"max-files", 0, 0, G_OPTION_ARG_INT64, &max_files, "Most entries taken from the camera's file list (default 100000; a longer list fails)", "N"},
      {"bind", 0, 0, G_OPTION_ARG_STRING, &bind, "Address to serve on (default 127.0.0.1: this machine only; 0.0.0.0 = every network)", "ADDR"},
      {"port", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_port, "RTSP port (default 8554; 0 = any free port)", "PORT"},
      {"mount", 0, 0, G_OPTION_ARG_STRING, &mount, "RTSP path (default /cam)", "PATH"},
      {"rtsp-user", 0, 0, G_OPTION_ARG_STRING, &rtsp_user, "Require this user for RTSP, the page, the control API and WHEP", "NAME"},
      {"rtsp-password", 0, 0, G_OPTION_ARG_STRING, &rtsp_password, "Its password (or $IPCAM_RTSP_PASSWORD)", "WORD"},
      {"rtsp-auth", 0, 0, G_OPTION_ARG_STRING, &rtsp_auth, "digest (default) or basic", "SCHEME"},
      {"control-http-port", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_port, "Control API port (default 8080; 0 = any free port)", "PORT"},
      {"webrtc-ports", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_port_range, "UDP ports for browser viewers (WebRTC), one per viewer (default: any)", "MIN-MAX"},
      {"linger", 0, 0, G_OPTION_ARG_INT, &linger, "Keep the camera this long after the last client leaves (default 5)", "SECONDS"},
      {"session-timeout", 0, 0, G_OPTION_ARG_INT, &session_timeout, "A viewer that stops answering (UDP, no TEARDOWN) is dropped after this long (default 15)", "SECONDS"},
      {"publish", 0, 0, G_OPTION_ARG_STRING_ARRAY, &publish, "Also publish the camera to this media server: rtmp://, rtmps://, rtsp:// (RECORD) or srt:// (repeatable; docs/publishing.md)", "URL"},
      {"wait-for-camera", 0, 0, G_OPTION_ARG_NONE, &wait, "Start even if the camera cannot be reached now", nullptr},
      {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log more (never passwords)", nullptr},
      {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  g_autoptr(GOptionContext) ctx = g_option_context_new("- serve a WiFi action camera over RTSP");
  g_option_context_set_summary(
      ctx,
      "Serves the camera's live preview at rtsp://BIND:PORT/MOUNT to any number of clients over one camera\n"
      "session; a web page with the live picture (WebRTC) at http://BIND:CONTROL-HTTP-PORT/, WHEP at\n"
      "/whep/NAME (the mount without its slash: /whep/cam) and an HTTP control API (status, still,\n"
      "recording, files) under /api/ on that port.\n"
      "When ready it prints one JSON line on standard output: {\"url\":...,\"control\":...,\"web\":...,\"whep\":...}.");
  GOptionGroup *main_group = g_option_group_new(nullptr, nullptr, nullptr, &o, nullptr);
  g_option_group_add_entries(main_group, entries);
  g_option_context_set_main_group(ctx, main_group);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  g_autoptr(GError) error = nullptr;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) return usage_error(error->message);
  if (version) {
    g_print("ipcam-rtsp-server %s\n", IPCAM_VERSION);
    return EXIT_SUCCESS;
  }
  if (argc > 1) return usage_error("unexpected argument");
  if (linger < 0) return usage_error("--linger must be 0 or more");
  if (timeout < 1) return usage_error("--timeout must be at least 1 ms");
  if (session_timeout < 1) return usage_error("--session-timeout must be at least 1 s");
  if (reconnect_attempts < -1 && reconnect_attempts != o.reconnect_attempts)
    return usage_error("--reconnect-attempts must be -1 (forever) or more");
  if (reconnect_backoff < -1 || reconnect_backoff > 60000) return usage_error("--reconnect-backoff must be 0..60000");
  if (max_files < 1 || max_files > G_MAXUINT) return usage_error("--max-files must be 1..4294967295");
  o.max_files = size_t(max_files);
  o.reconnect_attempts = reconnect_attempts;
  o.reconnect_backoff_ms = reconnect_backoff;
  o.linger_s = unsigned(linger);
  o.session_timeout_s = unsigned(session_timeout);
  o.timeout_ms = unsigned(timeout);
  o.wait_for_camera = wait;
  o.verbose = verbose;
  if (camera) o.camera = camera;
  for (GStrv b = broadcast; b && *b; b++) o.broadcast.push_back(*b);
  for (GStrv p = publish; p && *p; p++) {
    std::string why;
    if (!Publisher::check_url(*p, why)) return usage_error(("--publish: " + why).c_str());
    o.publish.push_back(*p);
  }
  if (user) o.user = user;
  if (password) o.password = password;
  else if (const char *env = g_getenv("IPCAM_PASSWORD")) o.password = env;
  if (bind) o.bind = bind;
  if (mount) o.mount = mount;
  if (o.mount.empty() || o.mount[0] != '/') return usage_error("--mount must start with /");
  if (rtsp_user) o.rtsp_user = rtsp_user;
  if (rtsp_password) o.rtsp_password = rtsp_password;
  else if (const char *env = g_getenv("IPCAM_RTSP_PASSWORD")) o.rtsp_password = env;
  if (o.rtsp_user.empty() != o.rtsp_password.empty())
    return usage_error("--rtsp-user and --rtsp-password go together");
  if (rtsp_auth) {
    if (!g_ascii_strcasecmp(rtsp_auth, "basic")) o.rtsp_digest = false;
    else if (g_ascii_strcasecmp(rtsp_auth, "digest")) return usage_error("--rtsp-auth: expected digest or basic");
  }
  return -1;
}

// Finds the camera when no --camera was given. Empty = none answered.
std::string discover_camera(const ServerOptions &o, GCancellable *cancel, std::string &serial) {
  ipcam::DiscoveryConfig config;
  config.broadcast_addresses = o.broadcast;
  if (!o.discovery_ports.empty()) config.ports = o.discovery_ports;
  std::string where;
  g_autoptr(GError) error = nullptr;
  const auto found = ipcam::discover(config, cancel, &where, &error);
  if (!found) {
    g_printerr("ipcam-rtsp-server: discovery failed: %s\n", error->message);
    return {};
  }
  if (g_cancellable_is_cancelled(cancel)) return {};
  const std::vector<ipcam::DiscoveredCamera> &cameras = *found;
  if (cameras.empty()) {
    g_printerr("ipcam-rtsp-server: no camera answered on %s; is this computer on the camera's WiFi? "
               "(or give --camera ADDRESS)\n", where.c_str());
    return {};
  }
  g_message("found a camera at %s", cameras[0].address.c_str());
  serial = cameras[0].serial;
  return cameras[0].address;
}

// Logs in once to check address and password; reads the firmware version.
bool check_camera(const ServerOptions &o, const std::string &address, std::string &firmware,
                  GCancellable *cancel) {
  ipcam::SessionConfig config = ipcam::session_config(address, o.control_port, o.user, o.password, o.timeout_ms);
  config.max_files = o.max_files;
  ipcam::ControlSession session(config);
  g_autoptr(GError) error = nullptr;
  if (!session.connect(cancel, &error)) {
    if (g_cancellable_is_cancelled(cancel)) return false;
    g_printerr("ipcam-rtsp-server: cannot use the camera at %s:%u: %s\n", address.c_str(), o.control_port,
               error->message);
    return false;
  }
  g_autoptr(GError) fw_error = nullptr;
  // A camera silent after login must not hold SIGTERM up.
  const gulong closer = g_cancellable_connect(
      cancel, G_CALLBACK(+[](GCancellable *, gpointer s) { static_cast<ipcam::ControlSession *>(s)->close(); }),
      &session, nullptr);
  auto version = session.firmware_version(&fw_error);
  g_cancellable_disconnect(cancel, closer);
  if (g_cancellable_is_cancelled(cancel)) return false;
  if (version)
    firmware = *version;
  else
    g_message("firmware version unknown: %s", fw_error->message);
  session.close();
  g_message("camera at %s:%u: login ok%s%s", address.c_str(), o.control_port, firmware.empty() ? "" : ", firmware ",
            ipcam::escape_control(firmware).c_str());
  return true;
}

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

std::string ready_line(const std::string &url, const std::string &control, const std::string &whep) {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  const std::pair<const char *, const std::string *> members[] = {
      {"url", &url}, {"control", &control}, {"web", &control}, {"whep", &whep}};
  for (const auto &[name, value] : members) {
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, value->c_str());
  }
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *text = json_to_string(root, FALSE);
  return text;
}

struct Shutdown {
  GMainLoop *loop;
  CameraStream *stream;
  CameraControl *control;
  ControlApi *api;
  gint64 started_us = 0;
};

gboolean on_signal(gpointer data) {
  auto *s = static_cast<Shutdown *>(data);
  if (s->started_us) return G_SOURCE_CONTINUE;  // already on the way out
  g_message("stopping: closing clients and releasing the camera");
  s->started_us = g_get_monotonic_time();
  s->control->shut_down();  // control API requests and downloads end now
  s->api->close_viewers();
  s->stream->shut_down();
  // Wait (without blocking the loop) until the media is gone.
  g_timeout_add(50, +[](gpointer d) -> gboolean {
    auto *sd = static_cast<Shutdown *>(d);
    if (sd->stream->released() || g_get_monotonic_time() - sd->started_us > kShutdownLimitUs) {
      if (!sd->stream->released()) g_warning("the camera stream did not stop in time; exiting anyway");
      g_main_loop_quit(sd->loop);
      return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
  }, s);
  return G_SOURCE_CONTINUE;
}

// Finds and checks the camera on a thread while SIGINT/SIGTERM are watched:
// a stop during discovery or a login that hangs ends at once. False when a
// signal came (`stopped`) or the camera cannot be used.
bool find_camera(const ServerOptions &o, std::string &address, std::string &firmware, std::string &serial,
                 bool &stopped) {
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  g_autoptr(GMainLoop) loop = g_main_loop_new(nullptr, FALSE);
  auto on_stop = +[](gpointer c) -> gboolean {
    g_cancellable_cancel(G_CANCELLABLE(c));
    return G_SOURCE_CONTINUE;
  };
  const guint sigint = g_unix_signal_add(SIGINT, on_stop, cancel);
  const guint sigterm = g_unix_signal_add(SIGTERM, on_stop, cancel);
  bool ok = false;
  std::thread worker([&] {
    if (address.empty()) address = discover_camera(o, cancel, serial);
    ok = !address.empty() && check_camera(o, address, firmware, cancel);
    g_idle_add(+[](gpointer l) -> gboolean {
      g_main_loop_quit(static_cast<GMainLoop *>(l));
      return G_SOURCE_REMOVE;
    }, loop);
  });
  g_main_loop_run(loop);
  worker.join();
  g_source_remove(sigint);
  g_source_remove(sigterm);
  stopped = g_cancellable_is_cancelled(cancel);
  return ok && !stopped;
}

}  // namespace

int main(int argc, char **argv) {
  g_log_writer_default_set_use_stderr(TRUE);  // stdout is for the ready line only
  g_set_prgname("ipcam-rtsp-server");
  ServerOptions options;
  if (int rc = parse_options(argc, argv, options); rc >= 0) return rc;
  gst_init(nullptr, nullptr);
  if (options.verbose) g_log_set_debug_enabled(TRUE);

  std::string address = options.camera;
  std::string serial;  // known when discovery found the camera
  std::string firmware;
  bool stopped = false;
  if (!find_camera(options, address, firmware, serial, stopped)) {
    if (stopped) {
      g_message("stopped before serving");
      return EXIT_SUCCESS;
    }
    if (!options.wait_for_camera) return kExitCamera;
    g_message("--wait-for-camera: serving anyway; the camera is tried again when a client arrives");
  }

  GstRTSPServer *server = ipcam_rtsp_server_new(options.session_timeout_s);
  gst_rtsp_server_set_backlog(server, options.listen_backlog);  // bursts of connects must not wait for a SYN retry
  gst_rtsp_server_set_address(server, options.bind.c_str());
  g_autofree char *service = g_strdup_printf("%u", options.port);
  gst_rtsp_server_set_service(server, service);
  // Clients that wait for the camera to connect must not stall the others.
  GstRTSPThreadPool *pool = gst_rtsp_server_get_thread_pool(server);
  gst_rtsp_thread_pool_set_max_threads(pool, 16);
  g_object_unref(pool);
  if (options.auth_enabled()) {
    GstRTSPAuth *auth = make_auth(options);
    gst_rtsp_server_set_auth(server, auth);
    g_object_unref(auth);
  }

  auto stream = std::make_unique<CameraStream>(options, address);
  stream->attach(server);
  if (gst_rtsp_server_attach(server, nullptr) == 0) {
    g_printerr("ipcam-rtsp-server: cannot listen for RTSP on %s port %u (in use? try --port 0)\n",
               options.bind.c_str(), options.port);
    return kExitListen;
  }
  const std::string url = "rtsp://" + url_host(options.bind) + ":" +
                          std::to_string(gst_rtsp_server_get_bound_port(server)) + options.mount;

  CameraControl control(options, address, *stream);
  auto api = std::make_unique<ControlApi>(options, control, *stream, url, firmware, serial);
  g_autoptr(GError) error = nullptr;
  if (!api->listen(&error)) {
    g_printerr("ipcam-rtsp-server: cannot listen for the control API on %s port %u: %s (another port: --control-http-port PORT, or 0 for any free one)\n", options.bind.c_str(),
               options.control_http_port, error->message);
    return kExitListen;
  }

  if (options.bind == "127.0.0.1" || options.bind == "::1")
    g_message("serving this machine only (loopback); use --bind 0.0.0.0 to serve the network");
  else
    g_message("serving on %s: anyone who can reach this machine can watch%s", options.bind.c_str(),
              options.auth_enabled() ? " (with the RTSP user and password)" : "; consider --rtsp-user");
  g_message("RTSP %s, web page and control API %s, WHEP %s", url.c_str(), api->url().c_str(),
            api->whep_url().c_str());

  GMainLoop *loop = g_main_loop_new(nullptr, FALSE);
  Shutdown shutdown{loop, stream.get(), &control, api.get()};
  g_unix_signal_add(SIGINT, on_signal, &shutdown);
  g_unix_signal_add(SIGTERM, on_signal, &shutdown);

  const std::string ready = ready_line(url, api->url(), api->whep_url());
  fprintf(stdout, "%s\n", ready.c_str());
  fflush(stdout);

  g_main_loop_run(loop);

  api.reset();
  stream.reset();
  g_main_loop_unref(loop);
  g_object_unref(server);
  gst_rtsp_thread_pool_cleanup();
  g_message("stopped");
  return EXIT_SUCCESS;
}
