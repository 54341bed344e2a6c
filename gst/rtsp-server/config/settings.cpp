// Reading and laying settings: see settings.h.
#include "config/settings.h"

#include "config/password-file.h"
#include "media/publish-url.h"

#include <glib.h>

#include <cstdio>
#include <tuple>

namespace ipcam::server {

namespace {

bool parse_uint(const std::string &v, guint64 lo, guint64 hi, guint64 &out) {
  char *end = nullptr;
  out = g_ascii_strtoull(v.c_str(), &end, 10);
  return !v.empty() && g_ascii_isdigit(v[0]) && !*end && out >= lo && out <= hi;
}

bool parse_int(const std::string &v, gint64 lo, gint64 hi, gint64 &out) {
  char *end = nullptr;
  out = g_ascii_strtoll(v.c_str(), &end, 10);
  return !v.empty() && !*end && out >= lo && out <= hi;
}

Read parse_port(const std::string &v, bool zero_ok, std::optional<uint16_t> &out, std::string &err) {
  guint64 p = 0;
  if (!parse_uint(v, zero_ok ? 0 : 1, 65535, p)) {
    err = zero_ok ? "expected a port, 0..65535" : "expected a port, 1..65535";
    return Read::bad;
  }
  out = uint16_t(p);
  return Read::ok;
}

Read parse_bool(const std::string &v, std::optional<bool> &out, std::string &err) {
  if (v.empty() || v == "true" || v == "1" || v == "yes") out = true;
  else if (v == "false" || v == "0" || v == "no") out = false;
  else return (err = "expected true or false"), Read::bad;
  return Read::ok;
}

template <typename T>
void append(std::optional<std::vector<T>> &list, T value) {
  if (!list) list.emplace();
  list->push_back(std::move(value));
}

template <typename T, typename U>
void lay(const std::optional<T> &from, U &into) {
  if (from) into = *from;
}

}  // namespace

bool parse_duration(const std::string &text, guint64 &seconds) {
  if (text.empty() || !g_ascii_isdigit(text[0])) return false;
  char *end = nullptr;
  const guint64 n = g_ascii_strtoull(text.c_str(), &end, 10);
  guint64 unit = 1;
  if (*end == 'm') unit = 60;
  else if (*end == 'h') unit = 3600;
  else if (*end == 'd') unit = 86400;
  else if (*end && *end != 's') return false;
  if (*end && end[1]) return false;
  if (n > G_MAXUINT64 / unit) return false;
  seconds = n * unit;
  return true;
}

bool parse_size(const std::string &text, guint64 &bytes) {
  if (text.empty() || !g_ascii_isdigit(text[0])) return false;
  char *end = nullptr;
  const guint64 n = g_ascii_strtoull(text.c_str(), &end, 10);
  int shift = 0;
  switch (g_ascii_toupper(*end)) {
    case '\0': break;
    case 'K': shift = 10; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    case 'T': shift = 40; break;
    default: return false;
  }
  if (*end && end[1] && g_ascii_strcasecmp(end + 1, "B") && g_ascii_strcasecmp(end + 1, "iB")) return false;
  if (shift && n > (G_MAXUINT64 >> shift)) return false;
  bytes = n << shift;
  return true;
}

Read ServerSettings::read(const std::string &k, const std::string &v, std::string &err) {
  gint64 n = 0;
  guint64 u = 0;
  auto bad = [&](const char *why) { return (err = why), Read::bad; };
  if (k == "broadcast") {
    append(broadcast, v);
  } else if (k == "discovery-port") {
    std::optional<uint16_t> p;
    if (parse_port(v, false, p, err) != Read::ok) return Read::bad;
    append(discovery_ports, *p);
  } else if (k == "reconnect-attempts") {
    if (!parse_int(v, -1, G_MAXINT, n)) return bad("must be -1 (forever) or more");
    reconnect_attempts = int(n);
  } else if (k == "reconnect-backoff") {
    if (!parse_int(v, -1, 60000, n)) return bad("must be 0..60000");
    reconnect_backoff_ms = int(n);
  } else if (k == "max-files") {
    if (!parse_uint(v, 1, G_MAXUINT, u)) return bad("must be 1..4294967295");
    max_files = size_t(u);
  } else if (k == "bind") {
    bind = v;
  } else if (k == "port") {
    return parse_port(v, true, port, err);
  } else if (k == "control-http-port") {
    return parse_port(v, true, control_http_port, err);
  } else if (k == "mount") {
    if (v.empty() || v[0] != '/') return bad("must start with /");
    mount = v;
  } else if (k == "rtsp-user") {
    rtsp_user = v;
  } else if (k == "rtsp-password") {
    rtsp_password = v;
  } else if (k == "rtsp-password-file") {
    std::string password;
    if (!read_password_file(v, password, err)) return Read::bad;
    rtsp_password = password;
  } else if (k == "rtsp-auth") {
    if (!g_ascii_strcasecmp(v.c_str(), "basic")) rtsp_digest = false;
    else if (!g_ascii_strcasecmp(v.c_str(), "digest")) rtsp_digest = true;
    else return bad("expected digest or basic");
  } else if (k == "webrtc-ports") {
    unsigned lo = 0, hi = 0;
    char extra = 0;
    if (sscanf(v.c_str(), "%u-%u%c", &lo, &hi, &extra) != 2 || lo < 1 || hi > 65535 || lo > hi)
      return bad("expected MIN-MAX, e.g. 50000-50100");
    webrtc_ports = {uint16_t(lo), uint16_t(hi)};
  } else if (k == "linger") {
    if (!parse_uint(v, 0, G_MAXINT, u)) return bad("must be 0 or more");
    linger_s = unsigned(u);
  } else if (k == "session-timeout") {
    if (!parse_uint(v, 1, G_MAXINT, u)) return bad("must be at least 1 s");
    session_timeout_s = unsigned(u);
  } else if (k == "max-connections" || k == "max-connections-per-address") {
    if (!parse_uint(v, 1, G_MAXINT, u)) return bad("must be at least 1");
    (k == "max-connections" ? max_connections : max_connections_per_address) = unsigned(u);
  } else if (k == "wait-for-camera") {
    return parse_bool(v, wait_for_camera, err);
  } else if (k == "verbose") {
    return parse_bool(v, verbose, err);
  } else if (k == "onvif") {
    return parse_bool(v, onvif, err);
  } else if (k == "metrics-token") {
    std::string token;
    if (!read_password_file(v, token, err)) return Read::bad;
    if (token.empty()) return bad("the token file is empty");
    metrics_token = token;
  } else if (k == "allowed-host") {
    if (v.empty() || v.find_first_of(" /:@[]") != std::string::npos) return bad("expected a host name, e.g. nvr.lan");
    g_autofree char *lower = g_ascii_strdown(v.c_str(), -1);
    append(allowed_hosts, std::string(lower));
  } else {
    return Read::unknown;
  }
  return Read::ok;
}

void ServerSettings::apply_to(ServerOptions &o) const {
  lay(broadcast, o.broadcast);
  lay(discovery_ports, o.discovery_ports);
  lay(reconnect_attempts, o.reconnect_attempts);
  lay(reconnect_backoff_ms, o.reconnect_backoff_ms);
  lay(max_files, o.max_files);
  lay(bind, o.bind);
  lay(rtsp_user, o.rtsp_user);
  lay(rtsp_password, o.rtsp_password);
  lay(port, o.port);
  lay(control_http_port, o.control_http_port);
  lay(rtsp_digest, o.rtsp_digest);
  lay(wait_for_camera, o.wait_for_camera);
  lay(verbose, o.verbose);
  if (webrtc_ports) std::tie(o.webrtc_min_port, o.webrtc_max_port) = *webrtc_ports;
  lay(linger_s, o.linger_s);
  lay(session_timeout_s, o.session_timeout_s);
  lay(max_connections, o.max_connections);
  lay(max_connections_per_address, o.max_connections_per_address);
  lay(onvif, o.onvif);
  lay(metrics_token, o.metrics_token);
  lay(allowed_hosts, o.allowed_hosts);
}

Read CameraSettings::read(const std::string &k, const std::string &v, std::string &err) {
  guint64 u = 0;
  if (k == "address") {
    address = v;
  } else if (k == "control-port") {
    return parse_port(v, false, control_port, err);
  } else if (k == "preview-port") {
    return parse_port(v, true, preview_port, err);
  } else if (k == "http-port") {
    return parse_port(v, false, http_port, err);
  } else if (k == "user") {
    user = v;
  } else if (k == "password") {
    password = v;
  } else if (k == "password-file") {
    std::string text;
    if (!read_password_file(v, text, err)) return Read::bad;
    password = text;
  } else if (k == "interface") {
    interface = v;
  } else if (k == "timeout") {
    if (!parse_uint(v, 1, G_MAXINT, u)) return (err = "must be at least 1 ms"), Read::bad;
    timeout_ms = unsigned(u);
  } else if (k == "publish") {
    if (!check_publish_url(v, err)) return Read::bad;
    append(publish, v);
  } else if (k == "apply-settings") {
    g_autoptr(GError) e = nullptr;
    auto spec = ipcam::parse_settings_spec(v, &e);
    if (!spec) return (err = e->message), Read::bad;
    apply_settings = std::move(*spec);
  } else if (k == "sync-clock") {
    return parse_bool(v, sync_clock, err);
  } else if (k == "archive") {
    if (v.empty()) return (err = "give a folder"), Read::bad;
    archive = v;
  } else if (k == "archive-segment") {
    guint64 s = 0;
    if (!parse_duration(v, s) || s < 1 || s > 86400)
      return (err = "expected a duration from 1s to 1d, e.g. 10m"), Read::bad;
    archive_segment_s = unsigned(s);
  } else if (k == "archive-keep") {
    guint64 s = 0;
    if (!parse_duration(v, s) || s < 1) return (err = "expected a duration, e.g. 7d, 12h or 30m"), Read::bad;
    archive_keep_s = s;
  } else if (k == "archive-max-bytes" || k == "archive-min-free") {
    guint64 b = 0;
    if (!parse_size(v, b) || b < 1) return (err = "expected a size: bytes, or e.g. 500M, 20G"), Read::bad;
    (k == "archive-max-bytes" ? archive_max_bytes : archive_min_free_bytes) = b;
  } else {
    return Read::unknown;
  }
  return Read::ok;
}

void CameraSettings::apply_to(CameraOptions &c) const {
  lay(address, c.endpoint.address);
  lay(control_port, c.endpoint.control_port);
  lay(preview_port, c.endpoint.preview_port);
  lay(http_port, c.endpoint.http_port);
  lay(user, c.endpoint.user);
  lay(password, c.endpoint.password);
  lay(interface, c.endpoint.interface);
  lay(timeout_ms, c.endpoint.timeout_ms);
  lay(publish, c.publish);
  if (apply_settings) c.apply_settings = *apply_settings;
  lay(sync_clock, c.sync_clock);
  lay(archive, c.archive.dir);
  lay(archive_segment_s, c.archive.segment_s);
  lay(archive_keep_s, c.archive.keep_s);
  lay(archive_max_bytes, c.archive.max_bytes);
  lay(archive_min_free_bytes, c.archive.min_free_bytes);
}

bool is_camera_key(const std::string &k) {
  for (const char *c : {"address", "control-port", "preview-port", "http-port", "user", "password", "password-file",
                        "interface", "timeout", "publish", "apply-settings", "sync-clock", "archive", "archive-segment",
                        "archive-keep", "archive-max-bytes", "archive-min-free"})
    if (k == c) return true;
  return false;
}

}  // namespace ipcam::server
