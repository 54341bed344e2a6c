#include "sim_process.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include <csignal>

namespace ipcam::test {
namespace {

uint64_t counter_in(const std::string &stats_json, const char *name) {
  g_autoptr(JsonParser) parser = json_parser_new();
  if (stats_json.empty() || !json_parser_load_from_data(parser, stats_json.c_str(), -1, nullptr))
    return 0;
  JsonNode *root = json_parser_get_root(parser);
  if (!JSON_NODE_HOLDS_OBJECT(root)) return 0;
  JsonObject *o = json_node_get_object(root);
  if (!json_object_has_member(o, "counters")) return 0;
  JsonObject *c = json_object_get_object_member(o, "counters");
  return c ? uint64_t(json_object_get_int_member_with_default(c, name, 0)) : 0;
}

bool has_option(const std::vector<std::string> &args, const char *name) {
  std::string eq = std::string(name) + "=";
  for (const auto &a : args)
    if (a == name || a.rfind(eq, 0) == 0) return true;
  return false;
}

// Runs `context` until `*done` or the deadline; returns *done.
bool iterate_until(GMainContext *context, const bool *done, unsigned timeout_ms) {
  int64_t deadline = g_get_monotonic_time() + int64_t(timeout_ms) * 1000;
  while (!*done && g_get_monotonic_time() < deadline) {
    // Wake at least every 50 ms to check the deadline.
    GSource *tick = g_timeout_source_new(50);
    g_source_set_callback(tick, [](gpointer) { return G_SOURCE_REMOVE; }, nullptr, nullptr);
    g_source_attach(tick, context);
    g_main_context_iteration(context, TRUE);
    g_source_destroy(tick);
    g_source_unref(tick);
  }
  return *done;
}

std::string read_text(const std::string &path) {
  g_autofree char *text = nullptr;
  if (path.empty() || !g_file_get_contents(path.c_str(), &text, nullptr, nullptr)) return {};
  return text;
}

}  // namespace

SimProcess::~SimProcess() {
  stop();
  if (!tmp_dir_.empty()) {
    g_unlink(stats_path_.c_str());
    g_unlink(stderr_path_.c_str());
    g_rmdir(tmp_dir_.c_str());
  }
}

bool SimProcess::start(const std::vector<std::string> &args, GError **error) {
  return start(args, Options{}, error);
}

bool SimProcess::start(const std::vector<std::string> &args, const Options &options,
                       GError **error) {
  std::string binary = options.binary;
  if (binary.empty()) {
    const char *env = g_getenv("IPCAM_SIM");
    if (!env) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                  "IPCAM_SIM is not set: run the test through meson (it sets the emulator path)");
      return false;
    }
    binary = env;
  }
  if (tmp_dir_.empty()) {
    g_autofree char *tmp = g_dir_make_tmp("ipcam-simproc-XXXXXX", error);
    if (!tmp) return false;
    tmp_dir_ = tmp;
    stats_path_ = tmp_dir_ + "/stats.json";
    stderr_path_ = tmp_dir_ + "/stderr.txt";
  }

  std::vector<std::string> argv = {binary};
  if (options.default_ports) {
    if (!has_option(args, "--control-port")) argv.insert(argv.end(), {"--control-port", "0"});
    if (!has_option(args, "--http-port")) argv.insert(argv.end(), {"--http-port", "0"});
    if (!has_option(args, "--discovery-port"))
      argv.insert(argv.end(), {"--discovery-port", "0", "--discovery-port", "0"});
  }
  if (!has_option(args, "--stats-file")) argv.insert(argv.end(), {"--stats-file", stats_path_});
  else stats_path_.clear();
  argv.insert(argv.end(), args.begin(), args.end());
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--bind") bind_ = args[i + 1];
  std::vector<const char *> cargv;
  for (const auto &a : argv) cargv.push_back(a.c_str());
  cargv.push_back(nullptr);

  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  if (options.capture_stderr) g_subprocess_launcher_set_stderr_file_path(launcher, stderr_path_.c_str());
  process_ = g_subprocess_launcher_spawnv(launcher, cargv.data(), error);
  if (!process_) return false;

  // Read the ready line on a private context, so this works whatever the
  // calling thread's own main loop is doing.
  GMainContext *context = g_main_context_new();
  g_main_context_push_thread_default(context);
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  g_autoptr(GDataInputStream) out =
      g_data_input_stream_new(g_subprocess_get_stdout_pipe(process_));
  struct Read {
    bool done = false;
    char *line = nullptr;
    GError *error = nullptr;
  } read;
  g_data_input_stream_read_line_async(
      out, G_PRIORITY_DEFAULT, cancel,
      [](GObject *src, GAsyncResult *res, gpointer data) {
        auto *r = static_cast<Read *>(data);
        r->line = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src), res, nullptr,
                                                       &r->error);
        r->done = true;
      },
      &read);
  bool finished = iterate_until(context, &read.done, options.ready_timeout_ms);
  if (!finished) {
    g_cancellable_cancel(cancel);
    iterate_until(context, &read.done, 5000);  // let the cancelled read finish
  }
  g_main_context_pop_thread_default(context);
  g_main_context_unref(context);

  g_autofree char *line = read.line;
  g_autoptr(GError) read_error = read.error;
  if (!finished || !line) {
    stop();
    std::string why = !finished  ? "no ready line within " + std::to_string(options.ready_timeout_ms) + " ms"
                      : read_error ? std::string(read_error->message)
                                   : "it exited before printing a ready line (status " +
                                         std::to_string(exit_status_) + ")";
    if (options.capture_stderr) why += "; stderr: " + read_text(stderr_path_);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "ipcam-sim did not start: %s", why.c_str());
    return false;
  }
  ready_line_ = line;

  g_autoptr(JsonParser) parser = json_parser_new();
  if (!json_parser_load_from_data(parser, line, -1, error) ||
      !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
    if (error && !*error)
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "ready line is not an object");
    stop();
    return false;
  }
  JsonObject *o = json_node_get_object(json_parser_get_root(parser));
  control_port_ = uint16_t(json_object_get_int_member_with_default(o, "control_port", 0));
  http_port_ = uint16_t(json_object_get_int_member_with_default(o, "http_port", 0));
  preview_port_ = int(json_object_get_int_member_with_default(o, "preview_port", 0));
  store_ = json_object_get_string_member_with_default(o, "store", "");
  discovery_ports_.clear();
  if (json_object_has_member(o, "discovery_ports")) {
    JsonArray *a = json_object_get_array_member(o, "discovery_ports");
    for (guint i = 0; a && i < json_array_get_length(a); ++i)
      discovery_ports_.push_back(uint16_t(json_array_get_int_element(a, i)));
  }
  return true;
}

int64_t SimProcess::pid() const {
  if (!process_) return -1;
  const char *id = g_subprocess_get_identifier(process_);
  return id ? g_ascii_strtoll(id, nullptr, 10) : -1;
}

int SimProcess::stop() {
  if (!process_) return exit_status_;
  g_subprocess_send_signal(process_, SIGTERM);
  GMainContext *context = g_main_context_new();
  g_main_context_push_thread_default(context);
  bool done = false;
  g_subprocess_wait_async(
      process_, nullptr,
      [](GObject *, GAsyncResult *, gpointer d) { *static_cast<bool *>(d) = true; }, &done);
  if (!iterate_until(context, &done, 10000)) {
    g_subprocess_force_exit(process_);
    iterate_until(context, &done, 5000);
  }
  g_main_context_pop_thread_default(context);
  g_main_context_unref(context);
  exit_status_ = g_subprocess_get_if_exited(process_) ? g_subprocess_get_exit_status(process_) : -1;
  g_clear_object(&process_);
  stats_json_ = read_text(stats_path_);
  while (!stats_json_.empty() && stats_json_.back() == '\n') stats_json_.pop_back();
  stderr_text_ = read_text(stderr_path_);
  return exit_status_;
}

uint64_t SimProcess::counter(const char *name) const { return counter_in(stats_json_, name); }

uint64_t SimProcess::live_counter(const char *name) const {
  if (!running() || http_port_ == 0) return 0;
  // No proxy: the emulator is on this machine.
  g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", 5, "proxy-resolver", nullptr, nullptr);
  g_autofree char *url = g_strdup_printf("http://%s:%u/ipcam-sim/stats", bind_.c_str(), http_port_);
  g_autoptr(SoupMessage) msg = soup_message_new(SOUP_METHOD_GET, url);
  g_autoptr(GBytes) body = soup_session_send_and_read(session, msg, nullptr, nullptr);
  if (!body || soup_message_get_status(msg) != SOUP_STATUS_OK) return 0;
  gsize n = 0;
  const char *data = static_cast<const char *>(g_bytes_get_data(body, &n));
  return counter_in(std::string(data, n), name);
}

bool SimProcess::wait_counter(const char *name, uint64_t at_least, double seconds) const {
  gint64 deadline = g_get_monotonic_time() + gint64(seconds * G_USEC_PER_SEC);
  while (live_counter(name) < at_least) {
    if (g_get_monotonic_time() >= deadline) return false;
    g_usleep(20 * 1000);
  }
  return true;
}

}  // namespace ipcam::test
