// ipcam: the command-line tool. Parses the global options (accepted before
// or after the command name) and the command's own, then runs the command
// on a worker thread while the main thread waits for Ctrl+C.
#include "cli.h"
#include "phone-commands.h"

#include <glib-unix.h>

#include <clocale>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>

using namespace ipcam::cli;

namespace {

// GOption writes into C storage; copied into GlobalOptions after parsing.
struct RawGlobals {
  gchar *camera = nullptr;
  gint control_port = ipcam::kControlPort;
  gint preview_port = ipcam::kPreviewPort;
  gint http_port = ipcam::kHttpPort;
  gchar *user = nullptr;
  gchar *password = nullptr;
  gdouble timeout = -1;  // not given
  gboolean json = FALSE;
  gboolean verbose = FALSE;
  gboolean version = FALSE;
  gchar *server = nullptr;
  gchar *server_camera = nullptr;
  gchar *interface = nullptr;
  gchar **broadcast = nullptr;
  gchar **discovery_ports = nullptr;
  gint64 max_files = static_cast<gint64>(kDefaultMaxFiles);
  ~RawGlobals() {
    g_free(camera);
    g_free(user);
    g_free(password);
    g_free(server);
    g_free(server_camera);
    g_free(interface);
    g_strfreev(broadcast);
    g_strfreev(discovery_ports);
  }
} g_raw;

// The help texts that name the protocol's defaults, formatted from
// endpoint.h (defined before kGlobalEntries, which points into them).
const std::string kControlPortHelp =
    "Camera control port (default " + std::to_string(ipcam::kControlPort) + ")";
const std::string kPreviewPortHelp =
    "Local port the camera sends its preview to (default " + std::to_string(ipcam::kPreviewPort) + ")";
const std::string kHttpPortHelp =
    "Camera HTTP port for stored files (default " + std::to_string(ipcam::kHttpPort) + ")";
const std::string kUserHelp = std::string("User name (default ") + ipcam::kDefaultUser + ")";
const std::string kPasswordHelp =
    std::string("Password (default ") + ipcam::kDefaultPassword + ", or $IPCAM_PASSWORD)";
const std::string kTimeoutHelp = "Seconds to wait for answers (default: 2 for discover and raw, " +
                                 std::to_string(ipcam::kDefaultTimeoutMs / 1000) +
                                 " for requests, 10 for the file list)";
const std::string kDiscoveryPortHelp = "Discovery: camera port to ask (repeatable; default " +
                                       std::to_string(ipcam::kDiscoveryPorts[0]) + " and " +
                                       std::to_string(ipcam::kDiscoveryPorts[1]) + ")";

const GOptionEntry kGlobalEntries[] = {
    {"camera", 'c', 0, G_OPTION_ARG_STRING, &g_raw.camera,
     "Camera address (default: discover)", "ADDR"},
    {"control-port", 0, 0, G_OPTION_ARG_INT, &g_raw.control_port, kControlPortHelp.c_str(), "PORT"},
    {"preview-port", 0, 0, G_OPTION_ARG_INT, &g_raw.preview_port, kPreviewPortHelp.c_str(), "PORT"},
    {"http-port", 0, 0, G_OPTION_ARG_INT, &g_raw.http_port, kHttpPortHelp.c_str(), "PORT"},
    {"user", 'u', 0, G_OPTION_ARG_STRING, &g_raw.user, kUserHelp.c_str(), "NAME"},
    {"password", 0, 0, G_OPTION_ARG_STRING, &g_raw.password, kPasswordHelp.c_str(), "PASSWORD"},
    {"timeout", 't', 0, G_OPTION_ARG_DOUBLE, &g_raw.timeout, kTimeoutHelp.c_str(), "SECONDS"},
    {"json", 'j', 0, G_OPTION_ARG_NONE, &g_raw.json, "Print one JSON document for scripts",
     nullptr},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &g_raw.verbose, "Say what is happening on stderr",
     nullptr},
    {"version", 0, 0, G_OPTION_ARG_NONE, &g_raw.version, "Print the version and exit", nullptr},
    {"server", 0, 0, G_OPTION_ARG_STRING, &g_raw.server,
     "Send info, ls, fetch, still, record, settings, storage, rm, set-clock, format and sync "
     "through ipcam-rtsp-server's control API",
     "URL"},
    {"server-camera", 0, 0, G_OPTION_ARG_STRING, &g_raw.server_camera,
     "With --server: this camera of the server (default: its default camera)", "NAME"},
    {"interface", 0, 0, G_OPTION_ARG_STRING, &g_raw.interface,
     "Reach the camera only through this network interface (e.g. wlan1)", "IFACE"},
    {"broadcast", 0, 0, G_OPTION_ARG_STRING_ARRAY, &g_raw.broadcast,
     "Discovery: broadcast address to ask (repeatable; default: every interface's)", "ADDR"},
    {"discovery-port", 0, 0, G_OPTION_ARG_STRING_ARRAY, &g_raw.discovery_ports,
     kDiscoveryPortHelp.c_str(), "PORT"},
    {"max-files", 0, 0, G_OPTION_ARG_INT64, &g_raw.max_files,
     "Most entries taken from the camera's file list (default 100000; a longer list fails)", "N"},
    {}};

const GOptionEntry kFetchEntries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &g_cmd.output,
     "Folder to write into (default: the current folder)", "DIR"},
    {"latest", 0, 0, G_OPTION_ARG_NONE, &g_cmd.latest, "Fetch the newest file", nullptr},
    {"continue", 0, 0, G_OPTION_ARG_NONE, &g_cmd.resume,
     "Keep a partial file on failure and resume it next time", nullptr},
    {}};

const GOptionEntry kStillEntries[] = {
    {"fetch", 0, 0, G_OPTION_ARG_NONE, &g_cmd.fetch, "Download the new picture", nullptr},
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &g_cmd.output,
     "Folder for --fetch (default: the current folder)", "DIR"},
    {}};

const GOptionEntry kRawEntries[] = {
    {"max-replies", 0, 0, G_OPTION_ARG_INT64, &g_cmd.max_replies,
     "Most replies kept (default 1000; past it raw prints those and fails)", "N"},
    {"max-bytes", 0, 0, G_OPTION_ARG_INT64, &g_cmd.max_bytes,
     "Most payload bytes kept over all replies (default 1048576)", "BYTES"},
    {}};

const GOptionEntry kReconnectEntry = {
    "reconnect-attempts", 0, 0, G_OPTION_ARG_INT, &g_cmd.reconnect_attempts,
    "Reconnects tried after losing the camera (default 10; -1 = forever, 0 = never)", "N"};

const GOptionEntry kPreviewEntries[] = {
    {"output", 'o', 0, G_OPTION_ARG_FILENAME, &g_cmd.output,
     "MP4 file to write, or - for raw H.264 on stdout (default preview-DATE-TIME.mp4)", "FILE"},
    {"force", 'f', 0, G_OPTION_ARG_NONE, &g_cmd.force, "Replace FILE if it exists", nullptr},
    kReconnectEntry,
    {}};

const GOptionEntry kRelayEntries[] = {
    {"to", 0, 0, G_OPTION_ARG_STRING, &g_cmd.to, "Where to send RTP (default 127.0.0.1:5220)",
     "HOST:PORT"},
    {"sdp", 0, 0, G_OPTION_ARG_FILENAME, &g_cmd.sdp, "Write an SDP file for VLC or ffplay",
     "FILE"},
    kReconnectEntry,
    {}};

const Command kCommands[] = {
    {"discover", "", "List every camera that answers discovery",
     "Broadcasts a discovery request and lists every camera that answers, with its address and "
     "serial.\nExamples:\n  ipcam discover\n  ipcam discover --broadcast 192.168.1.255 "
     "--discovery-port 22600",
     nullptr, cmd_discover},
    {"info", "", "Show the camera's address, firmware and serial",
     "Logs in and reads the firmware version; the serial comes from the discovery answer.\n"
     "Example:\n  ipcam --camera 192.168.1.1 info",
     nullptr, cmd_info},
    {"ls", "", "List stored files with their sizes",
     "Lists the files on the camera's card.\nExamples:\n  ipcam ls\n  ipcam ls --json",
     nullptr, cmd_ls},
    {"fetch", "PATH... | --latest", "Download stored files",
     "Downloads files (paths as `ipcam ls` prints them) over HTTP. Nothing partial is left "
     "behind on failure or Ctrl+C unless --continue is given.\nExamples:\n"
     "  ipcam fetch --latest\n  ipcam fetch /mnt/sdcard/DCIM/100MEDIA/A.MOV --output clips",
     kFetchEntries, cmd_fetch},
    {"still", "", "Take a picture",
     "Takes a still picture; --fetch downloads it.\nExample:\n  ipcam still --fetch",
     kStillEntries, cmd_still},
    {"record", "start|stop|status", "Start or stop recording on the card, or say whether it records",
     "Examples:\n  ipcam record start\n  ipcam record stop\n  ipcam record status", nullptr, cmd_record},
    {"raw", "TYPE [HEXBYTES...]", "Send any control message and print every reply",
     "Sends message TYPE (0x-prefixed hex or decimal) with an optional payload in hex and prints "
     "every reply until the timeout, with its type and a hex dump.\nExamples:\n"
     "  ipcam raw 0xA034\n  ipcam raw 0xA025 01000000 --timeout 5",
     kRawEntries, cmd_raw},
    {"preview", "[FILE.mp4 | -]", "Record the live stream to MP4, or raw H.264 to stdout",
     "Writes the live preview into a playable MP4 (finalised on Ctrl+C), or with - as raw "
     "H.264 byte stream to standard output. Status goes to standard error.\nExamples:\n"
     "  ipcam preview --output clip.mp4\n  ipcam preview - | ffplay -f h264 -",
     kPreviewEntries, cmd_preview},
    {"relay", "", "Send the live stream as RTP H.264 (payload type 99)",
     "Sends the live preview as RTP H.264 to HOST:PORT; --sdp writes the SDP file that VLC or "
     "ffplay opens.\nExample:\n  ipcam relay --to 127.0.0.1:5220 --sdp cam.sdp\n"
     "  ffplay -protocol_whitelist file,udp,rtp cam.sdp",
     kRelayEntries, cmd_relay},
    {"publish", "URL", "Publish the live stream to a media server (RTMP, RTSP, SRT)",
     "Sends the live preview to rtmp://HOST/APP/STREAM (or rtmps://), rtsp://HOST/PATH (RECORD) or "
     "srt://HOST:PORT until Ctrl+C or SIGTERM (exit 0); a lost server is tried again with back-off, "
     "the camera stays connected.\nExample:\n  ipcam publish rtmp://127.0.0.1/live/cam",
     nullptr, cmd_publish},
};

const char *kExitCodes =
    "Exit codes:\n"
    "  0  ok\n"
    "  1  other failure\n"
    "  2  usage error\n"
    "  3  no camera (nothing answered discovery, or the address does not connect)\n"
    "  4  login refused (wrong user or password), or the camera is busy with another client\n"
    "     (its phone app, or another ipcam: close it)\n"
    "  5  not an ipcam device (something answered, but not in this protocol)\n"
    "  6  timeout (the camera stopped answering)\n"
    "  7  I/O error (local file, network, or the camera's HTTP server)\n"
    "  8  the camera refused or ignored a request (a setting not taken, a delete refused)\n"
    "  130  interrupted (Ctrl+C)\n"
    "\nThe password is also read from IPCAM_PASSWORD. See docs/cli.md.";

const Command *find_command(std::string_view name) {
  for (const auto &c : kCommands)
    if (name == c.name) return &c;
  for (size_t i = 0; i < kPhoneCommandCount; i++)
    if (name == kPhoneCommands[i].name) return &kPhoneCommands[i];
  return nullptr;
}

// The first positional argument is the command; options may come before
// it, so skip option values when looking for it.
int find_command_index(int argc, char **argv) {
  static const std::set<std::string_view> kLongWithValue = {
      "camera", "control-port", "preview-port", "http-port", "user",   "password", "timeout",
      "server", "server-camera", "interface", "broadcast", "discovery-port", "output", "to", "sdp",
      "reconnect-attempts", "max-files", "max-replies", "max-bytes", "time", "ssid", "watch"};
  static const std::string_view kShortWithValue = "cuto";
  for (int i = 1; i < argc; i++) {
    std::string_view a = argv[i];
    if (a == "--") return i + 1 < argc ? i + 1 : -1;
    if (a.size() > 2 && a.substr(0, 2) == "--") {
      if (a.find('=') == std::string_view::npos && kLongWithValue.count(a.substr(2))) i++;
      continue;
    }
    if (a.size() > 1 && a[0] == '-') {
      if (kShortWithValue.find(a.back()) != std::string_view::npos) i++;
      continue;
    }
    return i;
  }
  return -1;
}

GOptionContext *make_context(const Command *cmd) {
  GOptionContext *ctx;
  if (cmd) {
    g_autofree char *usage = g_strdup_printf("%s %s", cmd->name, cmd->parameters);
    ctx = g_option_context_new(usage);
    g_autofree char *summary = g_strdup_printf("%s.", cmd->summary);
    g_option_context_set_summary(ctx, summary);
    g_autofree char *desc = g_strdup_printf("%s\n\n%s", cmd->description, kExitCodes);
    g_option_context_set_description(ctx, desc);
    if (cmd->entries) g_option_context_add_main_entries(ctx, cmd->entries, nullptr);
  } else {
    ctx = g_option_context_new("COMMAND [OPTION...]");
    GString *s = g_string_new("Control cheap WiFi action cameras (ipcam protocol).\n\nCommands:\n");
    for (const auto &c : kCommands)
      g_string_append_printf(s, "  %-14s%s\n", c.name, c.summary);
    for (size_t i = 0; i < kPhoneCommandCount; i++)
      g_string_append_printf(s, "  %-14s%s\n", kPhoneCommands[i].name, kPhoneCommands[i].summary);
    g_string_append(s, "  help CMD      Show the options of a command (also: ipcam CMD --help)");
    g_option_context_set_summary(ctx, s->str);
    g_string_free(s, TRUE);
    g_option_context_set_description(ctx, kExitCodes);
  }
  g_option_context_add_main_entries(ctx, kGlobalEntries, nullptr);
  return ctx;
}

void print_help(const Command *cmd, FILE *to) {
  GOptionContext *ctx = make_context(cmd);
  g_autofree char *text = g_option_context_get_help(ctx, TRUE, nullptr);
  g_option_context_free(ctx);
  std::fputs(text, to);
}

bool port_ok(int port, bool allow_zero = false) {
  return port >= (allow_zero ? 0 : 1) && port <= 65535;
}

// Copies the parsed globals; false (with a message) on a bad value.
bool take_globals(GlobalOptions &o, std::string &error) {
  if (g_raw.camera) o.camera.address = g_raw.camera;
  if (!port_ok(g_raw.control_port) || !port_ok(g_raw.preview_port) || !port_ok(g_raw.http_port)) {
    error = "ports must be between 1 and 65535";
    return false;
  }
  o.camera.control_port = static_cast<uint16_t>(g_raw.control_port);
  o.camera.preview_port = static_cast<uint16_t>(g_raw.preview_port);
  o.camera.http_port = static_cast<uint16_t>(g_raw.http_port);
  if (g_raw.user) o.camera.user = g_raw.user;
  if (g_raw.password) {
    o.camera.password = g_raw.password;
  } else if (const char *env = g_getenv("IPCAM_PASSWORD")) {
    o.camera.password = env;
  }
  // -1 is the "not given" mark: any other value must be a real wait.
  if (g_raw.timeout != -1 && !(g_raw.timeout > 0)) {
    error = "--timeout must be more than 0 seconds";
    return false;
  }
  o.timeout_s = g_raw.timeout > 0 ? g_raw.timeout : 0;
  o.camera.timeout_ms = timeout_ms(o, ipcam::kDefaultTimeoutMs);
  o.json = g_raw.json;
  o.verbose = g_raw.verbose;
  if (g_raw.server) o.server = g_raw.server;
  if (g_raw.server_camera) {
    o.server_camera = g_raw.server_camera;
    if (o.server.empty()) {
      error = "--server-camera goes with --server URL";
      return false;
    }
    for (char c : o.server_camera)
      if (!g_ascii_isalnum(c) && c != '-' && c != '_') {
        error = "--server-camera: a camera name is made of A-Z a-z 0-9 - _";
        return false;
      }
    if (o.server_camera.empty()) {
      error = "--server-camera: give a camera name (GET /api/cameras lists them)";
      return false;
    }
  }
  if (g_raw.max_files < 1) {
    error = "--max-files must be 1 or more";
    return false;
  }
  o.max_files = static_cast<uint64_t>(g_raw.max_files);
  if (g_raw.interface) o.camera.interface = g_raw.interface;
  for (char **b = g_raw.broadcast; b && *b; b++) o.broadcast.push_back(*b);
  for (char **p = g_raw.discovery_ports; p && *p; p++) {
    guint64 port = 0;
    if (!g_ascii_string_to_unsigned(*p, 10, 1, 65535, &port, nullptr)) {
      error = std::string("--discovery-port: '") + *p + "' is not a port number";
      return false;
    }
    o.discovery_ports.push_back(static_cast<uint16_t>(port));
  }
  return true;
}

// Ctrl+C: the first one cancels the command (or asks it to finish its file),
// a second one quits at once.
struct Interrupts {
  std::mutex mutex;
  Context *ctx = nullptr;
  int count = 0;
} g_interrupts;

gboolean on_signal(gpointer) {
  std::lock_guard lock(g_interrupts.mutex);
  if (++g_interrupts.count > 1) {
    std::fputs("ipcam: interrupted again, quitting\n", stderr);
    _exit(kExitInterrupted);
  }
  if (g_interrupts.ctx && g_interrupts.ctx->on_interrupt) {
    g_interrupts.ctx->on_interrupt();
  } else if (g_interrupts.ctx) {
    set_interrupted();
    g_cancellable_cancel(g_interrupts.ctx->cancellable);
    // A blocking request that cannot be cancelled must not hold Ctrl+C up.
    g_timeout_add_seconds(3, [](gpointer) -> gboolean {
      std::fputs("ipcam: interrupted\n", stderr);
      _exit(kExitInterrupted);
    }, nullptr);
  }
  return G_SOURCE_CONTINUE;
}

}  // namespace

void ipcam::cli::set_interrupt_handler(Context &ctx, std::function<void()> fn) {
  std::lock_guard lock(g_interrupts.mutex);
  ctx.on_interrupt = std::move(fn);
}

namespace {

int run_command(const Command *cmd, Context &ctx) {
  g_autoptr(GMainLoop) loop = g_main_loop_new(nullptr, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new();
  ctx.cancellable = cancellable;
  {
    std::lock_guard lock(g_interrupts.mutex);
    g_interrupts.ctx = &ctx;
  }
  guint sigint = g_unix_signal_add(SIGINT, on_signal, nullptr);
  guint sigterm = g_unix_signal_add(SIGTERM, on_signal, nullptr);
  int code = kExitFailed;
  std::thread worker([&] {
    code = cmd->run(ctx);
    // Always queued (g_main_context_invoke could run it here, before the loop runs).
    g_idle_add([](gpointer l) -> gboolean {
      g_main_loop_quit(static_cast<GMainLoop *>(l));
      return G_SOURCE_REMOVE;
    }, loop);
  });
  g_main_loop_run(loop);
  worker.join();
  g_source_remove(sigint);
  g_source_remove(sigterm);
  std::lock_guard lock(g_interrupts.mutex);
  g_interrupts.ctx = nullptr;
  return code;
}

}  // namespace

int main(int argc, char **argv) {
  setlocale(LC_ALL, "");  // so GLib prints help and file names in the user's charset
  g_set_prgname("ipcam");
  // A closed pipe (ipcam preview - | head) must be an error, not a kill.
  std::signal(SIGPIPE, SIG_IGN);

  int cmd_index = find_command_index(argc, argv);
  const Command *cmd = nullptr;
  std::string cmd_name = cmd_index > 0 ? argv[cmd_index] : "";
  if (cmd_name == "help") {
    if (cmd_index + 1 < argc) {
      cmd = find_command(argv[cmd_index + 1]);
      if (!cmd) return usage_error(nullptr, std::string("unknown command '") + argv[cmd_index + 1] + "'");
    }
    print_help(cmd, stdout);
    return kExitOk;
  }
  if (cmd_index > 0) {
    cmd = find_command(cmd_name);
    if (!cmd) return usage_error(nullptr, "unknown command '" + cmd_name + "'");
  }

  // Parse everything but the command name itself.
  std::vector<char *> args;
  for (int i = 0; i < argc; i++)
    if (i != cmd_index) args.push_back(argv[i]);
  int n = static_cast<int>(args.size());
  char **v = args.data();
  GOptionContext *octx = make_context(cmd);
  g_autoptr(GError) error = nullptr;
  gboolean ok = g_option_context_parse(octx, &n, &v, &error);
  g_option_context_free(octx);
  if (!ok) return usage_error(cmd ? cmd->name : nullptr, error->message);
  if (g_raw.version) {
    std::printf("ipcam %s\n", IPCAM_VERSION);
    return kExitOk;
  }
  if (!cmd) {
    print_help(nullptr, stderr);
    return kExitUsage;
  }

  Context ctx;
  std::string bad;
  if (!take_globals(ctx.opt, bad)) return usage_error(cmd->name, bad);
  static const std::set<std::string_view> kThroughServer = {"info", "ls", "fetch", "still",
                                                             "record"};
  if (!ctx.opt.server.empty() && !kThroughServer.count(cmd->name) &&
      !phone_command_through_server(cmd->name))
    return usage_error(cmd->name, "--server works with info, ls, fetch, still, record, settings, "
                                  "storage, rm, set-clock, format and sync; the server streams "
                                  "over RTSP itself (see its 'url')");
  for (int i = 1; i < n; i++) ctx.args.emplace_back(v[i]);
  return run_command(cmd, ctx);
}
