// ipcam wifi-password: changes the password of the camera's access point
// (0xA031). The passwords come from the terminal without echo, or from
// standard input, never from the command line (where `ps` shows them), and
// are never printed or logged.
#include "phone-commands.h"

#include "ipcam/camera-settings.h"
#include "ipcam/text.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <optional>

namespace ipcam::cli {

namespace {

constexpr size_t kMaxLine = 1024;  // far past the 63 bytes a password may have

// A password in memory: wiped when it goes.
struct Secret {
  std::string text;
  ~Secret() { explicit_bzero(text.data(), text.size()); }
};

// The terminal's settings while echo is off, for Ctrl+C to put back.
struct EchoOff {
  std::mutex mutex;
  bool off = false;
  termios saved{};
} g_echo;

void restore_echo() {
  std::lock_guard lock(g_echo.mutex);
  if (g_echo.off) tcsetattr(STDIN_FILENO, TCSANOW, &g_echo.saved);
  g_echo.off = false;
}

// One line from standard input, without its end; nullopt at the end of the
// input (or past kMaxLine bytes: `too_long`).
std::optional<Secret> read_line(bool &too_long) {
  Secret line;
  for (;;) {
    char c = 0;
    const ssize_t n = read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (line.text.empty()) return std::nullopt;
      break;
    }
    if (c == '\n') break;
    if (line.text.size() >= kMaxLine) {
      too_long = true;
      return std::nullopt;
    }
    line.text.push_back(c);
  }
  if (!line.text.empty() && line.text.back() == '\r') line.text.pop_back();
  return line;
}

// Echo goes off before the question shows, so that nothing typed after it
// is ever echoed.
std::optional<Secret> prompt(const char *question, bool &too_long) {
  {
    std::lock_guard lock(g_echo.mutex);
    if (tcgetattr(STDIN_FILENO, &g_echo.saved) == 0) {
      termios quiet = g_echo.saved;
      quiet.c_lflag &= ~tcflag_t(ECHO);
      quiet.c_lflag |= ECHONL;
      g_echo.off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
  }
  std::fprintf(stderr, "%s", question);
  std::fflush(stderr);
  auto line = read_line(too_long);
  restore_echo();
  return line;
}

bool password_length_ok(const std::string &p) { return p.size() >= 8 && p.size() <= 63; }

// The current and new password: from the terminal (the new one twice) or
// one per line from standard input. Usage problems go to `problem`.
bool read_passwords(Secret &old_password, Secret &new_password, std::string &problem) {
  const char *ci = g_getenv("CI");
  const bool terminal = isatty(STDIN_FILENO) == 1 && !(ci && *ci);
  bool too_long = false;
  std::optional<Secret> old_line, new_line, again;
  if (terminal) {
    old_line = prompt("Current Wi-Fi password: ", too_long);
    if (old_line) new_line = prompt("New Wi-Fi password (8 to 63 bytes): ", too_long);
    if (new_line) again = prompt("New Wi-Fi password again: ", too_long);
  } else {
    old_line = read_line(too_long);
    if (old_line) new_line = read_line(too_long);
  }
  if (too_long) {
    problem = "a password line is longer than " + std::to_string(kMaxLine) + " bytes";
    return false;
  }
  if (!old_line || !new_line || (terminal && !again)) {
    problem = terminal ? "no password given"
                       : "standard input must hold the current password and the new one, one per line";
    return false;
  }
  if (terminal && again->text != new_line->text) {
    problem = "the two new passwords differ; nothing was changed";
    return false;
  }
  if (!password_length_ok(old_line->text) || !password_length_ok(new_line->text)) {
    problem = "a Wi-Fi password has 8 to 63 bytes";
    return false;
  }
  std::swap(old_password.text, old_line->text);
  std::swap(new_password.text, new_line->text);
  return true;
}

}  // namespace

int cmd_wifi_password(Context &ctx) {
  if (!ctx.args.empty())
    return usage_error("wifi-password", "passwords are never taken from the command line; they are "
                                        "read from the terminal or from standard input");
  if (!g_phone.ssid || !*g_phone.ssid)
    return usage_error("wifi-password", "name the camera's network with --ssid NAME");
  const std::string ssid = g_phone.ssid;
  if (ssid.size() > 32) return usage_error("wifi-password", "--ssid: a network name has at most 32 bytes");
  // Ctrl+C at a prompt: echo back on before leaving.
  set_interrupt_handler(ctx, [] {
    restore_echo();
    std::fputs("\nipcam: interrupted\n", stderr);
    _exit(kExitInterrupted);
  });
  Secret old_password, new_password;
  std::string problem;
  const bool have = read_passwords(old_password, new_password, problem);
  set_interrupt_handler(ctx, nullptr);
  if (!have) return usage_error("wifi-password", problem);
  Failure failure;
  auto session = open_session(ctx, failure);
  if (!session) return report(failure);
  g_autoptr(GError) error = nullptr;
  if (!session->set_wifi_password(ssid, old_password.text, new_password.text, &error))
    return report(failure_from(error, "changing the Wi-Fi password"));
  if (ctx.opt.json)
    print_json(build_json([&](JsonBuilder *b) {
      json_builder_begin_object(b);
      json_builder_set_member_name(b, "changed");
      json_builder_add_boolean_value(b, TRUE);
      json_builder_set_member_name(b, "ssid");
      json_builder_add_string_value(b, ssid.c_str());
      json_builder_end_object(b);
    }));
  else
    status("Wi-Fi password of %s changed; the camera restarts its access point: join it again "
           "with the new password",
           escape_control(ssid).c_str());
  return kExitOk;
}

}  // namespace ipcam::cli
