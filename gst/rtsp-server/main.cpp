// ipcam-rtsp-server: serves cameras' live previews to many RTSP clients,
// each camera at its own mount, with an HTTP control API. Standard output carries exactly one line, the
// JSON ready line; everything else goes to standard error.
#include "camera-control.h"
#include "camera-stream.h"
#include "control-api.h"
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

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace ipcam_rtsp;

namespace {

constexpr int kExitCamera = 3;
constexpr int kExitListen = 4;
constexpr gint64 kShutdownLimitUs = 5 * G_USEC_PER_SEC;

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
  ipcam::CameraEndpoint endpoint;
  endpoint.address = address;
  endpoint.control_port = o.control_port;
  endpoint.user = o.user;
  endpoint.password = o.password;
  endpoint.interface = o.interface;
  endpoint.timeout_ms = o.timeout_ms;
  ipcam::SessionConfig config = ipcam::session_config(endpoint);
  config.max_files = o.max_files;
  ipcam::ControlSession session(config);
  g_autoptr(GError) error = nullptr;
  if (!session.connect(cancel, &error)) {
    if (g_cancellable_is_cancelled(cancel)) return false;
    g_printerr("ipcam-rtsp-server: cannot use the camera at %s:%u (%s): %s\n", address.c_str(), o.control_port,
               o.mount.c_str() + 1, error->message);
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

struct Served {
  std::string name, url, whep;
};

std::string ready_line(const std::string &url, const std::string &control, const std::string &whep,
                       const std::vector<Served> &cameras) {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  const std::pair<const char *, const std::string *> members[] = {
      {"url", &url}, {"control", &control}, {"web", &control}, {"whep", &whep}};
  for (const auto &[name, value] : members) {
    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, value->c_str());
  }
  json_builder_set_member_name(b, "cameras");
  json_builder_begin_object(b);
  for (const auto &c : cameras) {
    json_builder_set_member_name(b, c.name.c_str());
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "url");
    json_builder_add_string_value(b, c.url.c_str());
    json_builder_set_member_name(b, "whep");
    json_builder_add_string_value(b, c.whep.c_str());
    json_builder_end_object(b);
  }
  json_builder_end_object(b);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *text = json_to_string(root, FALSE);
  return text;
}

// One camera served: its settings, its stream and its control.
struct Camera {
  CameraOptions config;
  ServerOptions options;  // the server's, with this camera's (for_camera())
  std::string address, firmware, serial;
  bool usable = false;
  std::unique_ptr<CameraStream> stream;
  std::unique_ptr<CameraControl> control;
};

// Each camera's publications (CameraOptions::publish, docs/publishing.md):
// started once its stream is attached, stopped before the streams shut down.
void start_publishers(Camera &camera) { camera.stream->start_publishing(camera.config.publish); }

void stop_publishers(Camera &camera) { camera.stream->stop_publishing(); }

struct Shutdown {
  GMainLoop *loop;
  std::vector<Camera> *cameras;
  GstRTSPServer *server;
  ControlApi *api;
  gint64 started_us = 0;

  bool released() const {
    for (auto &c : *cameras)
      if (!c.stream->released()) return false;
    return true;
  }
};

gboolean on_signal(gpointer data) {
  auto *s = static_cast<Shutdown *>(data);
  if (s->started_us) return G_SOURCE_CONTINUE;  // already on the way out
  g_message("stopping: closing clients and releasing the cameras");
  s->started_us = g_get_monotonic_time();
  for (auto &c : *s->cameras) {
    stop_publishers(c);
    c.control->shut_down();  // control API requests and downloads end now
  }
  s->api->close_viewers();
  CameraStream::close_all_clients(s->server);
  for (auto &c : *s->cameras) c.stream->shut_down();
  // Wait (without blocking the loop) until the media is gone.
  g_timeout_add(50, +[](gpointer d) -> gboolean {
    auto *sd = static_cast<Shutdown *>(d);
    if (sd->released() || g_get_monotonic_time() - sd->started_us > kShutdownLimitUs) {
      if (!sd->released()) g_warning("a camera stream did not stop in time; exiting anyway");
      g_main_loop_quit(sd->loop);
      return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
  }, s);
  return G_SOURCE_CONTINUE;
}

// Finds (a lone camera without address) and checks every camera, each on
// a thread of its own, while SIGINT/SIGTERM are watched: a stop during
// discovery or a login that hangs ends at once. Sets each camera's
// `usable`; false when a signal came (`stopped`).
bool find_cameras(std::vector<Camera> &cameras, bool &stopped) {
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  g_autoptr(GMainLoop) loop = g_main_loop_new(nullptr, FALSE);
  auto on_stop = +[](gpointer c) -> gboolean {
    g_cancellable_cancel(G_CANCELLABLE(c));
    return G_SOURCE_CONTINUE;
  };
  const guint sigint = g_unix_signal_add(SIGINT, on_stop, cancel);
  const guint sigterm = g_unix_signal_add(SIGTERM, on_stop, cancel);
  std::atomic<size_t> left{cameras.size()};
  std::vector<std::thread> workers;
  for (auto &c : cameras) {
    workers.emplace_back([&c, &left, cancel, loop] {
      if (c.address.empty()) c.address = discover_camera(c.options, cancel, c.serial);
      c.usable = !c.address.empty() && check_camera(c.options, c.address, c.firmware, cancel);
      if (--left == 0)
        g_idle_add(+[](gpointer l) -> gboolean {
          g_main_loop_quit(static_cast<GMainLoop *>(l));
          return G_SOURCE_REMOVE;
        }, loop);
    });
  }
  g_main_loop_run(loop);
  for (auto &w : workers) w.join();
  g_source_remove(sigint);
  g_source_remove(sigterm);
  stopped = g_cancellable_is_cancelled(cancel);
  return !stopped;
}

}  // namespace

int main(int argc, char **argv) {
  g_log_writer_default_set_use_stderr(TRUE);  // stdout is for the ready line only
  g_set_prgname("ipcam-rtsp-server");
  ServerOptions options;
  if (int rc = parse_options(argc, argv, options); rc >= 0) return rc;
  gst_init(nullptr, nullptr);
  if (options.verbose) g_log_set_debug_enabled(TRUE);

  std::vector<Camera> cameras(options.cameras.size());
  for (size_t i = 0; i < cameras.size(); i++) {
    cameras[i].config = options.cameras[i];
    cameras[i].options = options.for_camera(options.cameras[i]);
    cameras[i].address = options.cameras[i].address;
  }
  bool stopped = false;
  find_cameras(cameras, stopped);
  if (stopped) {
    g_message("stopped before serving");
    return EXIT_SUCCESS;
  }
  for (auto &c : cameras) {
    if (c.usable) continue;
    if (!options.wait_for_camera) return kExitCamera;
    g_message("--wait-for-camera: serving camera %s anyway; it is tried again when a client arrives",
              c.config.name.c_str());
  }

  GstRTSPServer *server = ipcam_rtsp_server_new(options.session_timeout_s);
  gst_rtsp_server_set_backlog(server, options.listen_backlog);  // bursts of connects must not wait for a SYN retry
  gst_rtsp_server_set_address(server, options.bind.c_str());
  g_autofree char *service = g_strdup_printf("%u", options.port);
  gst_rtsp_server_set_service(server, service);
  // Clients that wait for a camera to connect must not stall the others.
  GstRTSPThreadPool *pool = gst_rtsp_server_get_thread_pool(server);
  gst_rtsp_thread_pool_set_max_threads(pool, gint(16 + 4 * cameras.size()));
  g_object_unref(pool);
  if (options.auth_enabled()) {
    GstRTSPAuth *auth = make_auth(options);
    gst_rtsp_server_set_auth(server, auth);
    g_object_unref(auth);
  }

  for (auto &c : cameras) {
    c.stream = std::make_unique<CameraStream>(c.options, c.address);
    c.stream->attach(server);
  }
  if (gst_rtsp_server_attach(server, nullptr) == 0) {
    g_printerr("ipcam-rtsp-server: cannot listen for RTSP on %s port %u (in use? try --port 0)\n",
               options.bind.c_str(), options.port);
    return kExitListen;
  }
  const guint housekeeping = g_timeout_add(250, +[](gpointer s) -> gboolean {
    CameraStream::server_tick(GST_RTSP_SERVER(s));
    return G_SOURCE_CONTINUE;
  }, server);
  const std::string rtsp_base =
      "rtsp://" + url_host(options.bind) + ":" + std::to_string(gst_rtsp_server_get_bound_port(server));

  auto api = std::make_unique<ControlApi>(options);
  for (auto &c : cameras) {
    c.control = std::make_unique<CameraControl>(c.options, c.address, *c.stream);
    api->add_camera(c.options, c.config.name, *c.control, *c.stream, rtsp_base + c.config.mount, c.firmware,
                    c.serial);
  }
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
  std::vector<Served> served;
  for (auto &c : api->cameras()) {
    g_message("camera %s: RTSP %s, WHEP %s", c->name().c_str(), c->rtsp_url().c_str(), c->whep_url().c_str());
    served.push_back({c->name(), c->rtsp_url(), c->whep_url()});
  }
  g_message("web page and control API %s", api->url().c_str());
  for (auto &c : cameras) start_publishers(c);

  GMainLoop *loop = g_main_loop_new(nullptr, FALSE);
  Shutdown shutdown{loop, &cameras, server, api.get()};
  g_unix_signal_add(SIGINT, on_signal, &shutdown);
  g_unix_signal_add(SIGTERM, on_signal, &shutdown);

  const CameraApi &main_camera = *api->cameras()[options.default_camera];
  const std::string ready = ready_line(main_camera.rtsp_url(), api->url(), main_camera.whep_url(), served);
  fprintf(stdout, "%s\n", ready.c_str());
  fflush(stdout);

  g_main_loop_run(loop);

  g_source_remove(housekeeping);
  api.reset();
  for (auto &c : cameras) {
    c.control.reset();
    c.stream.reset();
  }
  g_main_loop_unref(loop);
  g_object_unref(server);
  gst_rtsp_thread_pool_cleanup();
  g_message("stopped");
  return EXIT_SUCCESS;
}
