// The configuration block and the command map's small payloads: bytes built
// by hand from docs/protocol.md, so that a codec bug cannot hide on both
// sides of a round trip.
#include "hand_bytes.h"
#include "ipcam/camera-settings.h"
#include "ipcam/error.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>

using namespace ipcam;
using ipcam::test::B;

namespace {

void put_le32(Bytes &b, uint32_t v) {
  for (int i = 0; i < 4; i++) b.push_back(uint8_t(v >> (8 * i)));
}

// The published ACT76 capture (protocol.md): the whole message, header
// `ab cd 00 70 00 00 a0 35`, twenty fields, "v1.0 rc5" NUL-padded.
Bytes act76_message() {
  Bytes m = B({0xab, 0xcd, 0x00, 0x70, 0x00, 0x00, 0xa0, 0x35});
  for (int f : {1, 0, 0, 1, 1, 4, 0, 0, 0, 3, 0, 0, 0, 1, 1, 0, 0, 8, 0, 0}) put_le32(m, uint32_t(f));
  const char fw[] = "v1.0 rc5";
  m.insert(m.end(), fw, fw + 8);
  m.resize(8 + 112, 0);
  return m;
}

}  // namespace

TEST(ConfigBlock, Act76CaptureDecodesByName) {
  Bytes m = act76_message();
  auto r = parse_control(m);
  ASSERT_EQ(r.status, ControlParseStatus::kOk);
  ASSERT_EQ(r.type, msg::kConfiguration);
  ErrorGuard err;
  auto block = parse_config_block(r.payload, err.out());
  ASSERT_TRUE(block) << err.message();
  EXPECT_EQ(block->layout, ConfigBlock::Layout::kFull);
  EXPECT_EQ(block->firmware, "v1.0 rc5");
  // protocol.md: "quality 1, loop 0, time-lapse 0, slow 1, sound 1, photo 4,
  // self-timer 0, auto 0, motion 0, exposure 3, white balance 0, rotation 0,
  // flicker 0, LED on 1, screen sleep 1, recording 0, slow 0, language 8,
  // watermark 0, dev_type 0".
  const std::vector<std::pair<std::string, int32_t>> expected = {
      {"video-quality", 1}, {"loop-length", 0}, {"time-lapse", 0},    {"slow-motion-size", 1},
      {"record-sound", 1},  {"photo-quality", 4}, {"self-timer", 0},  {"auto-photo", 0},
      {"motion-photo", 0},  {"exposure", 3},    {"white-balance", 0}, {"rotation", 0},
      {"flicker", 0},       {"led", 1},         {"screen-sleep", 1},  {"recording", 0},
      {"slow-motion-recording", 0}, {"language", 8}, {"watermark", 0}, {"model", 0}};
  EXPECT_EQ(setting_values(*block), expected);
  EXPECT_EQ(setting_value(*block, "exposure"), 3);
  EXPECT_EQ(setting_value(*block, "language"), 8);
  EXPECT_EQ(setting_value(*block, "mirror"), std::nullopt);  // write-only
  EXPECT_EQ(setting_value(*block, "field-0"), std::nullopt);
  EXPECT_EQ(setting_value(*block, "no-such"), std::nullopt);
  // The firmware API reads the same block.
  auto fw = parse_firmware(r.payload, nullptr);
  ASSERT_TRUE(fw);
  EXPECT_EQ(*fw, "v1.0 rc5");
  // And the emulator's encoder gives back the capture's bytes.
  EXPECT_EQ(encode_control(msg::kConfiguration, encode_config_block(*block)), m);
}

TEST(ConfigBlock, ShortLayoutIsNumberedNeverNamed) {
  Bytes p;
  for (int i = 0; i < 16; i++) put_le32(p, uint32_t(100 + i));
  const char fw[] = "DC v2";
  p.insert(p.end(), fw, fw + 5);
  p.resize(96, 0);
  ErrorGuard err;
  auto block = parse_config_block(p, err.out());
  ASSERT_TRUE(block) << err.message();
  EXPECT_EQ(block->layout, ConfigBlock::Layout::kShort);
  EXPECT_EQ(block->firmware, "DC v2");
  auto values = setting_values(*block);
  ASSERT_EQ(values.size(), 16u);
  for (int i = 0; i < 16; i++) {
    EXPECT_EQ(values[size_t(i)].first, "field-" + std::to_string(i));
    EXPECT_EQ(values[size_t(i)].second, 100 + i);
  }
  EXPECT_EQ(setting_value(*block, "field-15"), 115);
  EXPECT_EQ(setting_value(*block, "field-16"), std::nullopt);
  EXPECT_EQ(setting_value(*block, "field-01"), std::nullopt);
  EXPECT_EQ(setting_value(*block, "video-quality"), std::nullopt);
  EXPECT_EQ(setting_value(*block, "model"), std::nullopt);
  EXPECT_EQ(index_label(*block, "recording", 1), std::nullopt);
  EXPECT_EQ(parse_firmware(p, nullptr), std::optional<std::string>("DC v2"));
  EXPECT_EQ(encode_config_block(*block), p);
}

TEST(ConfigBlock, OtherLengthsAreAParseErrorNamingTheLength) {
  for (size_t n : {0u, 4u, 80u, 95u, 97u, 111u, 113u, 128u}) {
    ErrorGuard err;
    EXPECT_FALSE(parse_config_block(Bytes(n, 1), err.out())) << n;
    ASSERT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_PARSE)) << n;
    EXPECT_NE(err.message().find(std::to_string(n) + " bytes"), std::string::npos) << err.message();
  }
}

TEST(ConfigBlock, FirmwareEndsAtTheFirstNulAndNeverPastTheBlock) {
  Bytes p(112, 0);
  std::memset(p.data() + 80, 'x', 32);  // no NUL at all in the string field
  auto block = parse_config_block(p, nullptr);
  ASSERT_TRUE(block);
  EXPECT_EQ(block->firmware, std::string(32, 'x'));
  p[85] = 0;
  EXPECT_EQ(parse_config_block(p, nullptr)->firmware, "xxxxx");
}

TEST(ConfigBlock, NegativeFieldsStaySigned) {
  Bytes p(112, 0);
  std::memset(p.data(), 0xff, 4);
  EXPECT_EQ(parse_config_block(p, nullptr)->fields[0], -1);
}

TEST(Settings, TableHasTheDocumentedNamesFieldsAndCommands) {
  struct Row {
    const char *name;
    int field;
    uint32_t command;
    const char *field_name;
  };
  const Row rows[] = {
      {"video-quality", 0, 0xA001, "record_quality"},
      {"loop-length", 1, 0xA003, "record_duration"},
      {"time-lapse", 2, 0xA044, "record_delayp"},
      {"slow-motion-size", 3, 0xA04A, "record_slowp"},
      {"record-sound", 4, 0xA00D, "record_Sound"},
      {"photo-quality", 5, 0xA005, "photo_quality"},
      {"self-timer", 6, 0xA04C, "photo_timetakephotos"},
      {"auto-photo", 7, 0xA04E, "photo_automatictakephotos"},
      {"motion-photo", 8, 0xA058, "photo_motiontakephotos"},
      {"exposure", 9, 0xA009, "exposure"},
      {"white-balance", 10, 0xA007, "white_balance"},
      {"rotation", 11, 0xA056, "image_rotation"},
      {"flicker", 12, 0xA050, "led_freq"},
      {"led", 13, 0xA052, "led_on_off"},
      {"screen-sleep", 14, 0xA021, "screen_sleep"},
      {"recording", 15, 0, "record_switch"},
      {"slow-motion-recording", 16, 0, "slow_record_switch"},
      {"language", 17, 0xA013, "language"},
      {"watermark", 18, 0xA01D, "watermark"},
      {"model", 19, 0, "dev_type"},
      {"boot-record", -1, 0xA00B, nullptr},
      {"mirror", -1, 0xA00F, nullptr},
      {"motion-detect", -1, 0xA01B, nullptr},
      {"bitrate", -1, 0xA042, nullptr},
      {"video-size", -1, 0xA03C, nullptr},
  };
  const auto &table = setting_table();
  ASSERT_EQ(table.size(), std::size(rows));
  for (size_t i = 0; i < table.size(); i++) {
    SCOPED_TRACE(rows[i].name);
    EXPECT_STREQ(table[i].name, rows[i].name);
    EXPECT_EQ(table[i].field, rows[i].field);
    EXPECT_EQ(table[i].set_command, rows[i].command);
    if (rows[i].field_name)
      EXPECT_STREQ(table[i].field_name, rows[i].field_name);
    else
      EXPECT_EQ(table[i].field_name, nullptr);
    EXPECT_NE(table[i].summary, nullptr);
    EXPECT_EQ(find_setting(rows[i].name), &table[i]);
  }
  EXPECT_EQ(find_setting("Exposure"), nullptr);
  EXPECT_EQ(find_setting(""), nullptr);
  EXPECT_EQ(setting_names().substr(0, 29), "video-quality, loop-length, t");
  EXPECT_NE(setting_names().find(", video-size"), std::string::npos);
}

TEST(Settings, OutcomeNames) {
  EXPECT_STREQ(set_outcome_name(SetOutcome::kTaken), "taken");
  EXPECT_STREQ(set_outcome_name(SetOutcome::kRefused), "refused");
  EXPECT_STREQ(set_outcome_name(SetOutcome::kIgnored), "ignored");
  EXPECT_STREQ(set_outcome_name(SetOutcome::kSent), "sent");
}

TEST(Models, UnknownMenusShowNoLabel) {
  const Bytes m = act76_message();
  auto block = parse_config_block(ByteView(m).subspan(8), nullptr);
  ASSERT_TRUE(block);
  // No public source gives a real model's menus: indexes only.
  for (const SettingInfo &s : setting_table()) {
    if (std::string_view(s.name).ends_with("recording")) continue;
    EXPECT_EQ(index_label(*block, s.name, 0), std::nullopt) << s.name;
    EXPECT_TRUE(known_menu(*block, s.name).empty()) << s.name;
  }
  // The recording switches are states on every model (1 = recording).
  EXPECT_EQ(index_label(*block, "recording", 1), std::optional<std::string>("recording"));
  EXPECT_EQ(index_label(*block, "recording", 0), std::optional<std::string>("stopped"));
  EXPECT_EQ(index_label(*block, "recording", 7), std::nullopt);
  auto menu = known_menu(*block, "slow-motion-recording");
  ASSERT_EQ(menu.size(), 2u);
  EXPECT_EQ(menu[1], (std::pair<int32_t, std::string>{1, "recording"}));
}

TEST(Clock, FixedDateEncodesInStructTmOrder) {
  // Tuesday 29 February 2028, 13:45:07: day 60 of the year (0-based 59).
  GTimeZone *utc = g_time_zone_new_utc();
  GDateTime *t = g_date_time_new(utc, 2028, 2, 29, 13, 45, 7);
  CameraClock c = camera_clock(t, false);
  g_date_time_unref(t);
  g_time_zone_unref(utc);
  Bytes expected;
  for (int v : {7, 45, 13, 29, 2, 2028, 2, 59, 0}) put_le32(expected, uint32_t(v));
  EXPECT_EQ(encode_clock(c), expected);
  Bytes m = encode_control(msg::kSetClock, encode_clock(c));
  EXPECT_EQ(Bytes(m.begin(), m.begin() + 8), B({0xab, 0xcd, 0x00, 0x24, 0x00, 0x00, 0xa0, 0x11}));
  auto back = parse_clock(expected, nullptr);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->year, 2028);
  EXPECT_EQ(back->mon, 2);
  EXPECT_EQ(back->wday, 2);
}

TEST(Clock, SundayIsWeekdayZeroAndDstComesFromTheHost) {
  GTimeZone *utc = g_time_zone_new_utc();
  GDateTime *t = g_date_time_new(utc, 2026, 1, 4, 0, 0, 0);  // a Sunday, the 4th day
  CameraClock c = camera_clock(t, true);
  g_date_time_unref(t);
  g_time_zone_unref(utc);
  EXPECT_EQ(c.wday, 0);
  EXPECT_EQ(c.yday, 3);
  EXPECT_EQ(c.mon, 1);
  EXPECT_EQ(c.isdst, 1);
}

TEST(Clock, ParseRefusesShortAndOutOfRange) {
  ErrorGuard err;
  EXPECT_FALSE(parse_clock(Bytes(35, 0), err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_PARSE));
  Bytes p;
  for (int v : {0, 0, 0, 1, 13, 2026, 0, 0, 0}) put_le32(p, uint32_t(v));
  EXPECT_FALSE(parse_clock(p, err.out()));
  EXPECT_NE(err.message().find("month 13"), std::string::npos) << err.message();
}

TEST(Storage, TwoU64LittleEndian) {
  Bytes p = B({0x00, 0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,    // 0x1_0000_1000
               0x00, 0x00, 0x00, 0x80, 0x07, 0x00, 0x00, 0x00});  // 0x7_8000_0000
  auto s = parse_storage(p, nullptr);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->remaining, 0x100001000ull);
  EXPECT_EQ(s->total, 0x780000000ull);
  EXPECT_EQ(encode_storage(*s), p);
  ErrorGuard err;
  EXPECT_FALSE(parse_storage(Bytes(15, 0), err.out()));
  EXPECT_NE(err.message().find("15 bytes"), std::string::npos);
}

TEST(PathField, Up255BytesFitsAnd256IsRefused) {
  std::string path = "/mnt/DCIM/" + std::string(245, 'a');
  ASSERT_EQ(path.size(), 255u);
  auto ok = encode_path_field(path, nullptr);
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->size(), 256u);
  EXPECT_EQ(std::memcmp(ok->data(), path.data(), 255), 0);
  EXPECT_EQ(ok->back(), 0);
  EXPECT_EQ(parse_path_field(*ok), path);
  ErrorGuard err;
  EXPECT_FALSE(encode_path_field(path + "b", err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT));
  EXPECT_NE(err.message().find("256 bytes"), std::string::npos) << err.message();
  EXPECT_FALSE(encode_path_field("", err.out()));
  EXPECT_FALSE(encode_path_field(std::string("/a\0b", 4), err.out()));
}

TEST(PathField, DeleteRequestBytes) {
  auto p = encode_path_field("/DCIM/A.MP4", nullptr);
  ASSERT_TRUE(p);
  Bytes m = encode_control(msg::kDeleteFile, *p);
  Bytes expected = B({0xab, 0xcd, 0x01, 0x00, 0x00, 0x00, 0xa0, 0x2c});
  const char name[] = "/DCIM/A.MP4";
  expected.insert(expected.end(), name, name + 11);
  expected.resize(8 + 256, 0);
  EXPECT_EQ(m, expected);
  // A field with no NUL is read up to its 256 bytes, never past.
  Bytes full(300, 'z');
  EXPECT_EQ(parse_path_field(full), std::string(256, 'z'));
}

TEST(WifiPassword, LayoutIsThreeChar64) {
  auto p = encode_wifi_password("ACT76-1234", "12345678", "a-new-secret-word", nullptr);
  ASSERT_TRUE(p);
  Bytes expected(192, 0);
  std::memcpy(expected.data(), "ACT76-1234", 10);
  std::memcpy(expected.data() + 64, "12345678", 8);
  std::memcpy(expected.data() + 128, "a-new-secret-word", 17);
  EXPECT_EQ(*p, expected);
  Bytes m = encode_control(msg::kWifiPassword, *p);
  EXPECT_EQ(Bytes(m.begin(), m.begin() + 8), B({0xab, 0xcd, 0x00, 0xc0, 0x00, 0x00, 0xa0, 0x31}));
}

TEST(WifiPassword, LimitsAndTheErrorNeverHoldsAPassword) {
  const std::string ssid32(32, 's'), pw8 = "Secret#1", pw63(63, 'Q');
  EXPECT_TRUE(encode_wifi_password(ssid32, pw8, pw63, nullptr));
  EXPECT_TRUE(encode_wifi_password("x", pw63, pw8, nullptr));
  struct Bad {
    std::string ssid, old_pw, new_pw;
  };
  const Bad bad[] = {
      {ssid32 + "s", pw8, pw8},            {"", pw8, pw8},
      {"cam", "Short#7", pw8},             {"cam", pw8, "Short#7"},
      {"cam", pw63 + "Q", pw8},            {"cam", pw8, pw63 + "Q"},
      {"cam", std::string("Nul\0Byte1", 9), pw8},
  };
  for (const Bad &b : bad) {
    ErrorGuard err;
    EXPECT_FALSE(encode_wifi_password(b.ssid, b.old_pw, b.new_pw, err.out())) << b.ssid.size();
    ASSERT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT));
    for (const std::string &pw : {b.old_pw, b.new_pw}) {
      EXPECT_EQ(err.message().find(pw.c_str()), std::string::npos) << err.message();
      EXPECT_EQ(err.message().find(std::to_string(pw.size()) + " bytes"), std::string::npos) << err.message();
    }
  }
}

TEST(IndexAndResult, S32LittleEndian) {
  EXPECT_EQ(encode_index(2), B({0x02, 0x00, 0x00, 0x00}));
  EXPECT_EQ(encode_index(-1), B({0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(encode_control(0xA009, encode_index(3)),
            B({0xab, 0xcd, 0x00, 0x04, 0x00, 0x00, 0xa0, 0x09, 0x03, 0x00, 0x00, 0x00}));
  EXPECT_EQ(parse_result(B({0x00, 0x00, 0x00, 0x00}), nullptr), 0);
  EXPECT_EQ(parse_result(B({0xfe, 0xff, 0xff, 0xff, 0x09}), nullptr), -2);
  ErrorGuard err;
  EXPECT_FALSE(parse_result(B({0x01, 0x00}), err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_PARSE));
  EXPECT_NE(err.message().find("2 bytes"), std::string::npos);
  EXPECT_EQ(msg::reply_of(0xA001), 0xA002u);
  EXPECT_EQ(msg::reply_of(msg::kCardCapacity), 0xA02Bu);
}

TEST(Events, EveryEventByType) {
  const std::map<uint32_t, std::string> names = {{0xA05A, "card-inserted"},
                                                 {0xA05B, "card-removed"},
                                                 {0xA061, "card-full"},
                                                 {0xA060, "motion-photo"}};
  for (const auto &[type, name] : names) {
    auto e = camera_event(type, {});
    ASSERT_TRUE(e) << name;
    EXPECT_EQ(camera_event_name(e->kind), name);
    EXPECT_TRUE(e->file.empty());
  }
  auto sos = camera_event(0xA040, *encode_path_field("/mnt/EMR/SOS_0001.MP4", nullptr));
  ASSERT_TRUE(sos);
  EXPECT_STREQ(camera_event_name(sos->kind), "emergency-file");
  EXPECT_EQ(sos->file, "/mnt/EMR/SOS_0001.MP4");
  EXPECT_FALSE(camera_event(0xA035, {}));
  EXPECT_FALSE(camera_event(msg::kAliveRequest, {}));
  EXPECT_FALSE(camera_event(0xA041, {}));
}
