// Helpers shared by the commands: error mapping, finding the camera,
// logging in, and printing for people (stderr) and scripts (stdout JSON).
#include "cli.h"

#include "ipcam/camera-login.h"
#include "ipcam/text.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ipcam::cli {

CommandOptions g_cmd;

CommandOptions::~CommandOptions() {
  g_free(output);
  g_free(to);
  g_free(sdp);
}

int exit_code_for(const GError *error) {
  if (!error) return kExitFailed;
  if (error->domain == IPCAM_ERROR) {
    switch (static_cast<IpcamError>(error->code)) {
      case IPCAM_ERROR_NO_CAMERA:
      case IPCAM_ERROR_CANNOT_CONNECT:
        return kExitNoCamera;
      case IPCAM_ERROR_LOGIN_REFUSED:
      case IPCAM_ERROR_BUSY:
        return kExitLoginRefused;
      case IPCAM_ERROR_REFUSED:
        return kExitRefused;
      case IPCAM_ERROR_NOT_IPCAM:
        return kExitNotIpcam;
      case IPCAM_ERROR_TIMEOUT:
        return kExitTimeout;
      case IPCAM_ERROR_IO:
      case IPCAM_ERROR_UNSAFE_PATH:
      case IPCAM_ERROR_HTTP:
        return kExitIo;
      case IPCAM_ERROR_INVALID_ARGUMENT:
        return kExitUsage;
      case IPCAM_ERROR_CANCELLED:
        return kExitInterrupted;
      default:
        return kExitFailed;
    }
  }
  if (error->domain == G_IO_ERROR) {
    switch (error->code) {
      case G_IO_ERROR_TIMED_OUT:
        return kExitTimeout;
      case G_IO_ERROR_CANCELLED:
        return kExitInterrupted;
      case G_IO_ERROR_CONNECTION_REFUSED:
      case G_IO_ERROR_HOST_NOT_FOUND:
      case G_IO_ERROR_HOST_UNREACHABLE:
      case G_IO_ERROR_NETWORK_UNREACHABLE:
        return kExitNoCamera;
      default:
        return kExitIo;
    }
  }
  if (error->domain == G_FILE_ERROR) return kExitIo;
  return kExitFailed;
}

// Library messages already say what to check; this names the tool's options
// for it.
static const char *hint_for(const GError *error) {
  if (!error || error->domain != IPCAM_ERROR) return nullptr;
  switch (static_cast<IpcamError>(error->code)) {
    case IPCAM_ERROR_CANNOT_CONNECT:
    case IPCAM_ERROR_NOT_IPCAM:
      return "(options: --camera, --control-port)";
    case IPCAM_ERROR_LOGIN_REFUSED:
      return "(options: --user, --password or IPCAM_PASSWORD; --server while ipcam-rtsp-server "
             "holds the camera)";
    case IPCAM_ERROR_BUSY:
      return "(close the phone app, or use --server while ipcam-rtsp-server holds the camera)";
    case IPCAM_ERROR_TIMEOUT:
      return "(option: --timeout)";
    case IPCAM_ERROR_LIMIT:
      // The file list's cap is the one a user may need to raise.
      return std::strstr(error->message, "max-files") ? "(option: --max-files N)" : nullptr;
    default:
      return nullptr;
  }
}

Failure failure_from(const GError *error, const std::string &what) {
  Failure f;
  f.code = exit_code_for(error);
  std::string msg = error ? error->message : "unknown error";
  if (!what.empty()) msg = what + ": " + msg;
  const char *hint = hint_for(error);
  if (hint) msg += std::string(" ") + hint;
  f.message = msg;
  return f;
}

Failure download_failure_from(const GError *error, const std::string &what) {
  bool unreachable = g_error_matches(error, IPCAM_ERROR, IPCAM_ERROR_CANNOT_CONNECT) ||
                     g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  if (!unreachable) {
    Failure f = failure_from(error, what);
    // Whatever broke in a transfer (a body shorter than its length, a reset)
    // is the HTTP side's; only timeouts and Ctrl+C keep their own codes.
    if (f.code == kExitFailed || f.code == kExitNoCamera) f.code = kExitIo;
    return f;
  }
  // The control session worked, so it is the HTTP port that is wrong.
  return {kExitIo, what + ": " + (error ? error->message : "cannot connect") + " (option: --http-port)"};
}

namespace {
std::atomic<bool> g_interrupted{false};
}  // namespace

bool interrupted() { return g_interrupted.load(); }
void set_interrupted() { g_interrupted.store(true); }

int report(const Failure &failure) {
  if (interrupted() && failure.code != kExitInterrupted) {
    std::fputs("ipcam: interrupted\n", stderr);
    return kExitInterrupted;
  }
  std::fprintf(stderr, "ipcam: %s\n", failure.message.c_str());
  return failure.code;
}

int usage_error(const char *command, const std::string &message) {
  if (command)
    std::fprintf(stderr, "ipcam %s: %s\nSee 'ipcam %s --help'.\n", command, message.c_str(),
                 command);
  else
    std::fprintf(stderr, "ipcam: %s\nSee 'ipcam --help'.\n", message.c_str());
  return kExitUsage;
}

unsigned timeout_ms(const GlobalOptions &opt, unsigned default_ms) {
  if (opt.timeout_s > 0) return static_cast<unsigned>(opt.timeout_s * 1000.0 + 0.5);
  return default_ms;
}

DiscoveryConfig discovery_config(const GlobalOptions &opt) {
  DiscoveryConfig dc;
  dc.broadcast_addresses = opt.broadcast;
  if (!opt.discovery_ports.empty()) dc.ports = opt.discovery_ports;
  dc.timeout_ms = timeout_ms(opt, 2000);
  dc.interface = opt.camera.interface;
  return dc;
}

bool resolve_camera(Context &ctx, std::string &address, Failure &failure) {
  if (ctx.opt.camera.address.empty()) verbose(ctx, "no --camera given: discovering");
  FoundCamera found;
  g_autoptr(GError) error = nullptr;
  const bool ok = find_camera(ctx.opt.camera, discovery_config(ctx.opt), ctx.cancellable, found, &error);
  if (g_cancellable_is_cancelled(ctx.cancellable)) {
    failure = {kExitInterrupted, "interrupted"};
    return false;
  }
  if (!ok && !g_error_matches(error, IPCAM_ERROR, IPCAM_ERROR_NO_CAMERA)) {
    failure = failure_from(error, "discovery failed");
    return false;
  }
  if (!ctx.opt.camera.address.empty()) {
    address = found.address;
    return true;
  }
  if (!ok) {
    failure = {kExitNoCamera, "no camera answered on " + found.where +
                                  "; is the computer on the camera's WiFi? (or give --camera ADDR)"};
    return false;
  }
  if (found.answered > 1)
    status("%zu cameras answered; using %s (choose one with --camera)", found.answered, found.address.c_str());
  address = found.address;
  verbose(ctx, "found camera %s", address.c_str());
  return true;
}

void SessionCloser::operator()(ControlSession *session) const {
  // Waits for a close() that Ctrl+C is running, then nothing can call it.
  if (handler) g_cancellable_disconnect(cancellable, handler);
  delete session;
}

SessionPtr open_session(Context &ctx, Failure &failure) {
  std::string address;
  if (!resolve_camera(ctx, address, failure)) return nullptr;
  CameraEndpoint endpoint = ctx.opt.camera;
  endpoint.address = address;
  SessionConfig sc = session_config(endpoint);
  sc.max_files = static_cast<size_t>(ctx.opt.max_files);
  sc.max_raw_replies = static_cast<size_t>(g_cmd.max_replies);  // ipcam raw's caps
  sc.max_raw_bytes = static_cast<size_t>(g_cmd.max_bytes);
  // A --timeout the user gave holds for the file list too (the library's
  // at least 10 s is for the default).
  if (ctx.opt.timeout_s > 0) sc.file_list_timeout_ms = ctx.opt.camera.timeout_ms;
  // Ctrl+C cancels connect and login itself; later requests (file list,
  // firmware, still) end when it closes the session. close() is safe from
  // the main thread while the command's thread waits in a request.
  SessionPtr session(new ControlSession(sc), SessionCloser{ctx.cancellable, 0});
  verbose(ctx, "connecting to %s port %d as %s", address.c_str(), ctx.opt.camera.control_port,
          ctx.opt.camera.user.c_str());
  g_autoptr(GError) error = nullptr;
  CloseOnCancel closer;
  const bool ok = log_in(*session, ctx.cancellable, closer, &error);
  // The session's deleter unhooks it from now on.
  session.get_deleter().handler = closer.release();
  if (!ok) {
    if (g_cancellable_is_cancelled(ctx.cancellable)) {
      failure = {kExitInterrupted, "interrupted"};
      return nullptr;
    }
    // Library messages usually name the camera already.
    bool named = error && std::strstr(error->message, address.c_str());
    failure = failure_from(error, named ? std::string() : "camera " + address + " port " +
                                                              std::to_string(ctx.opt.camera.control_port));
    return nullptr;
  }
  verbose(ctx, "logged in");
  return session;
}

SessionPtr open_session_with_firmware(Context &ctx, std::string &firmware, Failure &failure) {
  auto session = open_session(ctx, failure);
  if (!session) return nullptr;
  g_autoptr(GError) error = nullptr;
  const auto version = session->firmware_version(&error);
  if (!version) {
    failure = failure_from(error, "reading the firmware version");
    return nullptr;
  }
  firmware = *version;
  return session;
}

bool interactive_stderr() {
  const char *ci = g_getenv("CI");
  if (ci && *ci) return false;
  return isatty(STDERR_FILENO) == 1;
}

void verbose(const Context &ctx, const char *format, ...) {
  if (!ctx.opt.verbose) return;
  va_list ap;
  va_start(ap, format);
  g_autofree char *line = g_strdup_vprintf(format, ap);
  va_end(ap);
  std::fprintf(stderr, "ipcam: %s\n", line);
}

void status(const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  g_autofree char *line = g_strdup_vprintf(format, ap);
  va_end(ap);
  std::fprintf(stderr, "%s\n", line);
}

void print_json(JsonNode *root) {
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_pretty(gen, TRUE);
  json_generator_set_root(gen, root);
  g_autofree char *text = json_generator_to_data(gen, nullptr);
  std::fprintf(stdout, "%s\n", text);
  std::fflush(stdout);
}

JsonNode *build_json(const std::function<void(JsonBuilder *)> &fill) {
  g_autoptr(JsonBuilder) b = json_builder_new();
  fill(b);
  return json_builder_get_root(b);
}

std::string shown_text(const std::string &text) {
  std::string escaped = escape_control(text);
  size_t backslashes = static_cast<size_t>(std::count(text.begin(), text.end(), '\\'));
  return escaped.size() == text.size() + backslashes ? text : escaped;
}

std::string human_size(uint64_t bytes) {
  g_autofree char *s = g_format_size(bytes);
  return s;
}

}  // namespace ipcam::cli
