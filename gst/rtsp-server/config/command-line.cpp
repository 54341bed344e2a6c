// The command line and the --config file, into Options.
//
// GOption and the file give each option as (long name, text); each is read
// into typed settings once (settings.h), in this order, so that the later
// wins and the first bad one is the one reported: the file's [server]
// group, the command line's server-wide options, then per camera the
// file's [camera NAME] group, the command line's values without a name
// (for every camera), then those with NAME=.
#include "config/server-options.h"

#include "config/config-file.h"
#include "config/settings.h"
#include "media/publish-url.h"

#include <gst/gst.h>

#include <cstdlib>
#include <map>

namespace ipcam::server {

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

// A bad value as an error shows it: never a password, and a publish URL
// without its credentials.
std::string shown_value(const std::string &key, const std::string &value) {
  if (key == "password" || key == "rtsp-password") return "";
  return " " + (key == "publish" ? printable_url(value) : value);
}

bool has_camera(const std::vector<CameraOptions> &cameras, const std::string &name) {
  for (const auto &c : cameras)
    if (c.name == name) return true;
  return false;
}

// A command-line per-camera value "NAME=VALUE" (NAME a camera name) or a
// plain VALUE (camera empty). A password may hold '=': never split.
void split_camera_value(Setting &s) {
  const size_t eq = s.value.find('=');
  if (s.key == "password" || eq == std::string::npos || !valid_camera_name(s.value.substr(0, eq))) return;
  s.camera = s.value.substr(0, eq);
  s.value = s.value.substr(eq + 1);
}

// Everything read so far, source by source.
struct Sources {
  CommandLine cl;
  ConfigFile file;
  ServerSettings file_server, cli_server;
  std::map<std::string, CameraSettings> file_cameras, cli_cameras;
};

// Server-wide: the file's (every key must be known), then the command line's.
bool read_server(Sources &s, std::string &err) {
  for (const auto &set : s.file.server) {
    std::string why;
    const Read r = s.file_server.read(set.key, set.value, why);
    if (r == Read::bad) return (err = set.where + shown_value(set.key, set.value) + ": " + why), false;
    if (r == Read::unknown)
      return (err = set.where + ": unknown key" +
                    (is_camera_key(set.key) ? " in [server]; it goes in a [camera NAME] group" : "")),
             false;
  }
  for (const auto &set : s.cl.settings) {
    std::string why;
    if (s.cli_server.read(set.key, set.value, why) == Read::bad)
      return (err = set.where + shown_value(set.key, set.value) + ": " + why), false;
  }
  return true;
}

CameraOptions named_camera(const std::string &name, const std::string &mount, const std::string &address) {
  CameraOptions c;
  c.name = name;
  c.mount = mount;
  c.endpoint.address = address;
  return c;
}

// The cameras named by the file's groups and --camera; a bare --camera
// ADDRESS (or none: discovery) is the one camera at --mount.
bool build_cameras(Sources &s, const std::string &mount, Options &o, std::string &err) {
  for (const auto &name : s.file.camera_names) o.cameras.push_back(named_camera(name, "/" + name, {}));
  std::string bare;
  int bare_count = 0;
  bool mount_given = s.file_server.mount || s.cli_server.mount;
  for (auto &set : s.cl.settings) {
    if (set.key != "camera") continue;
    split_camera_value(set);
    if (set.camera.empty() || set.value.empty()) {
      if (set.value.empty()) return (err = "--camera " + set.camera + "=: give the camera's address"), false;
      bare = set.value;
      bare_count++;
    } else if (!has_camera(o.cameras, set.camera)) {
      o.cameras.push_back(named_camera(set.camera, "/" + set.camera, set.value));
    }
  }
  if (bare_count && (!o.cameras.empty() || bare_count > 1))
    return (err = "a bare --camera ADDRESS is for one camera; name each of several: --camera NAME=ADDRESS"), false;
  if (!o.cameras.empty() && mount_given)
    return (err = "--mount (mount) is for one camera; named cameras are served at /NAME"), false;
  if (o.cameras.empty()) o.cameras.push_back(named_camera(mount.substr(1), mount, bare));
  if (const char *env = g_getenv("IPCAM_PASSWORD"))
    for (auto &c : o.cameras) c.endpoint.password = env;
  return true;
}

// One command-line per-camera value, for its camera or (no name) for every one.
bool read_cli_camera(Sources &s, const Options &o, const Setting &set, std::string &err) {
  std::vector<std::string> targets;
  if (!set.camera.empty()) {
    if (!has_camera(o.cameras, set.camera))
      return (err = set.where + ": no camera named " + set.camera), false;
    targets.push_back(set.camera);
  } else {
    if ((set.key == "interface" || set.key == "publish") && o.cameras.size() > 1)
      return (err = set.where + shown_value(set.key, set.value) + ": there are several cameras; name one: " +
                    set.where + " NAME=" + (set.key == "interface" ? "IFACE" : "URL")),
             false;
    for (const auto &c : o.cameras) targets.push_back(c.name);
  }
  for (const auto &name : targets) {
    std::string why;
    if (s.cli_cameras[name].read(set.key, set.value, why) != Read::ok)
      return (err = set.where + shown_value(set.key, set.value) + ": " + why), false;
  }
  return true;
}

// Per camera: the file's groups, the command line's plain values, its NAME= values.
bool read_cameras(Sources &s, const Options &o, std::string &err) {
  for (const auto &set : s.file.cameras) {
    const bool known = has_camera(o.cameras, set.camera);
    std::string why;
    const Read r = known ? s.file_cameras[set.camera].read(set.key, set.value, why) : Read::unknown;
    if (r == Read::unknown) return (err = set.where + ": unknown key"), false;
    if (r == Read::bad) return (err = set.where + shown_value(set.key, set.value) + ": " + why), false;
  }
  std::vector<Setting> named;
  for (auto &set : s.cl.settings) {
    if (!is_camera_key(set.key)) continue;
    split_camera_value(set);
    if (!set.camera.empty()) named.push_back(set);
    else if (!read_cli_camera(s, o, set, err)) return false;
  }
  for (const auto &set : named)
    if (!read_cli_camera(s, o, set, err)) return false;
  return true;
}

// The file's groups, then the command line's values; --camera NAME=ADDRESS
// wins over the group's address.
void lay_cameras(const Sources &s, Options &o) {
  for (auto &c : o.cameras) {
    if (auto f = s.file_cameras.find(c.name); f != s.file_cameras.end()) f->second.apply_to(c);
    for (const auto &set : s.cl.settings)
      if (set.key == "camera" && set.camera == c.name) c.endpoint.address = set.value;
    if (auto l = s.cli_cameras.find(c.name); l != s.cli_cameras.end()) l->second.apply_to(c);
  }
}

bool check_cameras(Options &o, std::string &err) {
  for (size_t i = 0; i < o.cameras.size(); i++) {
    const std::string &name = o.cameras[i].name;
    if (o.cameras[i].endpoint.address.empty() && o.cameras.size() > 1)
      return (err = "camera " + name + " has no address: --camera " + name + "=ADDRESS, or address= in its [camera " +
                    name + "] group"),
             false;
    if (name == "cam") o.default_camera = i;
  }
  if (o.server.rtsp_user.empty() != o.server.rtsp_password.empty())
    return (err = "--rtsp-user and --rtsp-password go together"), false;
  return true;
}

// The sources once read: the options, or false with the first error.
bool read_sources(Sources &s, Options &o, std::string &err) {
  for (const auto &set : s.cl.settings)
    if (set.key == "config" && !s.file.load(set.value, err)) return false;
  if (const char *env = g_getenv("IPCAM_RTSP_PASSWORD")) o.server.rtsp_password = env;
  if (!read_server(s, err)) return false;
  s.file_server.apply_to(o.server);
  s.cli_server.apply_to(o.server);
  const std::string mount = s.cli_server.mount.value_or(s.file_server.mount.value_or("/cam"));
  if (!build_cameras(s, mount, o, err) || !read_cameras(s, o, err)) return false;
  lay_cameras(s, o);
  return check_cameras(o, err);
}

// The help of the per-camera options, with the protocol's defaults.
struct HelpTexts {
  const std::string discovery_port = "Discovery port, repeatable (default " + std::to_string(kDiscoveryPorts[0]) +
                                     " and " + std::to_string(kDiscoveryPorts[1]) + ")";
  const std::string control_port = "Camera's control port (default " + std::to_string(kControlPort) + ")";
  const std::string preview_port =
      "Local UDP port the camera sends its preview to (default " + std::to_string(kPreviewPort) + ")";
  const std::string http_port = "Camera's HTTP port for stored files (default " + std::to_string(kHttpPort) + ")";
  const std::string user = std::string("Camera login user (default ") + kDefaultUser + ")";
  const std::string password =
      std::string("Camera password, every camera's (default ") + kDefaultPassword + ", or $IPCAM_PASSWORD)";
  const std::string timeout =
      "Camera connect and reply timeout in ms (default " + std::to_string(kDefaultTimeoutMs) + ")";
};

}  // namespace

int parse_options(int &argc, char **&argv, Options &o) {
  const HelpTexts help;
  Sources sources;
  CommandLine &cl = sources.cl;
  constexpr auto cb = G_OPTION_ARG_CALLBACK;
  constexpr int flag = G_OPTION_FLAG_NO_ARG;
  const auto fn = (gpointer)record;
  const GOptionEntry entries[] = {
      {"config", 0, 0, cb, fn, "Read the server and its cameras from this file (docs/cameras.md); the command line overrides it", "FILE"},
      {"camera", 0, 0, cb, fn, "A camera: NAME=ADDR, repeatable, served at /NAME; or one bare ADDR at --mount (default: discover one)", "[NAME=]ADDR"},
      {"broadcast", 0, 0, cb, fn, "Where discovery asks (default: every interface's broadcast address)", "ADDR"},
      {"discovery-port", 0, 0, cb, fn, help.discovery_port.c_str(), "PORT"},
      {"control-port", 0, 0, cb, fn, help.control_port.c_str(), "[NAME=]PORT"},
      {"preview-port", 0, 0, cb, fn, help.preview_port.c_str(), "[NAME=]PORT"},
      {"http-port", 0, 0, cb, fn, help.http_port.c_str(), "[NAME=]PORT"},
      {"user", 0, 0, cb, fn, help.user.c_str(), "[NAME=]USER"},
      {"password", 0, 0, cb, fn, help.password.c_str(), "WORD"},
      {"password-file", 0, 0, cb, fn, "Read the camera password from this file (mode 600, or a systemd credential)", "[NAME=]FILE"},
      {"interface", 0, 0, cb, fn, "Reach the camera through this network interface only", "[NAME=]IFACE"},
      {"publish", 0, 0, cb, fn, "Publish the camera's stream to this URL, repeatable", "[NAME=]URL"},
      {"timeout", 0, 0, cb, fn, help.timeout.c_str(), "[NAME=]MS"},
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
      {"max-connections", 0, 0, cb, fn, "Most RTSP connections open at once (default 200; fewer if the descriptor limit is low)", "N"},
      {"max-connections-per-address", 0, 0, cb, fn, "Most RTSP connections open from one client address (default 32)", "N"},
      {"archive", 0, 0, cb, fn, "Archive the camera's stream into MP4 segments under DIR/NAME/ (docs/archive.md)", "[NAME=]DIR"},
      {"archive-segment", 0, 0, cb, fn, "Length of one archive segment (default 10m)", "[NAME=]DURATION"},
      {"archive-keep", 0, 0, cb, fn, "Delete archive segments older than this (e.g. 7d; default: keep)", "[NAME=]DURATION"},
      {"archive-max-bytes", 0, 0, cb, fn, "Delete the oldest archive segments past this size (e.g. 20G)", "[NAME=]SIZE"},
      {"archive-min-free", 0, 0, cb, fn, "Stop archiving while the disk has less free space than this (e.g. 1G)", "[NAME=]SIZE"},
      {"onvif", 0, flag, cb, fn, "Answer ONVIF (device and media services, WS-Discovery) on the control port", nullptr},
      {"metrics-token", 0, 0, cb, fn, "With --rtsp-user: /metrics and frame.jpeg also take this bearer token (its file's first line)", "FILE"},
      {"allowed-host", 0, 0, cb, fn, "A host name the control port answers to beside this machine's own, repeatable", "NAME"},
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
  std::string err;
  if (!read_sources(sources, o, err)) return usage_error(err);
  return -1;
}

}  // namespace ipcam::server
