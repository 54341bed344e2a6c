// The camera's configuration block and everything the phone app sets with
// it: settings by stable names, the clock, the SD card's capacity and the
// events a camera sends on its own. Pure: no I/O, no clocks of its own, so
// that the parsers can be fuzzed; ControlSession (session.h) sends the
// requests. Facts and guesses: docs/protocol.md, "The firmware's own
// command map"; what each index means: docs/settings.md.
#pragma once

#include "ipcam/wire.h"

#include <glib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipcam {

// Request and reply codes of the vendor's command map beyond those in wire.h.
namespace msg {
inline constexpr uint32_t kBusy = 0x1234;  // a login reply: the camera already has a client
inline constexpr uint32_t kStopPreview = 0x02FF;
inline constexpr uint32_t kSetClock = 0xA011;
inline constexpr uint32_t kFormatCard = 0xA01F;
inline constexpr uint32_t kCardCapacity = 0xA02A;
inline constexpr uint32_t kDeleteFile = 0xA02C;
inline constexpr uint32_t kWifiOff = 0xA030;
inline constexpr uint32_t kWifiPassword = 0xA031;
inline constexpr uint32_t kGetConfiguration = 0xA034;  // = kRequestFirmware
inline constexpr uint32_t kConfiguration = 0xA035;     // = kFirmwareInfo
inline constexpr uint32_t kEmergencyFile = 0xA040;
inline constexpr uint32_t kFactoryReset = 0xA054;
inline constexpr uint32_t kCardInserted = 0xA05A;
inline constexpr uint32_t kCardRemoved = 0xA05B;
inline constexpr uint32_t kMotionPhoto = 0xA060;
inline constexpr uint32_t kCardFull = 0xA061;
// Every request's reply is the request's code + 1.
inline constexpr uint32_t reply_of(uint32_t request) { return request + 1; }
}  // namespace msg

// ------------------------------------------------------------ the block

// The reply to 0xA034: 20 s32 LE fields then char[32] firmware (112 bytes),
// or on dash-cam variants 16 fields then char[32] (96 bytes), whose fields'
// meanings are unknown. Any other length is a parse error naming it.
inline constexpr size_t kConfigBlockSize = 112;
inline constexpr size_t kShortConfigBlockSize = 96;
inline constexpr size_t kConfigFirmwareSize = 32;

struct ConfigBlock {
  enum class Layout { kFull, kShort };  // 112 bytes / 96 bytes
  Layout layout = Layout::kFull;
  std::vector<int32_t> fields;  // 20 (kFull) or 16 (kShort)
  std::string firmware;         // up to the first NUL, at most 32 bytes
};

std::optional<ConfigBlock> parse_config_block(ByteView payload, GError **error);
// The inverse, for the emulator and tests: 112 or 96 bytes by layout.
Bytes encode_config_block(const ConfigBlock &block);

// ------------------------------------------------------------ settings

// One setting of the table in docs/settings.md. `field` indexes the
// 112-byte block's fields (-1: write-only); `set_command` is 0 for a
// read-only one. `field_name` is the vendor's name of the block field.
struct SettingInfo {
  const char *name;        // "video-quality": the stable name every interface uses
  int field;               // 0..19, or -1
  uint32_t set_command;    // 0xA001, ..., or 0
  const char *field_name;  // "record_quality", or nullptr when write-only
  const char *summary;     // one line for --help, gst-inspect and the page
};

// Every setting in the table's order: the 20 readable ones (by field), then
// the write-only ones (boot-record, mirror, motion-detect, bitrate,
// video-size).
const std::vector<SettingInfo> &setting_table();
const SettingInfo *find_setting(std::string_view name);
// "video-quality, loop-length, ...": for a usage error that lists the names.
std::string setting_names();

// The readable settings of a block as (name, value) in table order: the 20
// names for a 112-byte block; "field-0".."field-15" for a 96-byte one.
std::vector<std::pair<std::string, int32_t>> setting_values(const ConfigBlock &block);
// One readable value by name; nullopt when the block has no such field.
std::optional<int32_t> setting_value(const ConfigBlock &block, std::string_view name);

// What a set did: taken (result 0, read back equal), refused (result != 0:
// the camera's number), ignored (result 0, read back unchanged), sent
// (write-only: nothing to read back).
enum class SetOutcome { kTaken, kRefused, kIgnored, kSent };
const char *set_outcome_name(SetOutcome o);  // "taken", "refused", "ignored", "sent"

struct SetResult {
  std::string name;
  int32_t index = 0;
  SetOutcome outcome = SetOutcome::kSent;
  int32_t camera_result = 0;           // the s32 the camera answered
  std::optional<int32_t> read_back;    // the field after the set, when readable
};

// ------------------------------------------------------------ models

// What an index means, where a model's menu is known (keyed by the block's
// `model` field and its firmware string); nullopt for unknown models,
// settings and indexes. Never a guess for a real model.
std::optional<std::string> index_label(const ConfigBlock &block, std::string_view setting, int32_t index);
// The whole known menu of a setting for this block's model (index → label,
// in index order); empty when unknown.
std::vector<std::pair<int32_t, std::string>> known_menu(const ConfigBlock &block, std::string_view setting);

// ------------------------------------------------------------ clock

// The 0xA011 payload: 9 s32 LE in struct tm order, with the full year and a
// 1-based month as the vendor's app sends them.
struct CameraClock {
  int32_t sec = 0, min = 0, hour = 0;
  int32_t mday = 1;  // 1..31
  int32_t mon = 1;   // 1..12
  int32_t year = 1970;
  int32_t wday = 0;  // 0..6 from Sunday
  int32_t yday = 0;  // 0..365
  int32_t isdst = 0;
};
inline constexpr size_t kClockPayloadSize = 36;
// From a local date-time (wday, yday computed); isdst as the host says.
CameraClock camera_clock(GDateTime *local_time, bool isdst);
Bytes encode_clock(const CameraClock &clock);
std::optional<CameraClock> parse_clock(ByteView payload, GError **error);  // the emulator's side

// ------------------------------------------------------------ card

struct StorageInfo {
  uint64_t remaining = 0;  // bytes
  uint64_t total = 0;
};
inline constexpr size_t kStoragePayloadSize = 16;
std::optional<StorageInfo> parse_storage(ByteView payload, GError **error);
Bytes encode_storage(const StorageInfo &info);

// 0xA02C / 0xA040 carry a char[256] path, NUL-padded: a path of 256 bytes
// or more (no room for the NUL) is refused before anything is sent.
inline constexpr size_t kPathFieldSize = 256;
std::optional<Bytes> encode_path_field(std::string_view path, GError **error);
std::string parse_path_field(ByteView payload);  // up to the first NUL, at most 256 bytes

// 0xA031: char[64] ssid (at most 32 bytes), char[64] old password, char[64]
// new password (each 8..63 bytes). The error never contains a password.
inline constexpr size_t kWifiFieldSize = 64;
std::optional<Bytes> encode_wifi_password(std::string_view ssid, std::string_view old_password,
                                          std::string_view new_password, GError **error);

// An s32 LE index (every setter's payload) and an s32 LE result (every
// setter's reply; a reply shorter than 4 bytes is a parse error).
Bytes encode_index(int32_t index);
std::optional<int32_t> parse_result(ByteView payload, GError **error);

// ------------------------------------------------------------ events

enum class CameraEventKind { kCardInserted, kCardRemoved, kCardFull, kEmergencyFile, kMotionPhoto };
// "card-inserted", "card-removed", "card-full", "emergency-file", "motion-photo"
const char *camera_event_name(CameraEventKind kind);

struct CameraEvent {
  CameraEventKind kind = CameraEventKind::kCardInserted;
  std::string file;  // emergency-file: the path the camera sent; else empty
};
// The event a message is, or nullopt when the type is not an event.
std::optional<CameraEvent> camera_event(uint32_t type, ByteView payload);

}  // namespace ipcam
