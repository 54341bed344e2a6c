// The command line and the --config file, into ServerOptions.
//
// Every option is recorded as (long name, value) as GOption reads it; the
// --config file gives the same names (config-file.h). They are applied in
// this order, so the later wins: the file's [server] and [camera NAME]
// groups, then the command line's server-wide options, its per-camera
// options without a name (for every camera), then those with NAME=.
#include "server-options.h"

#include "config-file.h"
#include "publisher.h"

#include <gst/gst.h>

#include <cstdio>
#include <cstdlib>
#include <set>

namespace ipcam_rtsp {

namespace {

constexpr int kExitUsage = 2;

int usage_error(const std::string &message) {
  g_printerr("ipcam-rtsp-server: %s (see --help)\n", message.c_str());
  return kExitUsage;
}

struct CommandLine {
  std::vector<Setting> settings;
  bool version = false;
};

gboolean record(const char *name, const char *value, gpointer data, GError **) {
  auto &cl = *static_cast<CommandLine *>(data);
  std::string key = name;
  key = key == "-v" ? "verbose" : key.substr(2);
  if (key == "version") cl.version = true;
  else cl.settings.push_back({key, value ? value : "", {}, "--" + key});
  return TRUE;
}

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

bool parse_port(const std::string &v, bool zero_ok, uint16_t &out, std::string &err) {
  guint64 p = 0;
  if (!parse_uint(v, zero_ok ? 0 : 1, 65535, p)) {
    err = zero_ok ? "expected a port, 0..65535" : "expected a port, 1..65535";
    return false;
  }
  out = uint16_t(p);
  return true;
}

bool parse_bool(const std::string &v, bool &out, std::string &err) {
  if (v.empty() || v == "true" || v == "1" || v == "yes") out = true;
  else if (v == "false" || v == "0" || v == "no") out = false;
  else return (err = "expected true or false"), false;
  return true;
}

enum class Set { ok, bad, unknown };

// A server-wide setting. `fresh` = the first of a list key from this source
// (the command line's list replaces the file's).
Set set_server(ServerOptions &o, const std::string &k, const std::string &v, bool fresh, std::string &err) {
  gint64 n = 0;
  guint64 u = 0;
  auto range = [&](bool ok, const char *why) { return ok ? Set::ok : ((err = why), Set::bad); };
  if (k == "broadcast") {
    if (fresh) o.broadcast.clear();
    o.broadcast.push_back(v);
  } else if (k == "discovery-port") {
    uint16_t p;
    if (!parse_port(v, false, p, err)) return Set::bad;
    if (fresh) o.discovery_ports.clear();
    o.discovery_ports.push_back(p);
  } else if (k == "reconnect-attempts") {
    if (!parse_int(v, -1, G_MAXINT, n)) return range(false, "must be -1 (forever) or more");
    o.reconnect_attempts = int(n);
  } else if (k == "reconnect-backoff") {
    if (!parse_int(v, -1, 60000, n)) return range(false, "must be 0..60000");
    o.reconnect_backoff_ms = int(n);
  } else if (k == "max-files") {
    if (!parse_uint(v, 1, G_MAXUINT, u)) return range(false, "must be 1..4294967295");
    o.max_files = size_t(u);
  } else if (k == "bind") {
    o.bind = v;
  } else if (k == "port") {
    return range(parse_port(v, true, o.port, err), err.c_str());
  } else if (k == "control-http-port") {
    return range(parse_port(v, true, o.control_http_port, err), err.c_str());
  } else if (k == "mount") {
    if (v.empty() || v[0] != '/') return range(false, "must start with /");
    o.mount = v;
  } else if (k == "rtsp-user") {
    o.rtsp_user = v;
  } else if (k == "rtsp-password") {
    o.rtsp_password = v;
  } else if (k == "rtsp-password-file") {
    if (!read_password_file(v, o.rtsp_password, err)) return Set::bad;
  } else if (k == "rtsp-auth") {
    if (!g_ascii_strcasecmp(v.c_str(), "basic")) o.rtsp_digest = false;
    else if (!g_ascii_strcasecmp(v.c_str(), "digest")) o.rtsp_digest = true;
    else return range(false, "expected digest or basic");
  } else if (k == "webrtc-ports") {
    unsigned lo = 0, hi = 0;
    char extra = 0;
    if (sscanf(v.c_str(), "%u-%u%c", &lo, &hi, &extra) != 2 || lo < 1 || hi > 65535 || lo > hi)
      return range(false, "expected MIN-MAX, e.g. 50000-50100");
    o.webrtc_min_port = uint16_t(lo);
    o.webrtc_max_port = uint16_t(hi);
  } else if (k == "linger") {
    if (!parse_uint(v, 0, G_MAXINT, u)) return range(false, "must be 0 or more");
    o.linger_s = unsigned(u);
  } else if (k == "session-timeout") {
    if (!parse_uint(v, 1, G_MAXINT, u)) return range(false, "must be at least 1 s");
    o.session_timeout_s = unsigned(u);
  } else if (k == "wait-for-camera") {
    return range(parse_bool(v, o.wait_for_camera, err), err.c_str());
  } else if (k == "verbose") {
    return range(parse_bool(v, o.verbose, err), err.c_str());
  } else {
    return Set::unknown;
  }
  return Set::ok;
}

// A per-camera setting (the keys of a [camera NAME] group).
Set set_camera(CameraOptions &c, const std::string &k, const std::string &v, bool fresh, std::string &err) {
  guint64 u = 0;
  if (k == "address") {
    c.address = v;
  } else if (k == "control-port") {
    if (!parse_port(v, false, c.control_port, err)) return Set::bad;
  } else if (k == "preview-port") {
    if (!parse_port(v, true, c.preview_port, err)) return Set::bad;
  } else if (k == "http-port") {
    if (!parse_port(v, false, c.http_port, err)) return Set::bad;
  } else if (k == "user") {
    c.user = v;
  } else if (k == "password") {
    c.password = v;
  } else if (k == "password-file") {
    if (!read_password_file(v, c.password, err)) return Set::bad;
  } else if (k == "interface") {
    c.interface = v;
  } else if (k == "timeout") {
    if (!parse_uint(v, 1, G_MAXINT, u)) return (err = "must be at least 1 ms"), Set::bad;
    c.timeout_ms = unsigned(u);
  } else if (k == "publish") {
    if (!Publisher::check_url(v, err)) return Set::bad;
    if (fresh) c.publish.clear();
    c.publish.push_back(v);
  } else {
    return Set::unknown;
  }
  return Set::ok;
}

bool is_camera_key(const std::string &k) {
  for (const char *c : {"address", "control-port", "preview-port", "http-port", "user", "password", "password-file",
                        "interface", "timeout", "publish"})
    if (k == c) return true;
  return false;
}

// A bad value as an error shows it: never a password, and a publish URL
// without its credentials.
std::string shown_value(const std::string &key, const std::string &value) {
  if (key == "password" || key == "rtsp-password") return "";
  return " " + (key == "publish" ? Publisher::printable_url(value) : value);
}

bool is_list_key(const std::string &k) { return k == "broadcast" || k == "discovery-port" || k == "publish"; }

CameraOptions *find_camera(std::vector<CameraOptions> &cameras, const std::string &name) {
  for (auto &c : cameras)
    if (c.name == name) return &c;
  return nullptr;
}

// A command-line per-camera value "NAME=VALUE" (NAME a camera name) or a
// plain VALUE (camera empty). A password may hold '=': never split.
void split_camera_value(Setting &s) {
  const size_t eq = s.value.find('=');
  if (s.key == "password" || eq == std::string::npos || !valid_camera_name(s.value.substr(0, eq))) return;
  s.camera = s.value.substr(0, eq);
  s.value = s.value.substr(eq + 1);
}

// The cameras named by the file's groups and --camera; a bare --camera
// ADDRESS (or none: discovery) is the one camera at --mount.
bool build_cameras(ServerOptions &o, const std::vector<std::string> &file_cameras, bool mount_in_file,
                   std::vector<Setting> &cli, std::string &err) {
  auto named = [](const std::string &name, const std::string &mount, const std::string &address) {
    CameraOptions c;
    c.name = name;
    c.mount = mount;
    c.address = address;
    return c;
  };
  for (const auto &name : file_cameras) o.cameras.push_back(named(name, "/" + name, {}));
  std::string bare;
  int bare_count = 0;
  bool mount_given = mount_in_file;
  for (auto &s : cli) {
    if (s.key == "mount") mount_given = true;
    if (s.key != "camera") continue;
    split_camera_value(s);
    if (s.camera.empty() || s.value.empty()) {
      if (s.value.empty()) {
        err = "--camera " + s.camera + "=: give the camera's address";
        return false;
      }
      bare = s.value;
      bare_count++;
    } else if (CameraOptions *c = find_camera(o.cameras, s.camera)) {
      c->address = s.value;
    } else {
      o.cameras.push_back(named(s.camera, "/" + s.camera, s.value));
    }
  }
  if (bare_count && (!o.cameras.empty() || bare_count > 1)) {
    err = "a bare --camera ADDRESS is for one camera; name each of several: --camera NAME=ADDRESS";
    return false;
  }
  if (!o.cameras.empty() && mount_given) {
    err = "--mount (mount) is for one camera; named cameras are served at /NAME";
    return false;
  }
  if (o.cameras.empty()) o.cameras.push_back(named(o.mount.substr(1), o.mount, bare));
  if (const char *env = g_getenv("IPCAM_PASSWORD"))
    for (auto &c : o.cameras) c.password = env;
  return true;
}

bool apply_camera_setting(ServerOptions &o, Setting &s, std::set<std::string> &seen, std::string &err) {
  std::vector<CameraOptions *> targets;
  if (!s.camera.empty()) {
    CameraOptions *c = find_camera(o.cameras, s.camera);
    if (!c) return (err = s.where + ": no camera named " + s.camera), false;
    targets.push_back(c);
  } else {
    if ((s.key == "interface" || s.key == "publish") && o.cameras.size() > 1)
      return (err = s.where + shown_value(s.key, s.value) + ": there are several cameras; name one: " + s.where + " NAME=" +
                    (s.key == "interface" ? "IFACE" : "URL")),
             false;
    for (auto &c : o.cameras) targets.push_back(&c);
  }
  for (CameraOptions *c : targets) {
    const bool fresh = seen.insert(c->name + "\n" + s.key).second;
    std::string why;
    if (set_camera(*c, s.key, s.value, fresh, why) != Set::ok) {
      err = s.where + shown_value(s.key, s.value) + ": " + why;
      return false;
    }
  }
  return true;
}

}  // namespace

bool valid_camera_name(const std::string &name) {
  if (name.empty() || name.size() > 64) return false;
  for (char ch : name)
    if (!g_ascii_isalnum(ch) && ch != '-' && ch != '_') return false;
  return true;
}

int parse_options(int &argc, char **&argv, ServerOptions &o) {
  CommandLine cl;
  constexpr auto cb = G_OPTION_ARG_CALLBACK;
  constexpr int flag = G_OPTION_FLAG_NO_ARG;
  const auto fn = (gpointer)record;
  const GOptionEntry entries[] = {
      {"config", 0, 0, cb, fn, "Read the server and its cameras from this file (docs/cameras.md); the command line overrides it", "FILE"},
      {"camera", 0, 0, cb, fn, "A camera: NAME=ADDR, repeatable, served at /NAME; or one bare ADDR at --mount (default: discover one)", "[NAME=]ADDR"},
      {"broadcast", 0, 0, cb, fn, "Where discovery asks (default: every interface's broadcast address)", "ADDR"},
      {"discovery-port", 0, 0, cb, fn, "Discovery port, repeatable (default 22600 and 21600)", "PORT"},
      {"control-port", 0, 0, cb, fn, "Camera's control port (default 6666)", "[NAME=]PORT"},
      {"preview-port", 0, 0, cb, fn, "Local UDP port the camera sends its preview to (default 6669)", "[NAME=]PORT"},
      {"http-port", 0, 0, cb, fn, "Camera's HTTP port for stored files (default 80)", "[NAME=]PORT"},
      {"user", 0, 0, cb, fn, "Camera login user (default admin)", "[NAME=]USER"},
      {"password", 0, 0, cb, fn, "Camera password, every camera's (default 12345, or $IPCAM_PASSWORD)", "WORD"},
      {"password-file", 0, 0, cb, fn, "Read the camera password from this file (mode 600, or a systemd credential)", "[NAME=]FILE"},
      {"interface", 0, 0, cb, fn, "Reach the camera through this network interface only", "[NAME=]IFACE"},
      {"publish", 0, 0, cb, fn, "Publish the camera's stream to this URL, repeatable", "[NAME=]URL"},
      {"timeout", 0, 0, cb, fn, "Camera connect and reply timeout in ms (default 5000)", "[NAME=]MS"},
      {"reconnect-attempts", 0, 0, cb, fn, "Reconnects after the camera drops, before the clients are closed (-1 = forever; default: ipcamsrc's, 10)", "N"},
      {"reconnect-backoff", 0, 0, cb, fn, "First reconnect delay in ms, doubling per attempt (default: ipcamsrc's)", "MS"},
      {"max-files", 0, 0, cb, fn, "Most entries taken from the camera's file list (default 100000; a longer list fails)", "N"},
      {"bind", 0, 0, cb, fn, "Address to serve on (default 127.0.0.1: this machine only; 0.0.0.0 = every network)", "ADDR"},
      {"port", 0, 0, cb, fn, "RTSP port (default 8554; 0 = any free port)", "PORT"},
      {"mount", 0, 0, cb, fn, "RTSP path of the one bare camera (default /cam)", "PATH"},
      {"rtsp-user", 0, 0, cb, fn, "Require this user for RTSP, the page, the control API and WHEP", "NAME"},
      {"rtsp-password", 0, 0, cb, fn, "Its password (or $IPCAM_RTSP_PASSWORD)", "WORD"},
      {"rtsp-password-file", 0, 0, cb, fn, "Read that password from this file (mode 600, or a systemd credential)", "FILE"},
      {"rtsp-auth", 0, 0, cb, fn, "digest (default) or basic", "SCHEME"},
      {"control-http-port", 0, 0, cb, fn, "Control API port (default 8080; 0 = any free port)", "PORT"},
      {"webrtc-ports", 0, 0, cb, fn, "UDP ports for browser viewers (WebRTC), one per viewer (default: any)", "MIN-MAX"},
      {"linger", 0, 0, cb, fn, "Keep a camera this long after its last client leaves (default 5)", "SECONDS"},
      {"session-timeout", 0, 0, cb, fn, "A viewer that stops answering (UDP, no TEARDOWN) is dropped after this long (default 15)", "SECONDS"},
      {"wait-for-camera", 0, flag, cb, fn, "Start even if a camera cannot be reached now", nullptr},
      {"verbose", 'v', flag, cb, fn, "Log more (never passwords)", nullptr},
      {"version", 0, flag, cb, fn, "Print the version and exit", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  g_autoptr(GOptionContext) ctx = g_option_context_new("- serve WiFi action cameras over RTSP");
  g_option_context_set_summary(
      ctx,
      "Serves each camera's live preview at rtsp://BIND:PORT/NAME to any number of clients over one camera\n"
      "session; a web page with the live picture (WebRTC) at http://BIND:CONTROL-HTTP-PORT/, WHEP at\n"
      "/whep/NAME and an HTTP control API (status, still, recording, files) under /api/ (the default\n"
      "camera) and /api/cameras/NAME/ on that port. One bare --camera ADDR is served at --mount (/cam).\n"
      "When ready it prints one JSON line on standard output: {\"url\":...,\"control\":...,\"web\":...,\n"
      "\"whep\":...,\"cameras\":{NAME:{\"url\":...,\"whep\":...}}}.");
  GOptionGroup *main_group = g_option_group_new(nullptr, nullptr, nullptr, &cl, nullptr);
  g_option_group_add_entries(main_group, entries);
  g_option_context_set_main_group(ctx, main_group);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  g_autoptr(GError) error = nullptr;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) return usage_error(error->message);
  if (cl.version) {
    g_print("ipcam-rtsp-server %s\n", IPCAM_VERSION);
    return EXIT_SUCCESS;
  }
  if (argc > 1) return usage_error("unexpected argument");

  ConfigFile file;
  std::string err;
  for (const auto &s : cl.settings)
    if (s.key == "config" && !file.load(s.value, err)) return usage_error(err);
  if (const char *env = g_getenv("IPCAM_RTSP_PASSWORD")) o.rtsp_password = env;

  // Server-wide: the file's, then the command line's.
  for (int from_cli = 0; from_cli < 2; from_cli++) {
    std::set<std::string> seen;
    for (const auto &s : from_cli ? cl.settings : file.server) {
      std::string why;
      const Set r = set_server(o, s.key, s.value, is_list_key(s.key) && seen.insert(s.key).second, why);
      if (r == Set::bad) {
        return usage_error(s.where + shown_value(s.key, s.value) + ": " + why);
      }
      if (r == Set::unknown && !from_cli) {
        const bool per_camera = is_camera_key(s.key);
        return usage_error(s.where + ": unknown key" +
                           (per_camera ? " in [server]; it goes in a [camera NAME] group" : ""));
      }
    }
  }
  bool mount_in_file = false;
  for (const auto &s : file.server) mount_in_file = mount_in_file || s.key == "mount";
  if (!build_cameras(o, file.camera_names, mount_in_file, cl.settings, err)) return usage_error(err);

  // Per camera: the file's groups, the command line's plain values, its NAME= values.
  std::set<std::string> seen_file, seen_cli;
  for (auto &s : file.cameras) {
    CameraOptions *c = find_camera(o.cameras, s.camera);
    std::string why;
    const Set r = c ? set_camera(*c, s.key, s.value, seen_file.insert(s.camera + "\n" + s.key).second, why)
                    : Set::unknown;
    if (r == Set::unknown) return usage_error(s.where + ": unknown key");
    if (r == Set::bad) return usage_error(s.where + shown_value(s.key, s.value) + ": " + why);
  }
  // --camera NAME=ADDRESS wins over the group's address.
  for (const auto &s : cl.settings)
    if (s.key == "camera" && !s.camera.empty()) find_camera(o.cameras, s.camera)->address = s.value;
  std::vector<Setting> named;
  for (auto &s : cl.settings) {
    if (!is_camera_key(s.key)) continue;
    split_camera_value(s);
    if (!s.camera.empty()) named.push_back(s);
    else if (!apply_camera_setting(o, s, seen_cli, err)) return usage_error(err);
  }
  for (auto &s : named)
    if (!apply_camera_setting(o, s, seen_cli, err)) return usage_error(err);

  for (size_t i = 0; i < o.cameras.size(); i++) {
    if (o.cameras[i].address.empty() && o.cameras.size() > 1)
      return usage_error("camera " + o.cameras[i].name + " has no address: --camera " + o.cameras[i].name +
                         "=ADDRESS, or address= in its [camera " + o.cameras[i].name + "] group");
    if (o.cameras[i].name == "cam") o.default_camera = i;
  }
  if (o.rtsp_user.empty() != o.rtsp_password.empty())
    return usage_error("--rtsp-user and --rtsp-password go together");
  // The first camera's settings are also the plain ones (discovery, logs).
  const ServerOptions plain = o.for_camera(o.cameras[o.default_camera]);
  o = plain;
  return -1;
}

}  // namespace ipcam_rtsp
