// Shared state of the `ipcam` tool: global options, exit codes, and the
// helpers every command uses (finding the camera, logging in, printing).
#pragma once

#include "ipcam/discovery.h"
#include "ipcam/endpoint.h"
#include "ipcam/error.h"
#include "ipcam/session.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ipcam::cli {

// Exit codes, documented in `ipcam --help` and docs/cli.md.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,
  kExitUsage = 2,
  kExitNoCamera = 3,
  kExitLoginRefused = 4,
  kExitNotIpcam = 5,
  kExitTimeout = 6,
  kExitIo = 7,
  kExitRefused = 8,  // the camera answered a request with a non-zero result, or ignored a setting
  kExitInterrupted = 130,  // Ctrl+C, as shells report SIGINT
};

inline constexpr uint64_t kDefaultMaxFiles = 100000;
// What `ipcam raw` keeps of the answers by default (--max-replies, --max-bytes).
inline constexpr gint64 kDefaultRawReplies = 1000;
inline constexpr gint64 kDefaultRawBytes = 1 << 20;

// Options accepted before or after the command name.
struct GlobalOptions {
  // --camera (address; empty = discover), the ports, --user, --password
  // (never printed), --interface, and the control session's timeout.
  CameraEndpoint camera;
  // --timeout in seconds; 0 = not given, and each operation keeps its own
  // default (2 s for discovery and raw, 5 s for control requests, 10 s for
  // the file list and downloads, 30 s for the server's API): timeout_ms()
  // picks. Given, it holds for every wait. camera.timeout_ms is its value
  // for the control session (--timeout, else kDefaultTimeoutMs), the form
  // session_config() and ipcamsrc take.
  double timeout_s = 0;
  bool json = false;
  bool verbose = false;
  std::string server;  // ipcam-rtsp-server base URL
  std::string server_camera;  // its camera (/api/cameras/NAME/); empty = the default
  std::vector<std::string> broadcast;
  std::vector<uint16_t> discovery_ports;
  // The most file list entries taken from a camera (a list past it fails).
  uint64_t max_files = kDefaultMaxFiles;
};

// Everything a command gets: options, its positional arguments, and the
// cancellable that Ctrl+C cancels.
struct Context {
  GlobalOptions opt;
  std::vector<std::string> args;  // after the command name
  GCancellable *cancellable = nullptr;
  // Commands that must finish cleanly on Ctrl+C (preview, relay) set this;
  // it runs on the main thread instead of cancelling.
  std::function<void()> on_interrupt;
};

// A failure: its exit code and a message for a person.
struct Failure {
  int code = kExitFailed;
  std::string message;
};

// Maps a GError (IPCAM_ERROR, G_IO_ERROR, ...) onto an exit code.
int exit_code_for(const GError *error);
// Failure from a GError, with an optional prefix naming what was tried.
Failure failure_from(const GError *error, const std::string &what = {});
// The same for a download from the camera's HTTP server (exit 7, and the
// hint names --http-port).
Failure download_failure_from(const GError *error, const std::string &what);

// Milliseconds for an operation: --timeout if given, else `default_ms`.
unsigned timeout_ms(const GlobalOptions &opt, unsigned default_ms);

// The camera address: --camera, or the first camera discovery finds.
bool resolve_camera(Context &ctx, std::string &address, Failure &failure);
// A control session that Ctrl+C closes: requests waiting on a silent camera
// end at once. The deleter unhooks it from the cancellable first.
struct SessionCloser {
  GCancellable *cancellable = nullptr;
  gulong handler = 0;
  void operator()(ControlSession *session) const;
};
using SessionPtr = std::unique_ptr<ControlSession, SessionCloser>;
// A logged-in control session to the camera.
SessionPtr open_session(Context &ctx, Failure &failure);
// The same with the camera's firmware version read at once (info and
// firmware both show it); null with `failure` set when either step fails.
SessionPtr open_session_with_firmware(Context &ctx, std::string &firmware, Failure &failure);
// Discovery configured from the global options.
DiscoveryConfig discovery_config(const GlobalOptions &opt);

// True when progress bars may be drawn: stderr is a terminal and CI is unset.
bool interactive_stderr();
void verbose(const Context &ctx, const char *format, ...) G_GNUC_PRINTF(2, 3);
// One line on stderr (status, readiness, progress): never on stdout.
void status(const char *format, ...) G_GNUC_PRINTF(1, 2);

// Prints a JSON document (one per command) on stdout.
void print_json(JsonNode *root);
// Builds a JsonNode with a builder callback: build_json([](JsonBuilder *b){...}).
JsonNode *build_json(const std::function<void(JsonBuilder *)> &fill);

// Text from elsewhere (a server's error, a library message) made safe for a
// terminal: control characters escaped as escape_control() does; text
// without any is left as it is, so what was escaped already is not doubled.
std::string shown_text(const std::string &text);

// "1.2 MB" for people.
std::string human_size(uint64_t bytes);

// ---------------------------------------------------------------- commands

using CommandFn = int (*)(Context &ctx);

struct Command {
  const char *name;
  const char *parameters;  // for the usage line, e.g. "PATH... | --latest"
  const char *summary;     // one line for `ipcam --help`
  const char *description; // shown by `ipcam CMD --help`
  const GOptionEntry *entries;  // command options (nullptr-terminated), or nullptr
  CommandFn run;
};

// preview/relay --reconnect-attempts not given: ipcamsrc's own default.
inline constexpr gint kReconnectDefault = G_MININT;

// Per-command option storage, filled by GOption before run().
struct CommandOptions {
  gchar *output = nullptr;  // fetch --output DIR, preview --output FILE
  gboolean latest = FALSE;
  gboolean resume = FALSE;  // fetch --continue
  gboolean fetch = FALSE;   // still --fetch
  gchar *to = nullptr;      // relay --to HOST:PORT
  gchar *sdp = nullptr;     // relay --sdp FILE
  gboolean force = FALSE;   // preview, fetch --force: replace an existing file
  gint reconnect_attempts = kReconnectDefault;  // preview, relay
  gint64 max_replies = kDefaultRawReplies;       // raw
  gint64 max_bytes = kDefaultRawBytes;           // raw
  ~CommandOptions();
};
extern CommandOptions g_cmd;

int cmd_discover(Context &ctx);
int cmd_info(Context &ctx);
int cmd_firmware(Context &ctx);
int cmd_ls(Context &ctx);
int cmd_fetch(Context &ctx);
int cmd_still(Context &ctx);
int cmd_record(Context &ctx);
int cmd_raw(Context &ctx);
int cmd_preview(Context &ctx);
int cmd_relay(Context &ctx);
int cmd_publish(Context &ctx);

// Installs (or with nullptr removes) what Ctrl+C does instead of cancelling.
void set_interrupt_handler(Context &ctx, std::function<void()> fn);

// Whether Ctrl+C (SIGINT or SIGTERM) came: every failure after it is the
// interruption's, reported as such (exit 130).
bool interrupted();
void set_interrupted();

// Prints "ipcam: message" on stderr and returns the failure's code (after
// Ctrl+C: "interrupted", 130, unless the failure says more about it).
int report(const Failure &failure);
// A usage error (exit 2) that points at the command's help.
int usage_error(const char *command, const std::string &message);

}  // namespace ipcam::cli
