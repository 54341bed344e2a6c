// ipcam-sim: the camera emulator as a program. Prints one JSON ready line on
// stdout when every socket is up; exits 0 on SIGINT/SIGTERM, printing what
// was sent and injected as a JSON line on stderr (and to --stats-file).
#include "camera.h"
#include "configuration.h"

#include <glib-unix.h>
#include <gst/gst.h>

#include <cstdio>
#include <cstring>

using namespace ipcam::sim;

namespace {

bool parse_hex(const char *text, std::vector<uint8_t> &out) {
  out.clear();
  std::string digits;
  for (const char *p = text; *p; ++p)
    if (!g_ascii_isspace(*p) && *p != ':') digits += *p;
  if (digits.size() % 2) return false;
  for (size_t i = 0; i < digits.size(); i += 2) {
    int hi = g_ascii_xdigit_value(digits[i]), lo = g_ascii_xdigit_value(digits[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(uint8_t(hi << 4 | lo));
  }
  return true;
}

bool parse_mode(const char *text, RefuseMode &out) {
  if (!strcmp(text, "close")) out = RefuseMode::kClose;
  else if (!strcmp(text, "ignore")) out = RefuseMode::kIgnore;
  else if (!strcmp(text, "reply")) out = RefuseMode::kReply;
  else return false;
  return true;
}

bool port_ok(int p) { return p >= 0 && p <= 65535; }

// One GOption callback for the options that name a choice or bytes: they are
// checked as they are parsed and land in the CameraConfig (the group's data).
gboolean parse_camera_choice(const char *name, const char *value, gpointer data, GError **error) {
  auto &c = *static_cast<CameraConfig *>(data);
  std::string opt = name;
  bool ok = true;
  const char *expected = nullptr;
  if (opt == "--refuse-mode") {
    ok = parse_mode(value, c.refuse_mode);
    expected = "close|ignore|reply";
  } else if (opt == "--busy-mode") {
    ok = parse_mode(value, c.busy_mode);
    if (!strcmp(value, "busy")) c.busy_mode = RefuseMode::kBusy, ok = true;
    expected = "busy|close|ignore|reply";
  } else if (opt == "--past-menu") {
    ok = !strcmp(value, "result") || !strcmp(value, "ignore");
    if (ok) c.past_menu = !strcmp(value, "result") ? PastMenu::kResult : PastMenu::kIgnore;
    expected = "result or ignore";
  } else if (opt == "--menu") {
    auto menu = parse_menu_option(value, error);
    if (!menu) return FALSE;
    c.menu_sizes.push_back(*menu);
  } else if (opt == "--card-size") {
    char *end = nullptr;
    guint64 v = g_ascii_strtoull(value, &end, 10);
    ok = *value && !*end && v >= 1;
    if (ok) c.card_size = v;
    expected = "a size in bytes, e.g. 32000000000";
  } else if (opt == "--refuse-bytes" || opt == "--busy-bytes") {
    ok = parse_hex(value, opt == "--refuse-bytes" ? c.refuse_bytes : c.busy_bytes);
    expected = "hex bytes";
  } else if (opt == "--unknown-reply") {
    ok = !strcmp(value, "none") || !strcmp(value, "echo");
    if (ok) c.unknown_reply = !strcmp(value, "none") ? UnknownReply::kNone : UnknownReply::kEcho;
    expected = "none or echo";
  } else if (opt == "--discovery-format") {
    if (!strcmp(value, "message")) c.discovery_format = DiscoveryFormat::kMessage;
    else if (!strcmp(value, "text")) c.discovery_format = DiscoveryFormat::kText;
    else if (!strcmp(value, "none")) c.discovery_format = DiscoveryFormat::kNone;
    else ok = false;
    expected = "message|text|none";
  } else if (opt == "--time-position") {
    if (!strcmp(value, "before")) c.time_position = TimePosition::kBefore;
    else if (!strcmp(value, "after")) c.time_position = TimePosition::kAfter;
    else ok = false;
    expected = "before or after";
  } else if (opt == "--time-prefix") {
    ok = parse_hex(value, c.time_prefix) && c.time_prefix.size() <= 12;
    expected = "up to 12 bytes of hex";
  } else if (opt == "--size") {
    ok = sscanf(value, "%dx%d", &c.width, &c.height) == 2 && c.width >= 16 && c.height >= 16 &&
         c.width % 2 == 0 && c.height % 2 == 0;
    expected = "WxH, even numbers, e.g. 640x360";
  }
  if (!ok)
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s %s: expected %s", name, value,
                expected ? expected : "a known value");
  return ok;
}

// --help shows the main options; --help-all and --help-NAME the rest.
void add_group(GOptionContext *ctx, const char *name, const char *title, const char *help,
               const GOptionEntry *entries, CameraConfig &c) {
  GOptionGroup *group = g_option_group_new(name, title, help, &c, nullptr);
  g_option_group_add_entries(group, entries);
  g_option_context_add_group(ctx, group);
}

int fail(const char *fmt, const char *what) {
  g_printerr("ipcam-sim: ");
  g_printerr(fmt, what);
  g_printerr("\n");
  return 2;
}

// Where GOption writes the options that are not parsed straight into the
// CameraConfig, starting from its defaults; checked and copied over by the
// take_* functions below. Also owns the help texts that are formatted (the
// defaults of endpoint.h), as GOption keeps only pointers to them.
struct Options {
  explicit Options(const CameraConfig &c)
      : control_port(c.endpoint.control_port), http_port(c.endpoint.http_port),
        preview_port(c.endpoint.preview_port), keyint(c.keyframe_interval), slices(c.slices),
        datagram_size(int(c.datagram_size)), part_size(int(c.part_size)),
        alive_interval(int(c.alive_interval_ms)), alive_timeout(int(c.alive_timeout_ms)),
        gap(int(c.message_gap_ms)), login_reply(int(c.login_reply_length)), fps(c.fps) {}
  ~Options() {
    g_strfreev(discovery);
    for (char *text : {bind, user, password, firmware, serial, store, h264, stats_file}) g_free(text);
  }
  Options(const Options &) = delete;
  Options &operator=(const Options &) = delete;

  int control_port, http_port, preview_port;
  char **discovery = nullptr;
  char *bind = nullptr, *user = nullptr, *password = nullptr, *firmware = nullptr, *serial = nullptr,
       *store = nullptr, *h264 = nullptr, *stats_file = nullptr;
  gboolean no_samples = FALSE, tag = FALSE, paint = FALSE, unpaced = FALSE, coalesce = FALSE,
           verbose = FALSE, version = FALSE, drop_mid = FALSE, no_alive = FALSE,
           refuse_login = FALSE, silent = FALSE, foreign = FALSE, no_still_answer = FALSE;
  int keyint, slices, datagram_size, initial_seq = 0, part_size, alive_interval, alive_timeout, gap,
      burst_loss = 0, burst_every = 0, junk_every = 0, drop_after = 0, reply_delay = 0, jump_at = 0;
  gint64 clock_start = -1, seed = -1, jump = 0;
  int login_reply;
  double fps;

  const std::string control_port_help =
      "Control TCP port (default " + std::to_string(ipcam::kControlPort) + "; 0 = any free port)";
  const std::string http_port_help =
      "HTTP file server port (default " + std::to_string(ipcam::kHttpPort) + ", needs root; 0 = any)";
  const std::string discovery_port_help = "Discovery UDP port, repeatable (default " +
                                          std::to_string(ipcam::kDiscoveryPorts[0]) + " and " +
                                          std::to_string(ipcam::kDiscoveryPorts[1]) + "; 0 = any)";
  const std::string preview_port_help = "UDP port on the client the preview goes to (default " +
                                        std::to_string(ipcam::kPreviewPort) + "; 0 is refused)";
  const std::string user_help = std::string("Login user (default ") + ipcam::kDefaultUser + ")";
  const std::string password_help =
      std::string("Login password (default ") + ipcam::kDefaultPassword + "; never logged)";
};

constexpr GOptionEntry kEnd = {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr};

void add_main_options(GOptionContext *ctx, Options &o) {
  const GOptionEntry entries[] = {
      {"control-port", 0, 0, G_OPTION_ARG_INT, &o.control_port, o.control_port_help.c_str(), "PORT"},
      {"http-port", 0, 0, G_OPTION_ARG_INT, &o.http_port, o.http_port_help.c_str(), "PORT"},
      {"discovery-port", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o.discovery, o.discovery_port_help.c_str(), "PORT"},
      {"preview-port", 0, 0, G_OPTION_ARG_INT, &o.preview_port, o.preview_port_help.c_str(), "PORT"},
      {"bind", 0, 0, G_OPTION_ARG_STRING, &o.bind, "Address for control and HTTP (default 127.0.0.1)", "ADDR"},
      {"store", 0, 0, G_OPTION_ARG_FILENAME, &o.store, "Folder of stored files (default: a temporary folder removed at exit)", "DIR"},
      {"no-samples", 0, 0, G_OPTION_ARG_NONE, &o.no_samples, "Do not seed an empty store with sample photos and clips", nullptr},
      {"seed", 0, 0, G_OPTION_ARG_INT64, &o.seed, "Seed of every random choice (default random; printed in the ready line)", "N"},
      {"stats-file", 0, 0, G_OPTION_ARG_FILENAME, &o.stats_file, "Also write the exit stats JSON to this file", "FILE"},
      {"verbose", 'v', 0, G_OPTION_ARG_NONE, &o.verbose, "Log each message in and out (never the password)", nullptr},
      {"version", 0, 0, G_OPTION_ARG_NONE, &o.version, "Print the version and exit", nullptr},
      kEnd};
  g_option_context_add_main_entries(ctx, entries, nullptr);  // copies the table
}

// The options that parse_camera_choice() checks land in `c` directly.
void add_camera_options(GOptionContext *ctx, Options &o, CameraConfig &c) {
  const GOptionEntry entries[] = {
      {"user", 0, 0, G_OPTION_ARG_STRING, &o.user, o.user_help.c_str(), "NAME"},
      {"password", 0, 0, G_OPTION_ARG_STRING, &o.password, o.password_help.c_str(), "WORD"},
      {"firmware", 0, 0, G_OPTION_ARG_STRING, &o.firmware, "Firmware version string (default \"v1.0 rc5\")", "TEXT"},
      {"serial", 0, 0, G_OPTION_ARG_STRING, &o.serial, "Serial in discovery answers (default IPCAMSIM0001)", "TEXT"},
      {"refuse-mode", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Wrong password: close|ignore|reply (default close)", "MODE"},
      {"refuse-bytes", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Bytes sent with --refuse-mode reply, hex", "HEX"},
      {"busy-mode", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Second client's login while one is logged in: busy (a 0x1234 reply, kept open)|close|ignore|reply (default busy)", "MODE"},
      {"busy-bytes", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Bytes sent with --busy-mode reply, hex", "HEX"},
      {"unknown-reply", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Unknown message types: none|echo (default none)", "MODE"},
      {"discovery-format", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Discovery answer: message|text|none (default message)", "FMT"},
      {"part-size", 0, 0, G_OPTION_ARG_INT, &o.part_size, "File list text bytes per part (default 512)", "N"},
      {"alive-interval", 0, 0, G_OPTION_ARG_INT, &o.alive_interval, "Alive request interval, ms (default 3000)", "MS"},
      {"alive-timeout", 0, 0, G_OPTION_ARG_INT, &o.alive_timeout, "Drop a client silent for this long, ms (default 10000)", "MS"},
      {"message-gap-ms", 0, 0, G_OPTION_ARG_INT, &o.gap, "Gap between control message writes, ms (default 20)", "MS"},
      {"login-reply-length", 0, 0, G_OPTION_ARG_INT, &o.login_reply, "Login accepted payload bytes: 128 or 129 (default 128)", "N"},
      {"coalesce", 0, 0, G_OPTION_ARG_NONE, &o.coalesce, "Send queued control messages in one write", nullptr},
      {"past-menu", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "A setter's index past its menu: result (a non-zero result) or ignore (result 0, unchanged) (default result)", "MODE"},
      {"menu", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "The menu of setting NAME has COUNT entries (repeatable; default: docs/ipcam-sim.md)", "NAME=COUNT"},
      {"card-size", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "SD card size in bytes; the store's files count against it (default 32000000000)", "BYTES"},
      kEnd};
  add_group(ctx, "camera", "Camera behaviour:", "Show the identity, login and control protocol options", entries, c);
}

void add_stream_options(GOptionContext *ctx, Options &o, CameraConfig &c) {
  const GOptionEntry entries[] = {
      {"h264", 0, 0, G_OPTION_ARG_FILENAME, &o.h264, "Replay this Annex-B H.264 file in a loop instead of encoding live", "FILE"},
      {"fps", 0, 0, G_OPTION_ARG_DOUBLE, &o.fps, "Frames per second (default 30)", "N"},
      {"size", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Live picture size (default 640x360)", "WxH"},
      {"keyframe-interval", 0, 0, G_OPTION_ARG_INT, &o.keyint, "Live encoder keyframe interval in frames (default 30)", "N"},
      {"slices", 0, 0, G_OPTION_ARG_INT, &o.slices, "Live encoder slices per picture (default: x264's choice, which depends on the CPU count)", "N"},
      {"unpaced", 0, 0, G_OPTION_ARG_NONE, &o.unpaced, "Replay frames as fast as possible instead of at --fps", nullptr},
      {"paint-frame-number", 0, 0, G_OPTION_ARG_NONE, &o.paint, "Live encoding: paint the capture time (ms) as 16 blocks across the top, for latency measurements", nullptr},
      {"tag-frames", 0, 0, G_OPTION_ARG_NONE, &o.tag, "Insert an SEI NAL with frame number and camera ms into each frame", nullptr},
      {"datagram-size", 0, 0, G_OPTION_ARG_INT, &o.datagram_size, "H.264 payload bytes per type-1 datagram (default 1000)", "N"},
      {"time-position", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Time datagram before|after its frame's data (default before)", "POS"},
      {"time-prefix", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Time payload bytes 0..11 as hex (default zeros)", "HEX"},
      {"initial-seq", 0, 0, G_OPTION_ARG_INT, &o.initial_seq, "First datagram sequence number (default 0)", "N"},
      {"clock-start", 0, 0, G_OPTION_ARG_INT64, &o.clock_start, "Camera clock at start, ms (default: derived from the seed)", "MS"},
      kEnd};
  add_group(ctx, "stream", "Preview stream:", "Show the picture and preview datagram options", entries, c);
}

// The probabilities go straight into the FaultConfig; counts are checked
// (not negative) before they are copied.
void add_fault_options(GOptionContext *ctx, Options &o, CameraConfig &c) {
  FaultConfig &f = c.faults;
  const GOptionEntry entries[] = {
      {"loss", 0, 0, G_OPTION_ARG_DOUBLE, &f.loss, "Fault: drop each datagram with probability P", "P"},
      {"reorder", 0, 0, G_OPTION_ARG_DOUBLE, &f.reorder, "Fault: send a datagram after the next one, probability P", "P"},
      {"duplicate", 0, 0, G_OPTION_ARG_DOUBLE, &f.duplicate, "Fault: send a datagram twice, probability P", "P"},
      {"truncate", 0, 0, G_OPTION_ARG_DOUBLE, &f.truncate, "Fault: cut a datagram short, probability P", "P"},
      {"bad-magic", 0, 0, G_OPTION_ARG_DOUBLE, &f.bad_magic, "Fault: corrupt the magic, probability P", "P"},
      {"bad-length", 0, 0, G_OPTION_ARG_DOUBLE, &f.bad_length, "Fault: length field past the end, probability P", "P"},
      {"burst-loss", 0, 0, G_OPTION_ARG_INT, &o.burst_loss, "Fault: drop N datagrams in a row ...", "N"},
      {"burst-every", 0, 0, G_OPTION_ARG_INT, &o.burst_every, "... at the start of every Mth frame", "M"},
      {"junk-every", 0, 0, G_OPTION_ARG_INT, &o.junk_every, "Fault: after every Nth frame, send 8 datagrams that are not part of the stream (empty, short, bad magic, length past the end, 2-byte time, unknown type, empty piece, stray sequence number)", "N"},
      {"drop-after-frames", 0, 0, G_OPTION_ARG_INT, &o.drop_after, "Fault: close control and stop preview after N frames", "N"},
      {"drop-mid-frame", 0, 0, G_OPTION_ARG_NONE, &o.drop_mid, "Fault: with --drop-after-frames, drop halfway through the next frame", nullptr},
      {"no-alive", 0, 0, G_OPTION_ARG_NONE, &o.no_alive, "Fault: never send alive requests", nullptr},
      {"reply-delay", 0, 0, G_OPTION_ARG_INT, &o.reply_delay, "Fault: delay every reply by MS", "MS"},
      {"no-still-answer", 0, 0, G_OPTION_ARG_NONE, &o.no_still_answer, "Fault: take stills but never answer the request", nullptr},
      {"refuse-login", 0, 0, G_OPTION_ARG_NONE, &o.refuse_login, "Fault: refuse every login", nullptr},
      {"silent", 0, 0, G_OPTION_ARG_NONE, &o.silent, "Fault: accept TCP, never answer", nullptr},
      {"foreign-protocol", 0, 0, G_OPTION_ARG_NONE, &o.foreign, "Fault: answer like a different device (HTTP 400)", nullptr},
      {"clock-jump", 0, 0, G_OPTION_ARG_INT64, &o.jump, "Fault: add MS to the camera clock ...", "MS"},
      {"clock-jump-at", 0, 0, G_OPTION_ARG_INT, &o.jump_at, "... from frame N on", "N"},
      kEnd};
  add_group(ctx, "faults", "Fault injection:", "Show the fault injection options", entries, c);
}

// Every option of the program, in the order --help-all lists them.
GOptionContext *option_context(Options &o, CameraConfig &c) {
  GOptionContext *ctx = g_option_context_new("- emulate a WiFi action camera");
  g_option_context_set_summary(ctx,
      "Serves the camera protocol (control, H.264 preview, discovery, HTTP files) with\n"
      "optional fault injection. Prints one JSON ready line on stdout when ready.\n"
      "--help-all lists every option. See docs/ipcam-sim.md.");
  add_main_options(ctx, o);
  add_camera_options(ctx, o, c);
  add_stream_options(ctx, o, c);
  add_fault_options(ctx, o, c);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  return ctx;
}

// Each take_* checks its options and copies them into the config; on a bad
// value it prints why and returns false (exit 2).
bool take_network(const Options &o, CameraConfig &c) {
  if (!port_ok(o.control_port) || !port_ok(o.http_port) || !port_ok(o.preview_port)) {
    fail("%s", "ports must be 0..65535");
    return false;
  }
  c.endpoint.control_port = uint16_t(o.control_port);
  c.endpoint.http_port = uint16_t(o.http_port);
  c.endpoint.preview_port = uint16_t(o.preview_port);
  if (o.discovery) {
    c.discovery_ports.clear();
    for (char **p = o.discovery; *p; ++p) {
      char *end = nullptr;
      long v = strtol(*p, &end, 10);
      if (!**p || *end || !port_ok(int(v))) {
        fail("--discovery-port %s: not a port", *p);
        return false;
      }
      c.discovery_ports.push_back(uint16_t(v));
    }
  }
  if (o.bind) c.endpoint.address = o.bind;
  if (o.user) c.endpoint.user = o.user;
  if (o.password) c.endpoint.password = o.password;
  if (o.firmware) c.firmware = o.firmware;
  if (o.serial) c.serial = o.serial;
  if (o.store) c.store = o.store;
  c.samples = !o.no_samples;
  return true;
}

bool take_stream(const Options &o, CameraConfig &c) {
  const char *bad = nullptr;
  if (o.fps <= 0 || o.fps > 1000) bad = "--fps must be above 0 and at most 1000";
  else if (o.keyint < 1) bad = "--keyframe-interval must be at least 1";
  else if (o.slices < 0 || o.slices > 32) bad = "--slices must be 1..32 (or 0 for the encoder's choice)";
  else if (o.datagram_size < 1 || o.datagram_size > 65000) bad = "--datagram-size must be 1..65000";
  else if (o.initial_seq < 0 || o.initial_seq > 65535) bad = "--initial-seq must be 0..65535";
  else if (o.clock_start > 0xFFFFFFFFLL) bad = "--clock-start must fit in 32 bits";
  if (bad) {
    fail("%s", bad);
    return false;
  }
  if (o.h264) c.h264_file = o.h264;
  c.fps = o.fps;
  c.keyframe_interval = o.keyint;
  c.slices = o.slices;
  c.paced = !o.unpaced;
  c.tag_frames = o.tag;
  c.paint_frame_number = o.paint;
  c.datagram_size = size_t(o.datagram_size);
  c.initial_seq = uint16_t(o.initial_seq);
  if (o.clock_start >= 0) {
    c.clock_start_set = true;
    c.clock_start = uint32_t(o.clock_start);
  }
  return true;
}

bool take_protocol(const Options &o, CameraConfig &c) {
  const char *bad = nullptr;
  if (o.part_size < 1) bad = "--part-size must be at least 1";
  else if (o.alive_interval < 1 || o.alive_timeout < 1 || o.gap < 0 || o.reply_delay < 0)
    bad = "alive interval/timeout must be positive, gaps and delays not negative";
  else if (o.login_reply != 128 && o.login_reply != 129) bad = "--login-reply-length must be 128 or 129";
  if (bad) {
    fail("%s", bad);
    return false;
  }
  c.part_size = size_t(o.part_size);
  c.alive_interval_ms = unsigned(o.alive_interval);
  c.alive_timeout_ms = unsigned(o.alive_timeout);
  c.message_gap_ms = unsigned(o.gap);
  c.coalesce = o.coalesce;
  c.login_reply_length = size_t(o.login_reply);
  if (o.seed >= 0) {
    c.seed_set = true;
    c.seed = uint64_t(o.seed);
  }
  c.verbose = o.verbose;
  return true;
}

bool take_faults(const Options &o, FaultConfig &f) {
  for (double p : {f.loss, f.reorder, f.duplicate, f.truncate, f.bad_magic, f.bad_length})
    if (p < 0 || p > 1) {
      fail("%s", "fault probabilities must be 0..1");
      return false;
    }
  if (o.burst_loss < 0 || o.burst_every < 0 || o.junk_every < 0 || o.drop_after < 0 || o.jump_at < 0) {
    fail("%s", "fault counts must not be negative");
    return false;
  }
  f.burst_loss = unsigned(o.burst_loss);
  f.burst_every = unsigned(o.burst_loss > 0 && o.burst_every == 0 ? 1 : o.burst_every);
  f.junk_every = unsigned(o.junk_every);
  f.drop_after_frames = unsigned(o.drop_after);
  f.drop_mid_frame = o.drop_mid;
  f.no_alive = o.no_alive;
  f.reply_delay_ms = unsigned(o.reply_delay);
  f.no_still_answer = o.no_still_answer;
  f.refuse_login = o.refuse_login;
  f.silent = o.silent;
  f.foreign_protocol = o.foreign;
  f.clock_jump_ms = o.jump;
  f.clock_jump_at = unsigned(o.jump_at);
  return true;
}

// Serves until SIGINT or SIGTERM, then prints the stats.
int run(const CameraConfig &c, const char *stats_file) {
  Camera camera(c);
  g_autoptr(GError) error = nullptr;
  if (!camera.start(&error)) {
    g_printerr("ipcam-sim: %s\n", error->message);
    return 1;
  }
  // The handlers go in before the ready line: a SIGTERM sent the moment
  // the line is read must still end in a clean stop with the stats.
  g_autoptr(GMainLoop) loop = g_main_loop_new(nullptr, FALSE);
  auto quit = [](gpointer l) -> gboolean {
    g_main_loop_quit(static_cast<GMainLoop *>(l));
    return G_SOURCE_CONTINUE;
  };
  guint on_int = g_unix_signal_add(SIGINT, quit, loop);
  guint on_term = g_unix_signal_add(SIGTERM, quit, loop);
  g_print("%s\n", camera.ready_json().c_str());
  fflush(stdout);
  g_main_loop_run(loop);
  g_source_remove(on_int);
  g_source_remove(on_term);

  camera.stop();
  std::string stats = camera.stats_json();
  g_printerr("%s\n", stats.c_str());
  if (stats_file) {
    std::string line = stats + "\n";
    // Something that is not a plain file (/dev/null, a FIFO) is written
    // into: g_file_set_contents would rename a new file over it.
    if (g_file_test(stats_file, G_FILE_TEST_EXISTS) && !g_file_test(stats_file, G_FILE_TEST_IS_REGULAR)) {
      FILE *f = std::fopen(stats_file, "w");
      if (!f || std::fputs(line.c_str(), f) < 0) g_printerr("ipcam-sim: --stats-file: cannot write %s\n", stats_file);
      if (f) std::fclose(f);
    } else if (!g_file_set_contents(stats_file, line.c_str(), gssize(line.size()), &error)) {
      g_printerr("ipcam-sim: --stats-file: %s\n", error->message);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  CameraConfig c;
  Options o(c);
  g_autoptr(GOptionContext) ctx = option_context(o, c);
  g_autoptr(GError) error = nullptr;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) return fail("%s (see --help-all)", error->message);
  if (o.version) {
    g_print("ipcam-sim %s\n", IPCAM_VERSION);
    return 0;
  }
  if (!take_network(o, c) || !take_stream(o, c) || !take_protocol(o, c) || !take_faults(o, c.faults))
    return 2;
  return run(c, o.stats_file);
}
