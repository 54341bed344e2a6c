// Wire codec: bytes as protocol.md gives them, and every edge case.
#include "hand_bytes.h"
#include "ipcam/error.h"
#include "ipcam/wire.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace ipcam;
using ipcam::test::B;

TEST(Control, TakePictureMatchesCapture) {
  EXPECT_EQ(encode_control(msg::kTakeStill), B({0xAB, 0xCD, 0x00, 0x00, 0x00, 0x00, 0xA0, 0x38}));
}

TEST(Control, LoginHeaderMatchesCapture) {
  // "ab cd 00 80 00 00 01 10": the length is big-endian.
  const auto payload = encode_login("admin", "12345", nullptr);
  ASSERT_TRUE(payload);
  Bytes m = encode_control(msg::kLogin, *payload);
  ASSERT_EQ(m.size(), 8u + 128u);
  EXPECT_EQ(Bytes(m.begin(), m.begin() + 8), B({0xAB, 0xCD, 0x00, 0x80, 0x00, 0x00, 0x01, 0x10}));
  EXPECT_EQ(std::memcmp(m.data() + 8, "admin\0\0", 7), 0);
  EXPECT_EQ(std::memcmp(m.data() + 8 + 64, "12345\0", 6), 0);
  EXPECT_EQ(m[8 + 63], 0);
  EXPECT_EQ(m.back(), 0);
}

TEST(Control, ParseNeedsWholeMessage) {
  Bytes m = encode_control(msg::kFirmwareInfo, encode_firmware("v1.0 rc5"));
  for (size_t n = 2; n < m.size(); n++) {
    auto r = parse_control(ByteView(m.data(), n));
    EXPECT_EQ(r.status, ControlParseStatus::kNeedMore) << n;
  }
  auto r = parse_control(m);
  ASSERT_EQ(r.status, ControlParseStatus::kOk);
  EXPECT_EQ(r.type, msg::kFirmwareInfo);
  EXPECT_EQ(r.consumed, m.size());
  EXPECT_EQ(r.payload.size(), kFirmwareInfoSize);
}

TEST(Control, ParsesSeveralMessagesFromOneRead) {
  Bytes stream = encode_control(msg::kAliveRequest);
  encode_control(msg::kLoginAccepted, Bytes(128, 0), stream);
  auto r1 = parse_control(stream);
  ASSERT_EQ(r1.status, ControlParseStatus::kOk);
  EXPECT_EQ(r1.type, msg::kAliveRequest);
  EXPECT_TRUE(r1.payload.empty());
  auto r2 = parse_control(ByteView(stream).subspan(r1.consumed));
  ASSERT_EQ(r2.status, ControlParseStatus::kOk);
  EXPECT_EQ(r2.type, msg::kLoginAccepted);
  EXPECT_EQ(r2.payload.size(), 128u);
}

TEST(Control, BadMagicIsSeenFromTheFirstByte) {
  EXPECT_EQ(parse_control(B({'H'})).status, ControlParseStatus::kBadMagic);
  EXPECT_EQ(parse_control(B({0xAB, 0x00})).status, ControlParseStatus::kBadMagic);
  EXPECT_EQ(parse_control(B({0xAB})).status, ControlParseStatus::kNeedMore);
  EXPECT_EQ(parse_control(Bytes{}).status, ControlParseStatus::kNeedMore);
}

TEST(Control, TypeIsBigEndian32) {
  Bytes m = B({0xAB, 0xCD, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78, 0x99});
  auto r = parse_control(m);
  ASSERT_EQ(r.status, ControlParseStatus::kOk);
  EXPECT_EQ(r.type, 0x12345678u);
  EXPECT_EQ(r.payload[0], 0x99);
}

TEST(Control, OversizePayloadRefused) {
  Bytes big(0x10000, 0), out;
  EXPECT_FALSE(encode_control(1, big, out));
  EXPECT_TRUE(out.empty());
}

TEST(Login, TooLongIsAnErrorNotTruncation) {
  ErrorGuard e;
  EXPECT_FALSE(encode_login(std::string(64, 'u'), "x", e.out()));
  ASSERT_NE(e.get(), nullptr);
  EXPECT_TRUE(g_error_matches(e.get(), IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT));
  EXPECT_NE(std::string(e.get()->message).find("user name"), std::string::npos);
  EXPECT_FALSE(encode_login("admin", std::string(64, 'p'), e.out()));
  EXPECT_NE(std::string(e.get()->message).find("password"), std::string::npos);
  // The message never contains the password itself.
  EXPECT_EQ(std::string(e.get()->message).find("pppp"), std::string::npos);
  const auto out = encode_login(std::string(63, 'u'), std::string(63, 'p'), e.out());
  ASSERT_TRUE(out);
  EXPECT_EQ(out->size(), 128u);
}

TEST(Login, ParseHonoursLongerPayloadAndRejectsShort) {
  Bytes p = encode_login("admin", "secret", nullptr).value();
  p.push_back(0);  // one app sends 129 bytes
  auto c = parse_login(p, nullptr);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "admin");
  EXPECT_EQ(c->password, "secret");
  ErrorGuard e;
  EXPECT_FALSE(parse_login(ByteView(p.data(), 100), e.out()));
  EXPECT_TRUE(g_error_matches(e.get(), IPCAM_ERROR, IPCAM_ERROR_PARSE));
}

TEST(Requests, PayloadsFromCaptures) {
  EXPECT_EQ(file_list_request_payload(), B({1, 0, 0, 0}));
  EXPECT_EQ(recording_payload(true), B({1, 0, 0, 0}));
  EXPECT_EQ(recording_payload(false), B({0, 0, 0, 0}));
}

TEST(Datagram, RoundTripAndLayout) {
  uint8_t buf[64];
  Bytes payload = B({0, 0, 0, 1, 0x67});
  size_t n = encode_datagram(0xFFFF, datagram::kData, payload, buf, sizeof buf);
  ASSERT_EQ(n, 13u);
  EXPECT_EQ(Bytes(buf, buf + 8), B({0xBC, 0xDE, 0x00, 0x05, 0xFF, 0xFF, 0x00, 0x01}));
  PreviewDatagram d;
  ASSERT_EQ(parse_datagram(ByteView(buf, n), d), DatagramStatus::kOk);
  EXPECT_EQ(d.seq, 0xFFFF);
  EXPECT_EQ(d.type, datagram::kData);
  EXPECT_EQ(Bytes(d.payload.begin(), d.payload.end()), payload);
}

TEST(Datagram, EdgeCases) {
  PreviewDatagram d;
  EXPECT_EQ(parse_datagram(B({0xBC, 0xDE, 0, 0, 0, 1, 0}), d), DatagramStatus::kTooShort);
  EXPECT_EQ(parse_datagram(B({0xBC, 0xDF, 0, 0, 0, 1, 0, 1}), d), DatagramStatus::kBadMagic);
  EXPECT_EQ(parse_datagram(B({0xBC, 0xDE, 0, 3, 0, 1, 0, 1, 0xAA, 0xBB}), d),
            DatagramStatus::kLengthPastEnd);
  // Trailing bytes past the length are ignored.
  Bytes trailing = B({0xBC, 0xDE, 0, 1, 0, 7, 0, 1, 0xAA, 0xBB});
  ASSERT_EQ(parse_datagram(trailing, d), DatagramStatus::kOk);
  EXPECT_EQ(d.payload.size(), 1u);
  EXPECT_EQ(d.seq, 7);
  // Zero-length data is well-formed.
  EXPECT_EQ(parse_datagram(B({0xBC, 0xDE, 0, 0, 0, 1, 0, 1}), d), DatagramStatus::kOk);
  // A time datagram must carry the 16 bytes that hold the clock.
  EXPECT_EQ(parse_datagram(B({0xBC, 0xDE, 0, 2, 0, 1, 0, 2, 0, 0}), d), DatagramStatus::kBadTime);
}

TEST(Datagram, TimeIsLittleEndianAtBytes12To15) {
  uint8_t payload[kTimePayloadSize];
  encode_time_payload(0x01020304, payload);
  EXPECT_EQ(payload[12], 0x04);
  EXPECT_EQ(payload[15], 0x01);
  EXPECT_EQ(time_datagram_ms(ByteView(payload, sizeof payload)), 0x01020304u);
  uint8_t buf[32];
  size_t n = encode_datagram(3, datagram::kTime, ByteView(payload, sizeof payload), buf, sizeof buf);
  EXPECT_EQ(n, 24u);  // "type 2 datagrams are 24 bytes"
}

TEST(Datagram, EncodeRefusesSmallBuffer) {
  uint8_t buf[10];
  Bytes payload(3, 0);
  EXPECT_EQ(encode_datagram(0, 1, payload, buf, sizeof buf), 0u);
}

TEST(Hex, Dump) {
  EXPECT_EQ(hex_dump(B({0xAB, 0xCD, 0x01})), "ab cd 01");
  EXPECT_EQ(hex_dump(B({1, 2, 3}), 2), "01 02 ...");
}
