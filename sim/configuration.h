// The camera's configuration: the 20 fields of the block that 0xA034
// answers (protocol.md "The firmware's own command map"), the write-only
// settings, and the Wi-Fi access point's name and password. Kept in a
// hidden file of the store, so a restarted emulator (like a camera switched
// off and on) keeps what was set; never listed, served or counted.
#pragma once

#include "camera-config.h"
#include "faults.h"
#include "ipcam/wire.h"

#include <glib.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipcam::sim {

inline constexpr size_t kBlockFields = 20;
inline constexpr int kRecordingField = 15;      // record_switch: recording now
inline constexpr int kSlowRecordingField = 16;  // slow_record_switch
inline constexpr int kModelField = 19;          // dev_type

// One setting of the emulator's model: its stable name, the block field it
// reads back from (-1: write-only), the command that sets it (0: read-only)
// and how many entries its on-screen menu has (0: no menu).
struct MenuSetting {
  const char *name;
  int field;
  uint32_t command;
  int menu_size;
};
// Every setting, in the block's field order, then the write-only ones.
const std::vector<MenuSetting> &menu_table();
const MenuSetting *find_menu_setting(std::string_view name);
const MenuSetting *find_menu_command(uint32_t command);

// What a setter answered, and whether it changed the configuration.
enum class SetVerdict { kTaken, kPastMenu, kIgnored };

class Configuration {
 public:
  // Hidden in the store: a leading '.' is never listed nor served.
  static constexpr const char *kFileName = ".ipcam-sim-configuration";
  // The result a setter answers for an index past the menu (--past-menu result).
  static constexpr int32_t kPastMenuResult = -1;

  Configuration(const CameraConfig &config, Stats &stats);

  // Reads DIR/.ipcam-sim-configuration, or starts from the defaults (the
  // published ACT76 block) and writes it (a warning when it cannot). A file
  // that does not parse is an error naming it (the emulator does not start
  // on a corrupt card).
  bool load(const std::string &store_dir, GError **error);

  // The 0xA035 payload: the fields, with recording and slow-motion
  // recording as the camera's state is now, then --firmware.
  Bytes block(bool recording, bool slow_recording) const;
  int32_t field(int i) const { return fields_[size_t(i)]; }

  // Applies a setter; `result` is what the camera answers.
  SetVerdict set(const MenuSetting &setting, int32_t index, int32_t *result);
  // Menu size after --menu overrides.
  int menu_size(const MenuSetting &setting) const;

  void factory_reset();
  // The access point's new name and password (never logged).
  void set_wifi(std::string ssid, std::string password);
  const std::string &wifi_password() const { return wifi_password_; }

 private:
  bool save(GError **error) const;
  void save_or_warn() const;

  const CameraConfig &config_;
  Stats &stats_;
  std::string path_;
  std::array<int32_t, kBlockFields> fields_{};
  std::vector<std::pair<std::string, int32_t>> write_only_;  // name → last index set
  std::string wifi_ssid_;
  std::string wifi_password_;
};

// The published CamPark ACT76 block's fields: the emulator's defaults.
inline constexpr std::array<int32_t, kBlockFields> kAct76Fields = {1, 0, 0, 1, 1, 4, 0, 0, 0, 3,
                                                                 0, 0, 0, 1, 1, 0, 0, 8, 0, 0};

// Checks --menu NAME=COUNT against the table; the error names the settable names.
std::optional<std::pair<std::string, int>> parse_menu_option(std::string_view text, GError **error);

}  // namespace ipcam::sim
