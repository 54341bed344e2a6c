// Server: see server.h.
#include "server.h"

#include "onvif/onvif-call.h"

#include <glib-unix.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <json-glib/json-glib.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace ipcam::server {

namespace {

constexpr int kExitListen = 4;
constexpr gint64 kShutdownLimitUs = 5 * G_USEC_PER_SEC;

struct ReadyCamera {
  std::string name, url, whep;
};

std::string ready_line(const std::string &url, const std::string &control, const std::string &whep,
                       const std::vector<ReadyCamera> &cameras) {
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

}  // namespace

Server::Server(const Options &options, const std::vector<CheckedCamera> &found) : options_(options), found_(found) {}

Server::~Server() {
  discovery_.reset();
  api_.reset();
  cameras_.clear();
  if (loop_) g_main_loop_unref(loop_);
  rtsp_.reset();
  gst_rtsp_thread_pool_cleanup();
}

// The RTSP port, the cameras at their mounts, the control port.
bool Server::listen() {
  const ServerOptions &o = options_.server;
  rtsp_ = std::make_unique<RtspPort>(o, options_.cameras.size());
  if (!rtsp_->listen()) return false;
  std::vector<Camera *> cameras;
  for (size_t i = 0; i < options_.cameras.size(); i++) {
    cameras_.push_back(
        std::make_unique<Camera>(options_.cameras[i], o, found_[i], *rtsp_, options_.cameras.size() <= 1));
    cameras.push_back(cameras_.back().get());
  }
  api_ = std::make_unique<ControlApi>(o, cameras, cameras[options_.default_camera]);
  g_autoptr(GError) error = nullptr;
  if (!api_->listen(&error)) {
    g_printerr("ipcam-rtsp-server: cannot listen for the control API on %s port %u: %s (another port: --control-http-port PORT, or 0 for any free one)\n", o.bind.c_str(),
               o.control_http_port, error->message);
    return false;
  }
  if (o.onvif) {
    g_autoptr(GUri) control = g_uri_parse(api_->url().c_str(), G_URI_FLAGS_NONE, nullptr);
    discovery_ = std::make_unique<WsDiscovery>(o, control ? g_uri_get_port(control) : o.control_http_port,
                                               onvif_scopes(cameras[options_.default_camera]));
  }
  return true;
}

// Logs what is served, starts the publications and the signal watch,
// and prints the ready line.
void Server::serve() {
  const ServerOptions &o = options_.server;
  if (o.bind == "127.0.0.1" || o.bind == "::1")
    g_message("serving this machine only (loopback); use --bind 0.0.0.0 to serve the network");
  else
    g_message("serving on %s: anyone who can reach this machine can watch%s", o.bind.c_str(),
              o.auth_enabled() ? " (with the RTSP user and password)" : "; consider --rtsp-user");
  std::vector<ReadyCamera> served;
  for (auto &c : cameras_) {
    const std::string whep = whep_url(api_->url(), c->whep().path());
    g_message("camera %s: RTSP %s, WHEP %s", c->name().c_str(), c->rtsp_url().c_str(), whep.c_str());
    served.push_back({c->name(), c->rtsp_url(), whep});
  }
  g_message("web page and control API %s", api_->url().c_str());
  for (auto &c : cameras_) c->start();
  if (discovery_) discovery_->start();
  loop_ = g_main_loop_new(nullptr, FALSE);
  g_unix_signal_add(SIGINT, on_signal, this);
  g_unix_signal_add(SIGTERM, on_signal, this);
  const ReadyCamera &main_camera = served[options_.default_camera];
  const std::string ready = ready_line(main_camera.url, api_->url(), main_camera.whep, served);
  fprintf(stdout, "%s\n", ready.c_str());
  fflush(stdout);
}

int Server::run() {
  if (!listen()) return kExitListen;
  serve();
  g_main_loop_run(loop_);
  return EXIT_SUCCESS;
}

bool Server::released() const {
  for (auto &c : cameras_)
    if (!c->released()) return false;
  return true;
}

gboolean Server::on_signal(gpointer data) {
  auto *self = static_cast<Server *>(data);
  if (self->stop_started_us_) return G_SOURCE_CONTINUE;  // already on the way out
  g_message("stopping: closing clients and releasing the cameras");
  self->stop_started_us_ = g_get_monotonic_time();
  if (self->discovery_) self->discovery_->stop();  // Bye first: the rest may take its time
  for (auto &c : self->cameras_) c->begin_stop();
  for (auto &c : self->cameras_) c->stop_serving();
  self->rtsp_->close_all_clients();
  for (auto &c : self->cameras_) c->release();
  // Wait (without blocking the loop) until the media is gone.
  g_timeout_add(50, on_stopping, self);
  return G_SOURCE_CONTINUE;
}

gboolean Server::on_stopping(gpointer data) {
  auto *self = static_cast<Server *>(data);
  if (self->released() || g_get_monotonic_time() - self->stop_started_us_ > kShutdownLimitUs) {
    if (!self->released()) g_warning("a camera stream did not stop in time; exiting anyway");
    g_main_loop_quit(self->loop_);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace ipcam::server
