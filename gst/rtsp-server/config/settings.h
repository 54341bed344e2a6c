// One source's settings (the --config file's, the command line's), typed
// as they are read: each value is checked and converted once, here; an
// unset field was not given. Sources are then laid over the defaults in
// order (apply_to()), so the later wins; a list given in a source replaces
// the earlier source's.
#pragma once

#include "config/server-options.h"

#include <glib.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ipcam::server {

enum class Read { ok, bad, unknown };

struct ServerSettings {
  std::optional<std::vector<std::string>> broadcast;
  std::optional<std::vector<uint16_t>> discovery_ports;
  std::optional<int> reconnect_attempts, reconnect_backoff_ms;
  std::optional<size_t> max_files;
  std::optional<std::string> bind, mount, rtsp_user, rtsp_password;
  std::optional<uint16_t> port, control_http_port;
  std::optional<bool> rtsp_digest, wait_for_camera, verbose;
  std::optional<std::pair<uint16_t, uint16_t>> webrtc_ports;
  std::optional<unsigned> linger_s, session_timeout_s;
  std::optional<unsigned> max_connections, max_connections_per_address;
  std::optional<bool> onvif;
  std::optional<std::string> metrics_token;
  std::optional<std::vector<std::string>> allowed_hosts;

  // `key` (a long option name) with its text value; `error` says why not.
  Read read(const std::string &key, const std::string &value, std::string &error);
  void apply_to(ServerOptions &o) const;
};

struct CameraSettings {
  std::optional<std::string> address, user, password, interface;
  std::optional<uint16_t> control_port, preview_port, http_port;
  std::optional<unsigned> timeout_ms;
  std::optional<std::vector<std::string>> publish;
  std::optional<ipcam::SettingsSpec> apply_settings;
  std::optional<bool> sync_clock;
  std::optional<std::string> archive;
  std::optional<unsigned> archive_segment_s;
  std::optional<guint64> archive_keep_s, archive_max_bytes, archive_min_free_bytes;

  Read read(const std::string &key, const std::string &value, std::string &error);
  void apply_to(CameraOptions &c) const;
};

// "8s", "10m", "2h", "7d" (a bare number is seconds) into seconds.
bool parse_duration(const std::string &text, guint64 &seconds);
// "1048576", "500K", "500M", "20G", "1T" (powers of 1024) into bytes.
bool parse_size(const std::string &text, guint64 &bytes);

// The keys of a [camera NAME] group (and the per-camera options).
bool is_camera_key(const std::string &key);

}  // namespace ipcam::server
