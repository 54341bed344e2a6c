#include "ipcam/wire.h"

#include "ipcam/camera-settings.h"
#include "ipcam/error.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace ipcam {

const char *message_type_name(uint32_t type) {
  switch (type) {
    case msg::kLogin: return "login";
    case msg::kLoginAccepted: return "login accepted";
    case msg::kAliveRequest: return "alive request";
    case msg::kAliveResponse: return "alive response";
    case msg::kDiscoveryRequest: return "discovery request";
    case msg::kDiscoveryResponse: return "discovery response";
    case msg::kStartPreview: return "start preview";
    case msg::kRequestFileList: return "request file list";
    case msg::kFileListPart: return "file list part";
    case msg::kRequestFirmware: return "request firmware info";
    case msg::kFirmwareInfo: return "firmware info";
    case msg::kTakeStill: return "take still";
    case msg::kStillSaved: return "picture saved";
    case msg::kControlRecording: return "control recording";
    case msg::kRecordingAccepted: return "recording command accepted";
    // The vendor's command map (camera-settings.h, protocol.md).
    case msg::kBusy: return "busy (the camera has another client)";
    case msg::kStopPreview: return "stop preview";
    case msg::kSetClock: return "set date and time";
    case msg::kFormatCard: return "format the SD card";
    case msg::kCardCapacity: return "request SD card capacity";
    case msg::reply_of(msg::kCardCapacity): return "SD card capacity";
    case msg::kDeleteFile: return "delete a file";
    case msg::kWifiOff: return "turn Wi-Fi off";
    case msg::kWifiPassword: return "change the Wi-Fi password";
    case msg::kEmergencyFile: return "event: emergency file";
    case msg::kFactoryReset: return "factory reset";
    case msg::kCardInserted: return "event: SD card inserted";
    case msg::kCardRemoved: return "event: SD card removed";
    case msg::kMotionPhoto: return "event: motion photo";
    case msg::kCardFull: return "event: card full";
    default: return nullptr;
  }
}

bool encode_control(uint32_t type, ByteView payload, Bytes &out) {
  if (payload.size() > kControlMaxPayload) return false;
  size_t at = out.size();
  out.resize(at + kControlHeaderSize + payload.size());
  uint8_t *p = out.data() + at;
  p[0] = kControlMagic[0];
  p[1] = kControlMagic[1];
  store_be16(p + 2, uint16_t(payload.size()));
  store_be32(p + 4, type);
  if (!payload.empty()) std::memcpy(p + kControlHeaderSize, payload.data(), payload.size());
  return true;
}

Bytes encode_control(uint32_t type, ByteView payload) {
  Bytes out;
  encode_control(type, payload, out);
  return out;
}

ControlParseResult parse_control(ByteView s) {
  ControlParseResult r;
  // Judge the magic as soon as the bytes are there, so a foreign device is
  // recognised from its first byte rather than after a timeout.
  if (s.size() >= 1 && s[0] != kControlMagic[0]) { r.status = ControlParseStatus::kBadMagic; return r; }
  if (s.size() >= 2 && s[1] != kControlMagic[1]) { r.status = ControlParseStatus::kBadMagic; return r; }
  if (s.size() < kControlHeaderSize) return r;
  size_t len = load_be16(s.data() + 2);
  if (s.size() < kControlHeaderSize + len) return r;
  r.status = ControlParseStatus::kOk;
  r.type = load_be32(s.data() + 4);
  r.payload = s.subspan(kControlHeaderSize, len);
  r.consumed = kControlHeaderSize + len;
  return r;
}

std::optional<Bytes> encode_login(std::string_view user, std::string_view password, GError **error) {
  auto check = [&](std::string_view v, const char *what) {
    if (v.size() >= kLoginFieldSize) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                  "the %s is %zu bytes long; the camera's login allows at most %zu", what, v.size(),
                  kLoginFieldSize - 1);
      return false;
    }
    if (v.find('\0') != std::string_view::npos) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT, "the %s contains a NUL byte", what);
      return false;
    }
    return true;
  };
  if (!check(user, "user name") || !check(password, "password")) return std::nullopt;
  Bytes out(kLoginPayloadSize, 0);
  std::memcpy(out.data(), user.data(), user.size());
  std::memcpy(out.data() + kLoginFieldSize, password.data(), password.size());
  return out;
}

static std::string nul_padded(const uint8_t *p, size_t n) {
  const void *end = std::memchr(p, 0, n);
  return std::string(reinterpret_cast<const char *>(p),
                     end ? size_t(static_cast<const uint8_t *>(end) - p) : n);
}

std::optional<Credentials> parse_login(ByteView payload, GError **error) {
  if (payload.size() < kLoginPayloadSize) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE,
                "login payload is %zu bytes; expected at least %zu", payload.size(), kLoginPayloadSize);
    return std::nullopt;
  }
  return Credentials{nul_padded(payload.data(), kLoginFieldSize),
                     nul_padded(payload.data() + kLoginFieldSize, kLoginFieldSize)};
}

Bytes file_list_request_payload() { return {0x01, 0x00, 0x00, 0x00}; }

Bytes recording_payload(bool start) { return {uint8_t(start ? 1 : 0), 0x00, 0x00, 0x00}; }

// ---------------------------------------------------------------- firmware

static bool printable_text(ByteView b) {
  size_t n = 0;
  for (uint8_t c : b) {
    if (c == 0) break;
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    if (c == 0x7F) return false;
    n++;
  }
  return n > 0;
}

static std::string trimmed(std::string s) {
  while (!s.empty() && g_ascii_isspace(s.back())) s.pop_back();
  size_t i = 0;
  while (i < s.size() && g_ascii_isspace(s[i])) i++;
  return s.substr(i);
}

std::optional<std::string> parse_firmware(ByteView payload, GError **error) {
  // Plain text from the first byte (some firmwares): printable with no NUL
  // in the first 80 bytes, where the binary layout has its u32 fields.
  ByteView head = payload.first(std::min(payload.size(), kFirmwareVersionOffset));
  bool head_has_nul = std::find(head.begin(), head.end(), 0) != head.end();
  if (!head_has_nul && printable_text(payload)) return trimmed(nul_padded(payload.data(), payload.size()));
  // The configuration block (camera-settings.h) holds the version after
  // its fields: at byte 80 of the 112-byte layout, 64 of the 96-byte one.
  // Other lengths keep the first clients' reading, from byte 80.
  size_t at = payload.size() == kShortConfigBlockSize ? kShortConfigBlockSize - kConfigFirmwareSize
                                                      : kFirmwareVersionOffset;
  if (payload.size() > at) {
    ByteView tail = payload.subspan(at);
    if (printable_text(tail)) return trimmed(nul_padded(tail.data(), tail.size()));
  }
  g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE,
              "firmware info of %zu bytes holds no version string (expected text at byte %zu): %s",
              payload.size(), at, hex_dump(payload).c_str());
  return std::nullopt;
}

Bytes encode_firmware(std::string_view version, const uint32_t fields[20]) {
  Bytes out(std::max(kFirmwareInfoSize, kFirmwareVersionOffset + version.size() + 1), 0);
  if (fields)
    for (int i = 0; i < 20; i++) store_le32(out.data() + 4 * i, fields[i]);
  std::memcpy(out.data() + kFirmwareVersionOffset, version.data(), version.size());
  return out;
}

// ---------------------------------------------------------------- preview

const char *datagram_status_name(DatagramStatus s) {
  switch (s) {
    case DatagramStatus::kOk: return "ok";
    case DatagramStatus::kTooShort: return "shorter than its 8-byte header";
    case DatagramStatus::kBadMagic: return "bad magic (not BC DE)";
    case DatagramStatus::kLengthPastEnd: return "length field past the end";
    case DatagramStatus::kBadTime: return "time datagram shorter than 16 bytes";
  }
  return "unknown";
}

DatagramStatus parse_datagram(ByteView b, PreviewDatagram &out) {
  if (b.size() < kPreviewHeaderSize) return DatagramStatus::kTooShort;
  if (b[0] != kPreviewMagic[0] || b[1] != kPreviewMagic[1]) return DatagramStatus::kBadMagic;
  size_t len = load_be16(b.data() + 2);
  if (len > b.size() - kPreviewHeaderSize) return DatagramStatus::kLengthPastEnd;
  out.seq = load_be16(b.data() + 4);
  out.type = load_be16(b.data() + 6);
  out.payload = b.subspan(kPreviewHeaderSize, len);
  if (out.type == datagram::kTime && len < kTimePayloadSize) return DatagramStatus::kBadTime;
  return DatagramStatus::kOk;
}

uint32_t time_datagram_ms(ByteView payload) {
  if (payload.size() < kTimeMsOffset + 4) return 0;
  return load_le32(payload.data() + kTimeMsOffset);
}

size_t encode_datagram(uint16_t seq, uint16_t type, ByteView payload, uint8_t *out, size_t cap) {
  if (payload.size() > 0xFFFF || cap < kPreviewHeaderSize + payload.size()) return 0;
  out[0] = kPreviewMagic[0];
  out[1] = kPreviewMagic[1];
  store_be16(out + 2, uint16_t(payload.size()));
  store_be16(out + 4, seq);
  store_be16(out + 6, type);
  if (!payload.empty()) std::memcpy(out + kPreviewHeaderSize, payload.data(), payload.size());
  return kPreviewHeaderSize + payload.size();
}

void encode_time_payload(uint32_t ms, uint8_t out[kTimePayloadSize], ByteView prefix) {
  std::memset(out, 0, kTimePayloadSize);
  if (!prefix.empty()) std::memcpy(out, prefix.data(), std::min(prefix.size(), kTimeMsOffset));
  store_le32(out + kTimeMsOffset, ms);
}

std::string hex_dump(ByteView bytes, size_t max) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  size_t n = std::min(bytes.size(), max);
  for (size_t i = 0; i < n; i++) {
    if (i) s += ' ';
    s += digits[bytes[i] >> 4];
    s += digits[bytes[i] & 15];
  }
  if (bytes.size() > max) s += " ...";
  return s;
}

}  // namespace ipcam
