// "exposure=2, led=0[, firmware=v1.0 rc5]" as ipcamsrc's apply-settings and
// the server's apply-settings= key give it, and the host-clock check
// before a camera's clock is set from the host's.
#include "ipcam/settings-spec.h"

#include "ipcam/error.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include <sys/timex.h>

namespace ipcam {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && g_ascii_isspace(s.front())) s.remove_prefix(1);
  while (!s.empty() && g_ascii_isspace(s.back())) s.remove_suffix(1);
  return s;
}

// GstStructure's serialisation writes "exposure=(int)2" and quotes
// strings: both are accepted, so a structure's text can be passed as is.
std::string_view strip_type(std::string_view v) {
  for (std::string_view t : {"(int)", "(gint)", "(string)", "(gchararray)"})
    if (v.starts_with(t)) return trim(v.substr(t.size()));
  return v;
}

std::string_view unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

bool fail(GError **error, const std::string &message) {
  g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT, message.c_str());
  return false;
}

// One "name=value" item into the spec.
bool add_item(SettingsSpec &spec, bool &have_firmware, std::string_view item, GError **error) {
  size_t eq = item.find('=');
  if (eq == std::string_view::npos)
    return fail(error, "\"" + std::string(item) + "\" is not NAME=INDEX (settings: " + setting_names() + ")");
  std::string name(trim(item.substr(0, eq)));
  std::string_view value = strip_type(trim(item.substr(eq + 1)));
  if (name == "firmware") {
    if (have_firmware) return fail(error, "firmware= is given twice in the settings");
    have_firmware = true;
    spec.firmware = std::string(unquote(value));
    return true;
  }
  const SettingInfo *s = find_setting(name);
  if (!s) return fail(error, "Unknown setting \"" + name + "\": the settings are " + setting_names());
  if (!s->set_command) return fail(error, "The setting \"" + name + "\" is read-only: it cannot be applied");
  for (const auto &[given, index] : spec.values)
    if (given == name) return fail(error, "The setting \"" + name + "\" is given twice");
  int32_t index = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), index);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size())
    return fail(error, "The setting \"" + name + "\" needs an integer index, not \"" + std::string(value) + "\"");
  spec.values.emplace_back(name, index);
  return true;
}

}  // namespace

std::optional<SettingsSpec> parse_settings_spec(std::string_view text, GError **error) {
  SettingsSpec spec;
  bool have_firmware = false;
  bool first = true;
  while (!text.empty() || first) {
    size_t comma = text.find(',');
    std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    // A GstStructure's text starts with its name ("s, exposure=2"): the
    // first item without '=' is that name, not a setting.
    bool structure_name = first && !item.empty() && item.find('=') == std::string_view::npos &&
                          !find_setting(item) && item != "firmware";
    first = false;
    if (item.empty() || structure_name) continue;
    if (item.back() == ';') item = trim(item.substr(0, item.size() - 1));
    if (!add_item(spec, have_firmware, item, error)) return std::nullopt;
  }
  return spec;
}

std::optional<std::string> host_clock_unsynchronised() {
  if (const char *forced = std::getenv("IPCAM_HOST_CLOCK")) {
    if (std::strcmp(forced, "synchronised") == 0) return std::nullopt;
    if (std::strcmp(forced, "unsynchronised") == 0)
      return std::string("the host's clock is not synchronised (IPCAM_HOST_CLOCK=unsynchronised)");
  }
  struct timex tx = {};
  int state = ntp_adjtime(&tx);  // modes 0: only reads the kernel's state
  if (state == -1)
    return std::string("cannot tell whether the host's clock is synchronised: ntp_adjtime: ") + std::strerror(errno);
  if (state == TIME_ERROR)
    return std::string("the host's clock is not synchronised (no network time since it started, "
                       "ntp_adjtime reports TIME_ERROR): the camera's clock is left as it is. Start "
                       "time synchronisation (systemd-timesyncd, chrony) or set it with `ipcam set-clock`");
  return std::nullopt;
}

}  // namespace ipcam
