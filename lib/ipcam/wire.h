// Wire codec: build and parse the bytes of the camera protocol.
// Pure functions: no I/O, no clocks, no globals, so they can be fuzzed.
// See docs/protocol.md for what each field means and which parts are guesses.
#pragma once

#include <glib.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ipcam {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

// ---------------------------------------------------------------- control

inline constexpr uint8_t kControlMagic[2] = {0xAB, 0xCD};
inline constexpr size_t kControlHeaderSize = 8;
inline constexpr size_t kControlMaxPayload = 0xFFFF;

// Message types seen in captures (protocol.md). Others exist; they travel as
// plain uint32_t values through the raw-message API.
namespace msg {
inline constexpr uint32_t kLogin = 0x0110;
inline constexpr uint32_t kLoginAccepted = 0x0111;
inline constexpr uint32_t kAliveRequest = 0x0112;
inline constexpr uint32_t kAliveResponse = 0x0113;
inline constexpr uint32_t kDiscoveryRequest = 0x0114;
inline constexpr uint32_t kDiscoveryResponse = 0x0115;
inline constexpr uint32_t kStartPreview = 0x01FF;
inline constexpr uint32_t kRequestFileList = 0xA025;
inline constexpr uint32_t kFileListPart = 0xA026;
inline constexpr uint32_t kRequestFirmware = 0xA034;
inline constexpr uint32_t kFirmwareInfo = 0xA035;
inline constexpr uint32_t kTakeStill = 0xA038;
inline constexpr uint32_t kStillSaved = 0xA039;
inline constexpr uint32_t kControlRecording = 0xA03A;
inline constexpr uint32_t kRecordingAccepted = 0xA03B;
}  // namespace msg

// A short human name for a message type ("login", "alive request", ...), or
// nullptr when the type is not one we know.
const char *message_type_name(uint32_t type);

// One control message: type plus payload.
struct ControlMessage {
  uint32_t type = 0;
  Bytes payload;
};

// Appends header + payload to `out`. Fails (returns false) only when the
// payload is longer than the 16-bit length field allows.
bool encode_control(uint32_t type, ByteView payload, Bytes &out);
Bytes encode_control(uint32_t type, ByteView payload = {});

enum class ControlParseStatus {
  kOk,        // one whole message parsed; `consumed` bytes used
  kNeedMore,  // buffer holds only part of a message (or nothing)
  kBadMagic,  // the first two bytes are not AB CD: not this protocol
};

struct ControlParseResult {
  ControlParseStatus status = ControlParseStatus::kNeedMore;
  uint32_t type = 0;
  ByteView payload;     // points into the input buffer
  size_t consumed = 0;  // header + payload, when kOk
};

// Parses the first message of a byte stream. Never assumes one message per
// read: callers keep the unconsumed rest and call again.
ControlParseResult parse_control(ByteView stream);

// Login payload: user NUL-padded in bytes 0..63, password in 64..127.
// A user or password longer than 63 bytes is an error, never truncated.
inline constexpr size_t kLoginPayloadSize = 128;
inline constexpr size_t kLoginFieldSize = 64;
std::optional<Bytes> encode_login(std::string_view user, std::string_view password, GError **error);

struct Credentials {
  std::string user;
  std::string password;
};
// Reads a login or login-accepted payload. Honours any length >= 128 (one
// app sends 129 bytes); shorter is an error.
std::optional<Credentials> parse_login(ByteView payload, GError **error);

// Request payloads copied from captures.
Bytes file_list_request_payload();                // 01 00 00 00
Bytes recording_payload(bool start);              // 01|00 00 00 00
inline constexpr size_t kStartPreviewZeroBytes = 8;  // optional 8-byte zero payload

// ---------------------------------------------------------------- firmware

inline constexpr size_t kFirmwareVersionOffset = 80;
inline constexpr size_t kFirmwareInfoSize = 112;
// Binary layout (twenty u32 LE fields, version string from byte 80) or plain
// text (a payload that is printable text from byte 0). Returns the version.
std::optional<std::string> parse_firmware(ByteView payload, GError **error);
Bytes encode_firmware(std::string_view version, const uint32_t fields[20] = nullptr);

// ---------------------------------------------------------------- preview

inline constexpr uint8_t kPreviewMagic[2] = {0xBC, 0xDE};
inline constexpr size_t kPreviewHeaderSize = 8;
inline constexpr size_t kTimePayloadSize = 16;
inline constexpr size_t kTimeMsOffset = 12;

namespace datagram {
inline constexpr uint16_t kData = 1;
inline constexpr uint16_t kTime = 2;
inline constexpr uint16_t kUnknown5 = 5;
}  // namespace datagram

enum class DatagramStatus {
  kOk,
  kTooShort,       // fewer than 8 bytes
  kBadMagic,       // not BC DE
  kLengthPastEnd,  // length field says more than the datagram holds
  kBadTime,        // a time datagram with fewer than 16 payload bytes
};
const char *datagram_status_name(DatagramStatus s);

struct PreviewDatagram {
  uint16_t seq = 0;
  uint16_t type = 0;
  ByteView payload;  // exactly `length` bytes; trailing bytes are ignored
};

DatagramStatus parse_datagram(ByteView bytes, PreviewDatagram &out);

// Camera milliseconds from a time datagram's payload (bytes 12..15, LE).
uint32_t time_datagram_ms(ByteView payload);

// Writes one datagram into `out` (capacity `cap`); returns its size, or 0
// when it does not fit.
size_t encode_datagram(uint16_t seq, uint16_t type, ByteView payload, uint8_t *out, size_t cap);
// A time datagram payload: 12 unknown bytes (`prefix`, zero if empty) + ms LE.
void encode_time_payload(uint32_t ms, uint8_t out[kTimePayloadSize], ByteView prefix = {});

// ---------------------------------------------------------------- helpers

// Big/little-endian loads and stores, unaligned-safe.
inline uint16_t load_be16(const uint8_t *p) { return uint16_t(p[0] << 8 | p[1]); }
inline uint32_t load_be32(const uint8_t *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
inline uint32_t load_le32(const uint8_t *p) {
  return uint32_t(p[3]) << 24 | uint32_t(p[2]) << 16 | uint32_t(p[1]) << 8 | p[0];
}
inline void store_be16(uint8_t *p, uint16_t v) { p[0] = uint8_t(v >> 8); p[1] = uint8_t(v); }
inline void store_be32(uint8_t *p, uint32_t v) {
  p[0] = uint8_t(v >> 24); p[1] = uint8_t(v >> 16); p[2] = uint8_t(v >> 8); p[3] = uint8_t(v);
}
inline void store_le32(uint8_t *p, uint32_t v) {
  p[0] = uint8_t(v); p[1] = uint8_t(v >> 8); p[2] = uint8_t(v >> 16); p[3] = uint8_t(v >> 24);
}

// "ab cd 00 80 ..." for logs and error messages (at most `max` bytes shown).
std::string hex_dump(ByteView bytes, size_t max = 32);

}  // namespace ipcam
