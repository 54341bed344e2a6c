// Finding and checking the cameras at start: see camera-check.h.
#include "camera/camera-check.h"

#include "ipcam/camera-login.h"
#include "ipcam/discovery.h"
#include "ipcam/error.h"
#include "ipcam/session.h"
#include "ipcam/text.h"

#include <glib-unix.h>

#include <algorithm>
#include <atomic>
#include <thread>

namespace ipcam::server {

namespace {

// Finds the camera when no --camera was given. Empty = none answered.
std::string discover_camera(const ServerOptions &o, GCancellable *cancel, std::string &serial) {
  ipcam::DiscoveryConfig config;
  config.broadcast_addresses = o.broadcast;
  if (!o.discovery_ports.empty()) config.ports = o.discovery_ports;
  ipcam::FoundCamera found;
  g_autoptr(GError) error = nullptr;
  const bool ok = ipcam::find_camera(ipcam::CameraEndpoint{}, config, cancel, found, &error);
  const bool none = !ok && g_error_matches(error, IPCAM_ERROR, IPCAM_ERROR_NO_CAMERA);
  if (!ok && !none) {
    g_printerr("ipcam-rtsp-server: discovery failed: %s\n", error->message);
    return {};
  }
  if (g_cancellable_is_cancelled(cancel)) return {};
  if (none) {
    g_printerr("ipcam-rtsp-server: no camera answered on %s; is this computer on the camera's WiFi? "
               "(or give --camera ADDRESS)\n", found.where.c_str());
    return {};
  }
  g_message("found a camera at %s", found.address.c_str());
  serial = found.serial;
  return found.address;
}

// Logs in once to check address and password; reads the firmware version.
bool check_camera(const CameraOptions &c, size_t max_files, const std::string &address, std::string &firmware,
                  GCancellable *cancel) {
  ipcam::CameraEndpoint endpoint = c.endpoint;
  endpoint.address = address;
  ipcam::SessionConfig config = ipcam::session_config(endpoint);
  config.max_files = max_files;
  ipcam::ControlSession session(config);
  // Linked for the firmware request too: a camera silent after login must
  // not hold SIGTERM up.
  ipcam::CloseOnCancel closer;
  g_autoptr(GError) error = nullptr;
  if (!ipcam::log_in(session, cancel, closer, &error)) {
    if (g_cancellable_is_cancelled(cancel)) return false;
    g_printerr("ipcam-rtsp-server: cannot use the camera at %s:%u (%s): %s\n", address.c_str(),
               c.endpoint.control_port, c.mount.c_str() + 1, error->message);
    return false;
  }
  g_autoptr(GError) fw_error = nullptr;
  auto version = session.firmware_version(&fw_error);
  if (g_cancellable_is_cancelled(cancel)) return false;
  if (version)
    firmware = *version;
  else
    g_message("firmware version unknown: %s", fw_error->message);
  session.close();
  g_message("camera at %s:%u: login ok%s%s", address.c_str(), c.endpoint.control_port,
            firmware.empty() ? "" : ", firmware ", ipcam::escape_control(firmware).c_str());
  return true;
}

}  // namespace

bool find_cameras(const Options &o, std::vector<CheckedCamera> &found, bool &stopped) {
  found.assign(o.cameras.size(), {});
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  g_autoptr(GMainLoop) loop = g_main_loop_new(nullptr, FALSE);
  auto on_stop = +[](gpointer c) -> gboolean {
    g_cancellable_cancel(G_CANCELLABLE(c));
    return G_SOURCE_CONTINUE;
  };
  const guint sigint = g_unix_signal_add(SIGINT, on_stop, cancel);
  const guint sigterm = g_unix_signal_add(SIGTERM, on_stop, cancel);
  std::atomic<size_t> left{o.cameras.size()};
  std::vector<std::thread> workers;
  for (size_t i = 0; i < o.cameras.size(); i++) {
    workers.emplace_back([&o, &f = found[i], &c = o.cameras[i], &left, cancel, loop] {
      f.address = c.endpoint.address;
      if (f.address.empty()) f.address = discover_camera(o.server, cancel, f.serial);
      f.usable = !f.address.empty() && check_camera(c, o.server.max_files, f.address, f.firmware, cancel);
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

std::string ask_serial(const ServerOptions &o, const CameraOptions &c, const std::string &address,
                       GCancellable *cancel) {
  ipcam::DiscoveryConfig config;
  config.broadcast_addresses = {address};
  if (!o.discovery_ports.empty()) config.ports = o.discovery_ports;
  config.timeout_ms = std::min(c.endpoint.timeout_ms, 1000u);
  config.max_cameras = 1;
  config.interface = c.endpoint.interface;
  g_autoptr(GError) error = nullptr;
  const auto found = ipcam::discover(config, cancel, nullptr, &error);
  if (!found) {
    if (!g_cancellable_is_cancelled(cancel)) g_message("camera at %s: no serial: %s", address.c_str(), error->message);
    return {};
  }
  for (const auto &cam : *found)
    if (cam.address == address) return cam.serial;
  return {};
}

}  // namespace ipcam::server
