// The configuration block, the settings table and the small payloads of the
// vendor's command map (docs/protocol.md, "The firmware's own command map").
// Every integer in a payload is little-endian; strings are NUL-padded
// fixed arrays. The model table (what an index means) is camera-models.cpp.
#include "ipcam/camera-settings.h"

#include "ipcam/error.h"

#include <algorithm>
#include <cstring>

namespace ipcam {

namespace {

constexpr size_t kFullFields = 20;
constexpr size_t kShortFields = 16;

int32_t load_s32(const uint8_t *p) { return int32_t(load_le32(p)); }

// Up to the first NUL, at most n bytes.
std::string nul_terminated(const uint8_t *p, size_t n) {
  const uint8_t *end = std::find(p, p + n, 0);
  return std::string(reinterpret_cast<const char *>(p), size_t(end - p));
}

size_t field_count(ConfigBlock::Layout layout) {
  return layout == ConfigBlock::Layout::kFull ? kFullFields : kShortFields;
}

}  // namespace

// ------------------------------------------------------------ the block

std::optional<ConfigBlock> parse_config_block(ByteView payload, GError **error) {
  ConfigBlock block;
  if (payload.size() == kConfigBlockSize) {
    block.layout = ConfigBlock::Layout::kFull;
  } else if (payload.size() == kShortConfigBlockSize) {
    block.layout = ConfigBlock::Layout::kShort;
  } else {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE,
                "The camera's configuration block is %zu bytes: expected %zu (or %zu on dash-cam "
                "variants). See docs/protocol.md; `ipcam raw 0xA034` shows the bytes",
                payload.size(), kConfigBlockSize, kShortConfigBlockSize);
    return std::nullopt;
  }
  const size_t n = field_count(block.layout);
  block.fields.reserve(n);
  for (size_t i = 0; i < n; i++) block.fields.push_back(load_s32(payload.data() + 4 * i));
  block.firmware = nul_terminated(payload.data() + 4 * n, kConfigFirmwareSize);
  return block;
}

Bytes encode_config_block(const ConfigBlock &block) {
  const size_t n = field_count(block.layout);
  Bytes out(4 * n + kConfigFirmwareSize, 0);
  for (size_t i = 0; i < n && i < block.fields.size(); i++) store_le32(out.data() + 4 * i, uint32_t(block.fields[i]));
  // At most 31 bytes, so that a NUL always ends the string.
  size_t len = std::min(block.firmware.size(), kConfigFirmwareSize - 1);
  std::memcpy(out.data() + 4 * n, block.firmware.data(), len);
  return out;
}

// ------------------------------------------------------------ settings

const std::vector<SettingInfo> &setting_table() {
  // The block's fields in their order (protocol.md), then the write-only
  // ones. Field names are the vendor's.
  static const std::vector<SettingInfo> table = {
      {"video-quality", 0, 0xA001, "record_quality", "video resolution / quality"},
      {"loop-length", 1, 0xA003, "record_duration", "loop recording length"},
      {"time-lapse", 2, 0xA044, "record_delayp", "time-lapse interval"},
      {"slow-motion-size", 3, 0xA04A, "record_slowp", "slow-motion video size"},
      {"record-sound", 4, 0xA00D, "record_Sound",
       "sound recording (the vendor's MUTE: which index means sound on is the model's)"},
      {"photo-quality", 5, 0xA005, "photo_quality", "photo size / quality"},
      {"self-timer", 6, 0xA04C, "photo_timetakephotos", "self-timer photo"},
      {"auto-photo", 7, 0xA04E, "photo_automatictakephotos", "automatic (interval) photo"},
      {"motion-photo", 8, 0xA058, "photo_motiontakephotos", "motion-triggered photo"},
      {"exposure", 9, 0xA009, "exposure", "exposure"},
      {"white-balance", 10, 0xA007, "white_balance", "white balance"},
      {"rotation", 11, 0xA056, "image_rotation", "image rotation (upside-down mounting)"},
      {"flicker", 12, 0xA050, "led_freq", "light-flicker frequency (50/60 Hz)"},
      {"led", 13, 0xA052, "led_on_off", "status LED"},
      {"screen-sleep", 14, 0xA021, "screen_sleep", "screen sleep"},
      {"recording", 15, 0, "record_switch", "recording now (read-only: ipcam record start/stop)"},
      {"slow-motion-recording", 16, 0, "slow_record_switch",
       "slow-motion recording now (read-only: 0xA046 starts/stops it)"},
      {"language", 17, 0xA013, "language", "menu language"},
      {"watermark", 18, 0xA01D, "watermark", "date watermark on video"},
      {"model", 19, 0, "dev_type", "the camera's model number (read-only)"},
      {"boot-record", -1, 0xA00B, nullptr, "record at power-on (write-only)"},
      {"mirror", -1, 0xA00F, nullptr, "mirror image (write-only)"},
      {"motion-detect", -1, 0xA01B, nullptr, "motion detection (write-only)"},
      {"bitrate", -1, 0xA042, nullptr, "recording bitrate (write-only)"},
      {"video-size", -1, 0xA03C, nullptr, "video size (write-only)"},
  };
  return table;
}

const SettingInfo *find_setting(std::string_view name) {
  for (const SettingInfo &s : setting_table())
    if (name == s.name) return &s;
  return nullptr;
}

std::string setting_names() {
  std::string names;
  for (const SettingInfo &s : setting_table()) {
    if (!names.empty()) names += ", ";
    names += s.name;
  }
  return names;
}

std::vector<std::pair<std::string, int32_t>> setting_values(const ConfigBlock &block) {
  std::vector<std::pair<std::string, int32_t>> values;
  if (block.layout == ConfigBlock::Layout::kShort) {
    // The 96-byte layout's fields have no known meaning: numbered, never
    // given the 112-byte layout's names.
    for (size_t i = 0; i < block.fields.size(); i++) values.emplace_back("field-" + std::to_string(i), block.fields[i]);
    return values;
  }
  for (const SettingInfo &s : setting_table())
    if (s.field >= 0 && size_t(s.field) < block.fields.size()) values.emplace_back(s.name, block.fields[size_t(s.field)]);
  return values;
}

std::optional<int32_t> setting_value(const ConfigBlock &block, std::string_view name) {
  if (block.layout == ConfigBlock::Layout::kShort) {
    if (!name.starts_with("field-")) return std::nullopt;
    std::string_view digits = name.substr(6);
    if (digits.empty() || digits.size() > 2 || (digits.size() == 2 && digits[0] == '0')) return std::nullopt;
    size_t i = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      i = i * 10 + size_t(c - '0');
    }
    if (i >= block.fields.size()) return std::nullopt;
    return block.fields[i];
  }
  const SettingInfo *s = find_setting(name);
  if (!s || s->field < 0 || size_t(s->field) >= block.fields.size()) return std::nullopt;
  return block.fields[size_t(s->field)];
}

const char *set_outcome_name(SetOutcome o) {
  switch (o) {
    case SetOutcome::kTaken: return "taken";
    case SetOutcome::kRefused: return "refused";
    case SetOutcome::kIgnored: return "ignored";
    case SetOutcome::kSent: return "sent";
  }
  return "unknown";
}

// ------------------------------------------------------------ clock

CameraClock camera_clock(GDateTime *t, bool isdst) {
  CameraClock c;
  c.sec = g_date_time_get_second(t);
  c.min = g_date_time_get_minute(t);
  c.hour = g_date_time_get_hour(t);
  c.mday = g_date_time_get_day_of_month(t);
  c.mon = g_date_time_get_month(t);  // 1..12, as the vendor's app sends it
  c.year = g_date_time_get_year(t);  // the full year, likewise
  c.wday = g_date_time_get_day_of_week(t) % 7;  // GLib: Monday 1 .. Sunday 7
  c.yday = g_date_time_get_day_of_year(t) - 1;
  c.isdst = isdst ? 1 : 0;
  return c;
}

Bytes encode_clock(const CameraClock &c) {
  const int32_t v[9] = {c.sec, c.min, c.hour, c.mday, c.mon, c.year, c.wday, c.yday, c.isdst};
  Bytes out(kClockPayloadSize);
  for (size_t i = 0; i < 9; i++) store_le32(out.data() + 4 * i, uint32_t(v[i]));
  return out;
}

std::optional<CameraClock> parse_clock(ByteView payload, GError **error) {
  if (payload.size() < kClockPayloadSize) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE, "a date and time of %zu bytes (expected %zu: 9 s32 LE)",
                payload.size(), kClockPayloadSize);
    return std::nullopt;
  }
  int32_t v[9];
  for (size_t i = 0; i < 9; i++) v[i] = load_s32(payload.data() + 4 * i);
  struct Range {
    const char *name;
    int32_t lo, hi;
  };
  static const Range ranges[9] = {{"second", 0, 60}, {"minute", 0, 59},  {"hour", 0, 23},
                                  {"day of month", 1, 31}, {"month", 1, 12}, {"year", 1970, 9999},
                                  {"weekday", 0, 6},  {"day of year", 0, 365}, {"isdst", -1, 1}};
  for (size_t i = 0; i < 9; i++) {
    if (v[i] < ranges[i].lo || v[i] > ranges[i].hi) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE, "a date and time with %s %d (expected %d..%d)",
                  ranges[i].name, v[i], ranges[i].lo, ranges[i].hi);
      return std::nullopt;
    }
  }
  return CameraClock{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]};
}

// ------------------------------------------------------------ card

std::optional<StorageInfo> parse_storage(ByteView payload, GError **error) {
  if (payload.size() < kStoragePayloadSize) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE,
                "The camera's SD card capacity reply is %zu bytes (expected %zu: remaining and total as u64 LE)",
                payload.size(), kStoragePayloadSize);
    return std::nullopt;
  }
  auto u64 = [&](size_t at) { return uint64_t(load_le32(payload.data() + at)) | uint64_t(load_le32(payload.data() + at + 4)) << 32; };
  return StorageInfo{u64(0), u64(8)};
}

Bytes encode_storage(const StorageInfo &info) {
  Bytes out(kStoragePayloadSize);
  store_le32(out.data(), uint32_t(info.remaining));
  store_le32(out.data() + 4, uint32_t(info.remaining >> 32));
  store_le32(out.data() + 8, uint32_t(info.total));
  store_le32(out.data() + 12, uint32_t(info.total >> 32));
  return out;
}

std::optional<Bytes> encode_path_field(std::string_view path, GError **error) {
  if (path.empty()) {
    g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                        "An empty path: give a file's path as the camera's file list shows it");
    return std::nullopt;
  }
  if (path.find('\0') != std::string_view::npos) {
    g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                        "A path with a NUL byte in it: the camera would read only the part before it");
    return std::nullopt;
  }
  if (path.size() >= kPathFieldSize) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                "A path of %zu bytes: the camera's file name field holds at most %zu. Nothing was sent",
                path.size(), kPathFieldSize - 1);
    return std::nullopt;
  }
  Bytes out(kPathFieldSize, 0);
  std::memcpy(out.data(), path.data(), path.size());
  return out;
}

std::string parse_path_field(ByteView payload) {
  return nul_terminated(payload.data(), std::min(payload.size(), kPathFieldSize));
}

std::optional<Bytes> encode_wifi_password(std::string_view ssid, std::string_view old_password,
                                          std::string_view new_password, GError **error) {
  if (ssid.empty() || ssid.size() > 32 || ssid.find('\0') != std::string_view::npos) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                "A Wi-Fi network name (SSID) of %zu bytes: it must be 1 to 32 bytes, without NUL", ssid.size());
    return std::nullopt;
  }
  // The messages name which password, never its text nor its length.
  auto bad = [](std::string_view p) {
    return p.size() < 8 || p.size() > 63 || p.find('\0') != std::string_view::npos;
  };
  for (auto [which, p] : {std::pair{"current", old_password}, std::pair{"new", new_password}}) {
    if (bad(p)) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                  "The %s Wi-Fi password must be 8 to 63 bytes (WPA2), without NUL: nothing was sent", which);
      return std::nullopt;
    }
  }
  Bytes out(3 * kWifiFieldSize, 0);
  std::memcpy(out.data(), ssid.data(), ssid.size());
  std::memcpy(out.data() + kWifiFieldSize, old_password.data(), old_password.size());
  std::memcpy(out.data() + 2 * kWifiFieldSize, new_password.data(), new_password.size());
  return out;
}

Bytes encode_index(int32_t index) {
  Bytes out(4);
  store_le32(out.data(), uint32_t(index));
  return out;
}

std::optional<int32_t> parse_result(ByteView payload, GError **error) {
  if (payload.size() < 4) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE, "a result of %zu bytes (expected 4: s32 LE)%s%s",
                payload.size(), payload.empty() ? "" : ": ", payload.empty() ? "" : hex_dump(payload).c_str());
    return std::nullopt;
  }
  return load_s32(payload.data());
}

// ------------------------------------------------------------ events

const char *camera_event_name(CameraEventKind kind) {
  switch (kind) {
    case CameraEventKind::kCardInserted: return "card-inserted";
    case CameraEventKind::kCardRemoved: return "card-removed";
    case CameraEventKind::kCardFull: return "card-full";
    case CameraEventKind::kEmergencyFile: return "emergency-file";
    case CameraEventKind::kMotionPhoto: return "motion-photo";
  }
  return "unknown";
}

std::optional<CameraEvent> camera_event(uint32_t type, ByteView payload) {
  switch (type) {
    case msg::kCardInserted: return CameraEvent{CameraEventKind::kCardInserted, {}};
    case msg::kCardRemoved: return CameraEvent{CameraEventKind::kCardRemoved, {}};
    case msg::kCardFull: return CameraEvent{CameraEventKind::kCardFull, {}};
    case msg::kMotionPhoto: return CameraEvent{CameraEventKind::kMotionPhoto, {}};
    case msg::kEmergencyFile: return CameraEvent{CameraEventKind::kEmergencyFile, parse_path_field(payload)};
    default: return std::nullopt;
  }
}

}  // namespace ipcam
