// ipcam-sim: the camera emulator as a program. Prints one JSON ready line on
// stdout when every socket is up; exits 0 on SIGINT/SIGTERM, printing what
// was sent and injected as a JSON line on stderr (and to --stats-file).
#include "camera.h"

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
  if (opt == "--refuse-mode" || opt == "--busy-mode") {
    ok = parse_mode(value, opt == "--refuse-mode" ? c.refuse_mode : c.busy_mode);
    expected = "close|ignore|reply";
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

}  // namespace

int main(int argc, char **argv) {
  CameraConfig c;
  FaultConfig &f = c.faults;
  int control_port = c.control_port, http_port = c.http_port, preview_port = c.preview_port;
  g_auto(GStrv) discovery = nullptr;
  g_autofree char *bind = nullptr, *user = nullptr, *password = nullptr, *firmware = nullptr,
                  *serial = nullptr, *store = nullptr, *h264 = nullptr, *stats_file = nullptr;
  gboolean no_samples = FALSE, tag = FALSE, paint = FALSE, unpaced = FALSE, coalesce = FALSE, verbose = FALSE,
           version = FALSE, drop_mid = FALSE, no_alive = FALSE, refuse_login = FALSE,
           silent = FALSE, foreign = FALSE, no_still_answer = FALSE;
  int keyint = c.keyframe_interval, slices = c.slices, datagram_size = int(c.datagram_size), initial_seq = 0,
      part_size = int(c.part_size), alive_interval = int(c.alive_interval_ms),
      alive_timeout = int(c.alive_timeout_ms), gap = int(c.message_gap_ms), burst_loss = 0,
      burst_every = 0, junk_every = 0, drop_after = 0, reply_delay = 0, jump_at = 0;
  gint64 clock_start = -1, seed = -1, jump = 0;
  int login_reply = int(c.login_reply_length);
  double fps = c.fps;

  const GOptionEntry main_entries[] = {
      {"control-port", 0, 0, G_OPTION_ARG_INT, &control_port, "Control TCP port (default 6666; 0 = any free port)", "PORT"},
      {"http-port", 0, 0, G_OPTION_ARG_INT, &http_port, "HTTP file server port (default 80, needs root; 0 = any)", "PORT"},
      {"discovery-port", 0, 0, G_OPTION_ARG_STRING_ARRAY, &discovery, "Discovery UDP port, repeatable (default 22600 and 21600; 0 = any)", "PORT"},
      {"preview-port", 0, 0, G_OPTION_ARG_INT, &preview_port, "UDP port on the client the preview goes to (default 6669; 0 is refused)", "PORT"},
      {"bind", 0, 0, G_OPTION_ARG_STRING, &bind, "Address for control and HTTP (default 127.0.0.1)", "ADDR"},
      {"store", 0, 0, G_OPTION_ARG_FILENAME, &store, "Folder of stored files (default: a temporary folder removed at exit)", "DIR"},
      {"no-samples", 0, 0, G_OPTION_ARG_NONE, &no_samples, "Do not seed an empty store with sample photos and clips", nullptr},
      {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of every random choice (default random; printed in the ready line)", "N"},
      {"stats-file", 0, 0, G_OPTION_ARG_FILENAME, &stats_file, "Also write the exit stats JSON to this file", "FILE"},
      {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log each message in and out (never the password)", nullptr},
      {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  const GOptionEntry camera_entries[] = {
      {"user", 0, 0, G_OPTION_ARG_STRING, &user, "Login user (default admin)", "NAME"},
      {"password", 0, 0, G_OPTION_ARG_STRING, &password, "Login password (default 12345; never logged)", "WORD"},
      {"firmware", 0, 0, G_OPTION_ARG_STRING, &firmware, "Firmware version string (default \"v1.0 rc5\")", "TEXT"},
      {"serial", 0, 0, G_OPTION_ARG_STRING, &serial, "Serial in discovery answers (default IPCAMSIM0001)", "TEXT"},
      {"refuse-mode", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Wrong password: close|ignore|reply (default close)", "MODE"},
      {"refuse-bytes", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Bytes sent with --refuse-mode reply, hex", "HEX"},
      {"busy-mode", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Second client while one is logged in: close|ignore|reply (default close)", "MODE"},
      {"busy-bytes", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Bytes sent with --busy-mode reply, hex", "HEX"},
      {"unknown-reply", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Unknown message types: none|echo (default none)", "MODE"},
      {"discovery-format", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Discovery answer: message|text|none (default message)", "FMT"},
      {"part-size", 0, 0, G_OPTION_ARG_INT, &part_size, "File list text bytes per part (default 512)", "N"},
      {"alive-interval", 0, 0, G_OPTION_ARG_INT, &alive_interval, "Alive request interval, ms (default 3000)", "MS"},
      {"alive-timeout", 0, 0, G_OPTION_ARG_INT, &alive_timeout, "Drop a client silent for this long, ms (default 10000)", "MS"},
      {"message-gap-ms", 0, 0, G_OPTION_ARG_INT, &gap, "Gap between control message writes, ms (default 20)", "MS"},
      {"login-reply-length", 0, 0, G_OPTION_ARG_INT, &login_reply, "Login accepted payload bytes: 128 or 129 (default 128)", "N"},
      {"coalesce", 0, 0, G_OPTION_ARG_NONE, &coalesce, "Send queued control messages in one write", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  const GOptionEntry stream_entries[] = {
      {"h264", 0, 0, G_OPTION_ARG_FILENAME, &h264, "Replay this Annex-B H.264 file in a loop instead of encoding live", "FILE"},
      {"fps", 0, 0, G_OPTION_ARG_DOUBLE, &fps, "Frames per second (default 30)", "N"},
      {"size", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Live picture size (default 640x360)", "WxH"},
      {"keyframe-interval", 0, 0, G_OPTION_ARG_INT, &keyint, "Live encoder keyframe interval in frames (default 30)", "N"},
      {"slices", 0, 0, G_OPTION_ARG_INT, &slices, "Live encoder slices per picture (default: x264's choice, which depends on the CPU count)", "N"},
      {"unpaced", 0, 0, G_OPTION_ARG_NONE, &unpaced, "Replay frames as fast as possible instead of at --fps", nullptr},
      {"paint-frame-number", 0, 0, G_OPTION_ARG_NONE, &paint, "Live encoding: paint the capture time (ms) as 16 blocks across the top, for latency measurements", nullptr},
      {"tag-frames", 0, 0, G_OPTION_ARG_NONE, &tag, "Insert an SEI NAL with frame number and camera ms into each frame", nullptr},
      {"datagram-size", 0, 0, G_OPTION_ARG_INT, &datagram_size, "H.264 payload bytes per type-1 datagram (default 1000)", "N"},
      {"time-position", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Time datagram before|after its frame's data (default before)", "POS"},
      {"time-prefix", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)parse_camera_choice, "Time payload bytes 0..11 as hex (default zeros)", "HEX"},
      {"initial-seq", 0, 0, G_OPTION_ARG_INT, &initial_seq, "First datagram sequence number (default 0)", "N"},
      {"clock-start", 0, 0, G_OPTION_ARG_INT64, &clock_start, "Camera clock at start, ms (default: derived from the seed)", "MS"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};
  const GOptionEntry fault_entries[] = {
      {"loss", 0, 0, G_OPTION_ARG_DOUBLE, &f.loss, "Fault: drop each datagram with probability P", "P"},
      {"reorder", 0, 0, G_OPTION_ARG_DOUBLE, &f.reorder, "Fault: send a datagram after the next one, probability P", "P"},
      {"duplicate", 0, 0, G_OPTION_ARG_DOUBLE, &f.duplicate, "Fault: send a datagram twice, probability P", "P"},
      {"truncate", 0, 0, G_OPTION_ARG_DOUBLE, &f.truncate, "Fault: cut a datagram short, probability P", "P"},
      {"bad-magic", 0, 0, G_OPTION_ARG_DOUBLE, &f.bad_magic, "Fault: corrupt the magic, probability P", "P"},
      {"bad-length", 0, 0, G_OPTION_ARG_DOUBLE, &f.bad_length, "Fault: length field past the end, probability P", "P"},
      {"burst-loss", 0, 0, G_OPTION_ARG_INT, &burst_loss, "Fault: drop N datagrams in a row ...", "N"},
      {"burst-every", 0, 0, G_OPTION_ARG_INT, &burst_every, "... at the start of every Mth frame", "M"},
      {"junk-every", 0, 0, G_OPTION_ARG_INT, &junk_every, "Fault: after every Nth frame, send 8 datagrams that are not part of the stream (empty, short, bad magic, length past the end, 2-byte time, unknown type, empty piece, stray sequence number)", "N"},
      {"drop-after-frames", 0, 0, G_OPTION_ARG_INT, &drop_after, "Fault: close control and stop preview after N frames", "N"},
      {"drop-mid-frame", 0, 0, G_OPTION_ARG_NONE, &drop_mid, "Fault: with --drop-after-frames, drop halfway through the next frame", nullptr},
      {"no-alive", 0, 0, G_OPTION_ARG_NONE, &no_alive, "Fault: never send alive requests", nullptr},
      {"reply-delay", 0, 0, G_OPTION_ARG_INT, &reply_delay, "Fault: delay every reply by MS", "MS"},
      {"no-still-answer", 0, 0, G_OPTION_ARG_NONE, &no_still_answer, "Fault: take stills but never answer the request", nullptr},
      {"refuse-login", 0, 0, G_OPTION_ARG_NONE, &refuse_login, "Fault: refuse every login", nullptr},
      {"silent", 0, 0, G_OPTION_ARG_NONE, &silent, "Fault: accept TCP, never answer", nullptr},
      {"foreign-protocol", 0, 0, G_OPTION_ARG_NONE, &foreign, "Fault: answer like a different device (HTTP 400)", nullptr},
      {"clock-jump", 0, 0, G_OPTION_ARG_INT64, &jump, "Fault: add MS to the camera clock ...", "MS"},
      {"clock-jump-at", 0, 0, G_OPTION_ARG_INT, &jump_at, "... from frame N on", "N"},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};

  g_autoptr(GOptionContext) ctx = g_option_context_new("- emulate a WiFi action camera");
  g_option_context_set_summary(ctx,
      "Serves the camera protocol (control, H.264 preview, discovery, HTTP files) with\n"
      "optional fault injection. Prints one JSON ready line on stdout when ready.\n"
      "--help-all lists every option. See docs/ipcam-sim.md.");
  g_option_context_add_main_entries(ctx, main_entries, nullptr);
  add_group(ctx, "camera", "Camera behaviour:", "Show the identity, login and control protocol options", camera_entries, c);
  add_group(ctx, "stream", "Preview stream:", "Show the picture and preview datagram options", stream_entries, c);
  add_group(ctx, "faults", "Fault injection:", "Show the fault injection options", fault_entries, c);
  g_option_context_add_group(ctx, gst_init_get_option_group());
  g_autoptr(GError) error = nullptr;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) return fail("%s (see --help-all)", error->message);
  if (version) {
    g_print("ipcam-sim %s\n", IPCAM_VERSION);
    return 0;
  }

  if (!port_ok(control_port) || !port_ok(http_port) || !port_ok(preview_port))
    return fail("%s", "ports must be 0..65535");
  c.control_port = control_port;
  c.http_port = http_port;
  c.preview_port = preview_port;
  if (discovery) {
    c.discovery_ports.clear();
    for (char **p = discovery; *p; ++p) {
      char *end = nullptr;
      long v = strtol(*p, &end, 10);
      if (!**p || *end || !port_ok(int(v))) return fail("--discovery-port %s: not a port", *p);
      c.discovery_ports.push_back(int(v));
    }
  }
  if (bind) c.bind = bind;
  if (user) c.user = user;
  if (password) c.password = password;
  if (firmware) c.firmware = firmware;
  if (serial) c.serial = serial;
  if (store) c.store = store;
  if (h264) c.h264_file = h264;
  c.samples = !no_samples;
  if (fps <= 0 || fps > 1000) return fail("%s", "--fps must be above 0 and at most 1000");
  c.fps = fps;
  if (keyint < 1) return fail("%s", "--keyframe-interval must be at least 1");
  c.keyframe_interval = keyint;
  if (slices < 0 || slices > 32) return fail("%s", "--slices must be 1..32 (or 0 for the encoder's choice)");
  c.slices = slices;
  c.paced = !unpaced;
  c.tag_frames = tag;
  c.paint_frame_number = paint;
  if (datagram_size < 1 || datagram_size > 65000) return fail("%s", "--datagram-size must be 1..65000");
  c.datagram_size = size_t(datagram_size);
  if (initial_seq < 0 || initial_seq > 65535) return fail("%s", "--initial-seq must be 0..65535");
  c.initial_seq = uint16_t(initial_seq);
  if (clock_start >= 0) {
    if (clock_start > 0xFFFFFFFFLL) return fail("%s", "--clock-start must fit in 32 bits");
    c.clock_start_set = true;
    c.clock_start = uint32_t(clock_start);
  }
  if (part_size < 1) return fail("%s", "--part-size must be at least 1");
  c.part_size = size_t(part_size);
  if (alive_interval < 1 || alive_timeout < 1 || gap < 0 || reply_delay < 0)
    return fail("%s", "alive interval/timeout must be positive, gaps and delays not negative");
  c.alive_interval_ms = unsigned(alive_interval);
  c.alive_timeout_ms = unsigned(alive_timeout);
  c.message_gap_ms = unsigned(gap);
  c.coalesce = coalesce;
  if (login_reply != 128 && login_reply != 129) return fail("%s", "--login-reply-length must be 128 or 129");
  c.login_reply_length = size_t(login_reply);
  if (seed >= 0) {
    c.seed_set = true;
    c.seed = uint64_t(seed);
  }
  for (double p : {f.loss, f.reorder, f.duplicate, f.truncate, f.bad_magic, f.bad_length})
    if (p < 0 || p > 1) return fail("%s", "fault probabilities must be 0..1");
  if (burst_loss < 0 || burst_every < 0 || junk_every < 0 || drop_after < 0 || jump_at < 0)
    return fail("%s", "fault counts must not be negative");
  if (burst_loss > 0 && burst_every == 0) burst_every = 1;
  f.burst_loss = unsigned(burst_loss);
  f.burst_every = unsigned(burst_every);
  f.junk_every = unsigned(junk_every);
  f.drop_after_frames = unsigned(drop_after);
  f.drop_mid_frame = drop_mid;
  f.no_alive = no_alive;
  f.reply_delay_ms = unsigned(reply_delay);
  f.no_still_answer = no_still_answer;
  f.refuse_login = refuse_login;
  f.silent = silent;
  f.foreign_protocol = foreign;
  f.clock_jump_ms = jump;
  f.clock_jump_at = unsigned(jump_at);
  c.verbose = verbose;

  Camera camera(c);
  if (!camera.start(&error)) {
    g_printerr("ipcam-sim: %s\n", error->message);
    return 1;
  }
  g_print("%s\n", camera.ready_json().c_str());
  fflush(stdout);

  g_autoptr(GMainLoop) loop = g_main_loop_new(nullptr, FALSE);
  auto quit = [](gpointer l) -> gboolean {
    g_main_loop_quit(static_cast<GMainLoop *>(l));
    return G_SOURCE_CONTINUE;
  };
  g_unix_signal_add(SIGINT, quit, loop);
  g_unix_signal_add(SIGTERM, quit, loop);
  g_main_loop_run(loop);

  camera.stop();
  std::string stats = camera.stats_json();
  g_printerr("%s\n", stats.c_str());
  if (stats_file) {
    std::string line = stats + "\n";
    if (!g_file_set_contents(stats_file, line.c_str(), gssize(line.size()), &error))
      g_printerr("ipcam-sim: --stats-file: %s\n", error->message);
  }
  return 0;
}
