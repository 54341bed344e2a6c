// Camera: see camera.h.
#include "camera/camera.h"

#include <utility>

namespace ipcam::server {

namespace {

constexpr guint kTickMs = 250;

CameraOptions with_address(CameraOptions options, const std::string &address) {
  options.endpoint.address = address;
  return options;
}

HubSettings hub_settings(const ServerOptions &server) {
  HubSettings s;
  s.linger_s = server.linger_s;
  s.reconnect_attempts = server.reconnect_attempts;
  s.reconnect_backoff_ms = server.reconnect_backoff_ms;
  if (!server.broadcast.empty()) s.discovery_address = server.broadcast[0];
  s.discovery_ports = server.discovery_ports;
  return s;
}

WebrtcSettings webrtc_settings(const ServerOptions &server, const CameraOptions &camera) {
  WebrtcSettings s;
  s.bind = server.bind;
  s.min_port = server.webrtc_min_port;
  s.max_port = server.webrtc_max_port;
  s.camera_timeout_ms = camera.endpoint.timeout_ms;
  return s;
}

}  // namespace

Camera::Camera(const CameraOptions &options, const ServerOptions &server, const CheckedCamera &found, RtspPort &rtsp,
               bool count_all_clients)
    : options_(with_address(options, found.address)),
      found_(found),
      count_all_clients_(count_all_clients),
      rtsp_url_(rtsp.base_url() + options.mount) {
  // The hub tells the mount when ipcamsrc gave up on the camera.
  HubSettings hub = hub_settings(server);
  // As the stream starts: ipcamsrc gets the login settings, and the
  // control API's own session (if one is open) lets go of the camera.
  hub.configure = [this, login = login_settings(options_)](GstElement *src) {
    login.configure_source(src);
    if (control_) control_->let_go();
  };
  hub_ = std::make_shared<CameraHub>(options_.endpoint, std::move(hub), g_main_context_default(),
                                     [this](bool streamed) { mount_->camera_ended(streamed); });
  mount_ = std::make_unique<RtspMount>(rtsp.server(), options_.mount, hub_, server.auth_enabled());
  whep_ = std::make_unique<WhepEndpoint>(webrtc_settings(server, options_), options_.mount, hub_);
  control_ = std::make_unique<CameraControl>(options_.endpoint, server.max_files, hub_, login_settings(options_));
  snapshot_ = std::make_unique<Snapshot>(hub_, options_.endpoint.timeout_ms, g_main_context_default());
  if (server.onvif) onvif_ = std::make_unique<OnvifProfile>(server, hub_);
  if (options_.archive.enabled())
    archive_ = std::make_unique<Archive>(options_.name, options_.archive, hub_, g_main_context_default());
  // The hub lets go of the camera --linger seconds after its last viewer.
  tick_ = g_timeout_add(kTickMs, on_tick, this);
  serial_cancel_ = g_cancellable_new();
  serial_ = found.serial;
  if (serial_.empty() && !found.address.empty())
    serial_asker_ = std::thread([this, server] {
      std::string serial = ask_serial(server, options_, options_.endpoint.address, serial_cancel_);
      std::lock_guard<std::mutex> l(serial_lock_);
      serial_ = serial;
    });
}

Camera::~Camera() {
  g_cancellable_cancel(serial_cancel_);
  if (serial_asker_.joinable()) serial_asker_.join();
  g_object_unref(serial_cancel_);
  if (tick_) g_source_remove(tick_);
  publishers_.clear();
  archive_.reset();
  whep_.reset();
  snapshot_.reset();
  hub_->stop();
}

gboolean Camera::on_tick(gpointer self) {
  static_cast<Camera *>(self)->hub_->tick();
  return G_SOURCE_CONTINUE;
}

void Camera::start() {
  for (const auto &url : options_.publish) {
    publishers_.push_back(std::make_unique<Publisher>(url, hub_, g_main_context_default()));
    publishers_.back()->start();
  }
  if (archive_) archive_->start();
}

void Camera::begin_stop() {
  if (archive_) archive_->begin_stop();
}

void Camera::stop_serving() {
  for (auto &p : publishers_) p->stop();
  if (archive_) archive_->stop();
  control_->shut_down();  // control API requests and downloads end now
  snapshot_->stop();
  g_cancellable_cancel(serial_cancel_);
  whep_->close_all();
}

void Camera::release() {
  for (auto &p : publishers_) p->stop();
  if (archive_) archive_->stop();
  if (tick_) {
    g_source_remove(tick_);
    tick_ = 0;
  }
  mount_->close_clients();
  hub_->stop();
}

bool Camera::set_recording(bool start, GError **error) {
  if (!control_->set_recording(start, error)) return false;
  if (start && !recording_) recording_since_us_ = g_get_monotonic_time();
  recording_ = start;
  return true;
}

CameraStatus Camera::status() {
  CameraStatus s;
  s.name = options_.name;
  s.rtsp_url = rtsp_url_;
  s.whep_path = whep_->path();
  s.address = control_->address();
  s.control_port = options_.endpoint.control_port;
  s.firmware = found_.firmware;
  {
    std::lock_guard<std::mutex> l(serial_lock_);
    s.serial = serial_;
  }
  s.connected = hub_->running();
  s.clients = mount_->client_count(true);
  s.status_clients = count_all_clients_ ? mount_->client_count(false) : s.clients;
  s.viewers = hub_->viewer_count();
  s.dropped_gops = hub_->dropped_gops();
  s.webrtc_viewers = whep_->viewer_count();
  s.recording = recording_;
  if (s.recording) s.recording_seconds = (g_get_monotonic_time() - recording_since_us_) / G_USEC_PER_SEC;
  for (const auto &p : publishers_) s.publish.push_back(p->status());
  if (archive_) s.archive = archive_->status();
  const HubCounters hub = hub_->counters();
  s.counters.frames = hub.frames;
  s.counters.bytes = hub.bytes;
  s.counters.datagrams_lost = hub.datagrams_lost;
  s.counters.frames_dropped = hub.frames_dropped;
  s.counters.reconnects = hub.reconnects;
  s.counters.connects = hub.connects;
  s.counters.snapshots = snapshot_->served();
  if (GstElement *src = hub_->running_source()) {
    GstStructure *stats = nullptr;
    g_object_get(src, "stats", &stats, nullptr);
    gst_object_unref(src);
    if (stats) s.stats.reset(stats, gst_structure_free);
  }
  return s;
}

}  // namespace ipcam::server
