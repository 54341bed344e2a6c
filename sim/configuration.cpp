#include "configuration.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include <algorithm>
#include <cstring>

namespace ipcam::sim {

namespace {

constexpr const char *kSettingsGroup = "settings";
constexpr const char *kWifiGroup = "wifi";

}  // namespace

// The emulator's own model: menu sizes chosen so that every value of the
// published ACT76 block is on its menu (docs/ipcam-sim.md has the table).
const std::vector<MenuSetting> &menu_table() {
  static const std::vector<MenuSetting> table = {
      {"video-quality", 0, 0xA001, 4},     {"loop-length", 1, 0xA003, 4},
      {"time-lapse", 2, 0xA044, 6},        {"slow-motion-size", 3, 0xA04A, 3},
      {"record-sound", 4, 0xA00D, 2},      {"photo-quality", 5, 0xA005, 6},
      {"self-timer", 6, 0xA04C, 4},        {"auto-photo", 7, 0xA04E, 5},
      {"motion-photo", 8, 0xA058, 2},      {"exposure", 9, 0xA009, 7},
      {"white-balance", 10, 0xA007, 5},    {"rotation", 11, 0xA056, 2},
      {"flicker", 12, 0xA050, 2},          {"led", 13, 0xA052, 2},
      {"screen-sleep", 14, 0xA021, 4},     {"recording", 15, 0, 0},
      {"slow-motion-recording", 16, 0, 0}, {"language", 17, 0xA013, 12},
      {"watermark", 18, 0xA01D, 2},        {"model", 19, 0, 0},
      {"boot-record", -1, 0xA00B, 2},      {"mirror", -1, 0xA00F, 2},
      {"motion-detect", -1, 0xA01B, 2},    {"bitrate", -1, 0xA042, 3},
      {"video-size", -1, 0xA03C, 4},
  };
  return table;
}

const MenuSetting *find_menu_setting(std::string_view name) {
  for (const auto &s : menu_table())
    if (name == s.name) return &s;
  return nullptr;
}

const MenuSetting *find_menu_command(uint32_t command) {
  for (const auto &s : menu_table())
    if (s.command != 0 && s.command == command) return &s;
  return nullptr;
}

std::optional<std::pair<std::string, int>> parse_menu_option(std::string_view text, GError **error) {
  size_t eq = text.find('=');
  std::string name(text.substr(0, eq));
  const MenuSetting *s = eq == std::string_view::npos ? nullptr : find_menu_setting(name);
  if (!s || s->command == 0) {
    std::string names;
    for (const auto &m : menu_table())
      if (m.command != 0) names += std::string(names.empty() ? "" : ", ") + m.name;
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--menu %.*s: expected NAME=COUNT, NAME one of %s", int(text.size()), text.data(),
                names.c_str());
    return std::nullopt;
  }
  std::string count(text.substr(eq + 1));
  char *end = nullptr;
  long n = strtol(count.c_str(), &end, 10);
  if (count.empty() || *end || n < 1 || n > 1000) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--menu %s: COUNT must be 1..1000 (the number of entries of the menu)",
                std::string(text).c_str());
    return std::nullopt;
  }
  return std::make_pair(name, int(n));
}

Configuration::Configuration(const CameraConfig &config, Stats &stats)
    : config_(config), stats_(stats), fields_(kAct76Fields) {}

int Configuration::menu_size(const MenuSetting &setting) const {
  int size = setting.menu_size;
  for (const auto &[name, count] : config_.menu_sizes)
    if (name == setting.name) size = count;  // the last --menu for a name wins
  return size;
}

bool Configuration::load(const std::string &store_dir, GError **error) {
  g_autofree char *path = g_build_filename(store_dir.c_str(), kFileName, nullptr);
  path_ = path;
  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    // A store it cannot write to still serves: what is set lasts until exit.
    save_or_warn();
    return true;
  }
  g_autoptr(GKeyFile) kf = g_key_file_new();
  if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error)) {
    g_prefix_error(error, "the camera's configuration %s: ", path);
    return false;
  }
  for (const auto &s : menu_table()) {
    if (!g_key_file_has_key(kf, kSettingsGroup, s.name, nullptr)) continue;
    GError *e = nullptr;
    int v = g_key_file_get_integer(kf, kSettingsGroup, s.name, &e);
    if (e) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                  "the camera's configuration %s: %s: %s (delete the file for the defaults)", path,
                  s.name, e->message);
      g_error_free(e);
      return false;
    }
    if (s.field >= 0 && s.field != kRecordingField && s.field != kSlowRecordingField)
      fields_[size_t(s.field)] = v;
    else if (s.field < 0)
      write_only_.emplace_back(s.name, v);
  }
  g_autofree char *ssid = g_key_file_get_string(kf, kWifiGroup, "ssid", nullptr);
  g_autofree char *password = g_key_file_get_string(kf, kWifiGroup, "password", nullptr);
  wifi_ssid_ = ssid ? ssid : "";
  wifi_password_ = password ? password : "";
  return true;
}

bool Configuration::save(GError **error) const {
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_key_file_set_comment(kf, nullptr, nullptr,
                         " ipcam-sim: the emulated camera's configuration (docs/ipcam-sim.md)",
                         nullptr);
  for (const auto &s : menu_table()) {
    if (s.field == kRecordingField || s.field == kSlowRecordingField) continue;  // state, not settings
    if (s.field >= 0) g_key_file_set_integer(kf, kSettingsGroup, s.name, fields_[size_t(s.field)]);
  }
  for (const auto &[name, v] : write_only_) g_key_file_set_integer(kf, kSettingsGroup, name.c_str(), v);
  if (!wifi_ssid_.empty()) g_key_file_set_string(kf, kWifiGroup, "ssid", wifi_ssid_.c_str());
  if (!wifi_password_.empty())
    g_key_file_set_string(kf, kWifiGroup, "password", wifi_password_.c_str());
  gsize size = 0;
  g_autofree char *text = g_key_file_to_data(kf, &size, nullptr);
  // It may hold the Wi-Fi password: readable by its owner only.
  if (!g_file_set_contents_full(path_.c_str(), text, gssize(size), G_FILE_SET_CONTENTS_CONSISTENT,
                                0600, error)) {
    g_prefix_error(error, "the camera's configuration: ");
    return false;
  }
  return true;
}

void Configuration::save_or_warn() const {
  g_autoptr(GError) error = nullptr;
  if (!save(&error)) g_warning("%s", error->message);
}

Bytes Configuration::block(bool recording, bool slow_recording) const {
  uint32_t fields[kBlockFields];
  for (size_t i = 0; i < kBlockFields; i++) fields[i] = uint32_t(fields_[i]);
  fields[kRecordingField] = recording ? 1 : 0;
  fields[kSlowRecordingField] = slow_recording ? 1 : 0;
  return encode_firmware(config_.firmware, fields);
}

SetVerdict Configuration::set(const MenuSetting &setting, int32_t index, int32_t *result) {
  if (index < 0 || index >= menu_size(setting)) {
    bool ignore = config_.past_menu == PastMenu::kIgnore;
    *result = ignore ? 0 : kPastMenuResult;
    stats_.add(ignore ? "settings_ignored" : "settings_refused");
    return ignore ? SetVerdict::kIgnored : SetVerdict::kPastMenu;
  }
  *result = 0;
  stats_.add("settings_taken");
  if (setting.field >= 0) {
    fields_[size_t(setting.field)] = index;
  } else {
    auto it = std::find_if(write_only_.begin(), write_only_.end(),
                           [&](const auto &p) { return p.first == setting.name; });
    if (it == write_only_.end()) write_only_.emplace_back(setting.name, index);
    else it->second = index;
  }
  save_or_warn();
  return SetVerdict::kTaken;
}

void Configuration::factory_reset() {
  int32_t model = fields_[kModelField];  // the model is the hardware's
  fields_ = kAct76Fields;
  fields_[kModelField] = model;
  write_only_.clear();
  save_or_warn();
}

void Configuration::set_wifi(std::string ssid, std::string password) {
  wifi_ssid_ = std::move(ssid);
  wifi_password_ = std::move(password);
  save_or_warn();
}

}  // namespace ipcam::sim
