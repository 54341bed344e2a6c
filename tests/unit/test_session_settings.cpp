// The phone app's requests against a hand-built camera (hand::Peer): every
// request's bytes as the camera reads them, built here by hand from
// docs/protocol.md; what the session makes of the replies (taken, refused,
// ignored, sent; the camera's number); busy at login; events; stop preview
// on close; the Wi-Fi requests that end the session on purpose.
#include "session_fixture.h"

#include "hand_bytes.h"
#include "ipcam/camera-settings.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace ipcam;
using namespace ipcam::test;

namespace {

Bytes le32(int32_t v) { return B({v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff}); }

// The ACT76 block with one field changed.
Bytes block_with(size_t field, int32_t value) {
  Bytes m = hand::act76_firmware_info_message();
  Bytes p(m.begin() + 8, m.end());
  Bytes v = le32(value);
  std::copy(v.begin(), v.end(), p.begin() + ptrdiff_t(4 * field));
  return p;
}

// Reads one request and checks its bytes, header included.
void expect_request(Peer &p, const Bytes &expected) {
  uint32_t t = 0;
  Bytes payload;
  ASSERT_TRUE(p.recv(t, payload));
  EXPECT_EQ(p.last_raw(), expected) << "type 0x" << std::hex << t;
}

class SettingsSession : public ::testing::Test {
 protected:
  Peer peer;
  SessionConfig c = ConfigFor(peer);
  ErrorGuard err;
};

}  // namespace

TEST_F(SettingsSession, ConfigurationRequestAndBlock) {
  ServeLoggedIn(peer, [](Peer &p) {
    expect_request(p, B({0xab, 0xcd, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x34}));
    p.send(hand::act76_firmware_info_message());
  });
  ControlSession s(c);
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  auto block = s.configuration(err.out());
  ASSERT_TRUE(block) << err.message();
  EXPECT_EQ(block->firmware, "v1.0 rc5");
  EXPECT_EQ(setting_value(*block, "exposure"), 3);
  EXPECT_EQ(setting_value(*block, "language"), 8);
}

TEST_F(SettingsSession, ABlockOfAnotherLengthIsAParseError) {
  ServeLoggedIn(peer, [](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0xA034u);
    p.send(control(0xA035, Bytes(100, 0)));
  });
  ControlSession s(c);
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  EXPECT_FALSE(s.configuration(err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_PARSE)) << err.message();
  EXPECT_NE(err.message().find("100 bytes"), std::string::npos) << err.message();
}

TEST_F(SettingsSession, SetIndexSendsTheIndexAndReturnsTheResult) {
  ServeLoggedIn(peer, [](Peer &p) {
    expect_request(p, B({0xab, 0xcd, 0x00, 0x04, 0x00, 0x00, 0xa0, 0x42, 0x05, 0x00, 0x00, 0x00}));
    p.send(control(0xA043, le32(-3)));
  });
  ControlSession s(c);
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  auto result = s.set_index(0xA042, 5, err.out());
  ASSERT_TRUE(result) << err.message();
  EXPECT_EQ(*result, -3);
}

TEST_F(SettingsSession, SetSettingTakenRefusedIgnoredSent) {
  ServeLoggedIn(peer, [](Peer &p) {
    // exposure=2: result 0, block reads 2 → taken.
    expect_request(p, B({0xab, 0xcd, 0x00, 0x04, 0x00, 0x00, 0xa0, 0x09, 0x02, 0x00, 0x00, 0x00}));
    p.send(control(0xA00A, le32(0)));
    expect_request(p, B({0xab, 0xcd, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x34}));
    p.send(control(0xA035, block_with(9, 2)));
    // led=7: result 4 → refused, the camera's number kept.
    expect_request(p, B({0xab, 0xcd, 0x00, 0x04, 0x00, 0x00, 0xa0, 0x52, 0x07, 0x00, 0x00, 0x00}));
    p.send(control(0xA053, le32(4)));
    EXPECT_EQ(p.recv_type(), 0xA034u);
    p.send(control(0xA035, block_with(13, 1)));
    // language=9: result 0, block still 8 → ignored.
    expect_request(p, B({0xab, 0xcd, 0x00, 0x04, 0x00, 0x00, 0xa0, 0x13, 0x09, 0x00, 0x00, 0x00}));
    p.send(control(0xA014, le32(0)));
    EXPECT_EQ(p.recv_type(), 0xA034u);
    p.send(hand::act76_firmware_info_message());
    // mirror=1 (write-only): no block read.
    expect_request(p, B({0xab, 0xcd, 0x00, 0x04, 0x00, 0x00, 0xa0, 0x0f, 0x01, 0x00, 0x00, 0x00}));
    p.send(control(0xA010, le32(0)));
    // Then the next request, with nothing in between.
    EXPECT_EQ(p.recv_type(), 0xA038u);
    p.send(control(0xA039));
  });
  ControlSession s(c);
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();

  auto taken = s.set_setting("exposure", 2, err.out());
  ASSERT_TRUE(taken) << err.message();
  EXPECT_EQ(taken->outcome, SetOutcome::kTaken);
  EXPECT_EQ(taken->name, "exposure");
  EXPECT_EQ(taken->read_back, 2);

  auto refused = s.set_setting("led", 7, err.out());
  ASSERT_TRUE(refused) << err.message();
  EXPECT_EQ(refused->outcome, SetOutcome::kRefused);
  EXPECT_EQ(refused->camera_result, 4);
  EXPECT_EQ(refused->read_back, 1);

  auto ignored = s.set_setting("language", 9, err.out());
  ASSERT_TRUE(ignored) << err.message();
  EXPECT_EQ(ignored->outcome, SetOutcome::kIgnored);
  EXPECT_EQ(ignored->camera_result, 0);
  EXPECT_EQ(ignored->read_back, 8);

  auto sent = s.set_setting("mirror", 1, err.out());
  ASSERT_TRUE(sent) << err.message();
  EXPECT_EQ(sent->outcome, SetOutcome::kSent);
  EXPECT_EQ(sent->read_back, std::nullopt);
  EXPECT_TRUE(s.take_still(err.out())) << err.message();
}

TEST_F(SettingsSession, UnknownAndReadOnlyNamesSendNothing) {
  ServeLoggedIn(peer, [](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0xA038u);  // the first thing the camera reads
    p.send(control(0xA039));
  });
  ControlSession s(c);
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  EXPECT_FALSE(s.set_setting("brightness", 1, err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT)) << err.message();
  EXPECT_NE(err.message().find("video-quality"), std::string::npos) << err.message();
  EXPECT_FALSE(s.set_setting("recording", 1, err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT)) << err.message();
  EXPECT_NE(err.message().find("read-only"), std::string::npos) << err.message();
  EXPECT_FALSE(s.delete_file("/" + std::string(255, 'x'), err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT)) << err.message();
  EXPECT_TRUE(s.take_still(err.out())) << err.message();
}

TEST_F(SettingsSession, ClockCardAndResetBytes) {
  ServeLoggedIn(peer, [](Peer &p) {
    Bytes clock = B({0xab, 0xcd, 0x00, 0x24, 0x00, 0x00, 0xa0, 0x11});
    for (int v : {7, 45, 13, 29, 2, 2028, 2, 59, 1}) {
      Bytes f = le32(v);
      clock.insert(clock.end(), f.begin(), f.end());
    }
    expect_request(p, clock);
    p.send(control(0xA012, le32(0)));
    expect_request(p, B({0xab, 0xcd, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x2a}));
    p.send(control(0xA02B, B({0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,     // 1 MiB remaining
                              0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00})));  // 32 GiB total
    Bytes del = B({0xab, 0xcd, 0x01, 0x00, 0x00, 0x00, 0xa0, 0x2c});
    const char path[] = "/mnt/DCIM/100MEDIA/A0001.MP4";
    del.insert(del.end(), path, path + sizeof path - 1);
    del.resize(8 + 256, 0);
    expect_request(p, del);
    p.send(control(0xA02D, le32(0)));
    expect_request(p, B({0xab, 0xcd, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x1f}));
    p.send(control(0xA020, le32(0)));
    expect_request(p, B({0xab, 0xcd, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x54}));
    p.send(control(0xA055, le32(0)));
  });
  ControlSession s(c);
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  CameraClock clock{7, 45, 13, 29, 2, 2028, 2, 59, 1};
  EXPECT_TRUE(s.set_clock(clock, err.out())) << err.message();
  auto card = s.storage(err.out());
  ASSERT_TRUE(card) << err.message();
  EXPECT_EQ(card->remaining, 1u << 20);
  EXPECT_EQ(card->total, 32ull << 30);
  EXPECT_TRUE(s.delete_file("/mnt/DCIM/100MEDIA/A0001.MP4", err.out())) << err.message();
  EXPECT_TRUE(s.format_storage(err.out())) << err.message();
  EXPECT_TRUE(s.factory_reset(err.out())) << err.message();
}

TEST_F(SettingsSession, ANonZeroResultIsRefusedWithTheCamerasNumber) {
  ServeLoggedIn(peer, [](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0xA02Cu);
    p.send(control(0xA02D, le32(-17)));
    EXPECT_EQ(p.recv_type(), 0xA01Fu);
    p.send(control(0xA020, B({0x01})));  // too short for a result
  });
  ControlSession s(c);
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  EXPECT_FALSE(s.delete_file("/DCIM/B.JPG", err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_REFUSED)) << err.message();
  EXPECT_NE(err.message().find("-17"), std::string::npos) << err.message();
  EXPECT_NE(err.message().find("/DCIM/B.JPG"), std::string::npos) << err.message();
  EXPECT_FALSE(s.format_storage(err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_PARSE)) << err.message();
}

TEST_F(SettingsSession, BusyAtLoginFailsAtOnceNotAtTheTimeout) {
  Flag client_gone;
  peer.run([&](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0x0110u);
    p.send(control(0x1234));
    // A real camera keeps the connection open: only the reply says busy.
    p.wait_eof();
    client_gone.set();
  });
  // The timeout is far longer than the test: a pass means the reply, not
  // the timeout, ended the login.
  c.reply_timeout_ms = 30000;
  c.connect_timeout_ms = 30000;
  ControlSession s(c);
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_BUSY)) << err.message();
  EXPECT_NE(err.message().find(Endpoint(peer)), std::string::npos) << err.message();
  EXPECT_NE(err.message().find("already has a client"), std::string::npos) << err.message();
  EXPECT_FALSE(s.connected());
  EXPECT_TRUE(client_gone.wait());
}

TEST_F(SettingsSession, EventsReachTheEventAndMessageHandlers) {
  Flag go;
  ServeLoggedIn(peer, [&](Peer &p) {
    ASSERT_TRUE(go.wait());
    Bytes sos(256, 0);
    const char path[] = "/mnt/EMR/SOS_0001.MP4";
    std::memcpy(sos.data(), path, sizeof path - 1);
    p.send(Concat({control(0xA05B), control(0xA05A), control(0xA061), control(0xA040, sos), control(0xA060)}));
  });
  ControlSession s(c);
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::string> events, messages;
  s.set_event_handler([&](const CameraEvent &e) {
    std::lock_guard<std::mutex> l(m);
    events.push_back(std::string(camera_event_name(e.kind)) + (e.file.empty() ? "" : " " + e.file));
    cv.notify_all();
  });
  s.set_message_handler([&](const RawReply &r) {
    std::lock_guard<std::mutex> l(m);
    messages.push_back(std::to_string(r.type));
    cv.notify_all();
  });
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  go.set();
  std::unique_lock<std::mutex> l(m);
  ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(10), [&] { return events.size() == 5 && messages.size() == 5; }));
  EXPECT_EQ(events, (std::vector<std::string>{"card-removed", "card-inserted", "card-full",
                                              "emergency-file /mnt/EMR/SOS_0001.MP4", "motion-photo"}));
  EXPECT_EQ(messages, (std::vector<std::string>{"41051", "41050", "41057", "41024", "41056"}));
}

TEST_F(SettingsSession, AnEventReachesItsHandlerWhileRawCollectsEverything) {
  ServeLoggedIn(peer, [](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0x7001u);
    p.send(control(0xA05B));
  });
  ControlSession s(c);
  std::atomic<int> removed{0};
  s.set_event_handler([&](const CameraEvent &e) {
    if (e.kind == CameraEventKind::kCardRemoved) removed++;
  });
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  // raw() collects for its whole window; the camera answers at once.
  auto replies = s.raw(0x7001, {}, 1500, err.out());
  ASSERT_TRUE(replies) << err.message();
  ASSERT_EQ(replies->size(), 1u);
  EXPECT_EQ((*replies)[0].type, 0xA05Bu);
  EXPECT_EQ(removed.load(), 1);
}

TEST_F(SettingsSession, StopPreviewIsSentOnCloseAfterAStart) {
  ServeLoggedIn(peer, [&](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0x01FFu);
    expect_request(p, B({0xab, 0xcd, 0x00, 0x08, 0x00, 0x00, 0x02, 0xff, 0, 0, 0, 0, 0, 0, 0, 0}));
  });
  ControlSession s(c);
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  ASSERT_TRUE(s.start_preview(err.out())) << err.message();
  s.close();
  peer.join();
}

TEST_F(SettingsSession, StopPreviewOnlyWhenThisSessionStartedItAndAsked) {
  std::vector<uint32_t> seen;
  auto record = [&](Peer &p) {
    p.login();
    uint32_t t = 0;
    Bytes payload;
    while (p.recv(t, payload)) seen.push_back(t);
  };
  peer.run(record);
  {
    ControlSession s(c);  // never started the preview
    ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
    s.close();
  }
  peer.join();
  EXPECT_TRUE(seen.empty());
  peer.run(record);
  c.stop_preview_on_close = false;
  {
    ControlSession s(c);
    ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
    ASSERT_TRUE(s.start_preview(err.out())) << err.message();
  }  // the destructor closes
  peer.join();
  EXPECT_EQ(seen, std::vector<uint32_t>{0x01FF});
}

TEST_F(SettingsSession, ExplicitStopPreviewBytes) {
  ServeLoggedIn(peer, [](Peer &p) {
    expect_request(p, B({0xab, 0xcd, 0x00, 0x08, 0x00, 0x00, 0x02, 0xff, 0, 0, 0, 0, 0, 0, 0, 0}));
  });
  ControlSession s(c);
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  EXPECT_TRUE(s.stop_preview(err.out())) << err.message();
}

TEST_F(SettingsSession, WifiPasswordEndsTheSessionWithoutALoss) {
  peer.run([](Peer &p) {
    ASSERT_TRUE(p.login());
    Bytes expected = B({0xab, 0xcd, 0x00, 0xc0, 0x00, 0x00, 0xa0, 0x31});
    Bytes fields(192, 0);
    std::memcpy(fields.data(), "ACT76-0042", 10);
    std::memcpy(fields.data() + 64, "12345678", 8);
    std::memcpy(fields.data() + 128, "wildlife-rig-2", 14);
    expect_request(p, Concat({expected, fields}));
    p.close();  // the access point restarts
  });
  ControlSession s(c);
  std::atomic<bool> lost{false};
  s.set_lost_handler([&](const GError *) { lost = true; });
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  EXPECT_TRUE(s.set_wifi_password("ACT76-0042", "12345678", "wildlife-rig-2", err.out())) << err.message();
  EXPECT_FALSE(s.connected());
  peer.join();
  EXPECT_FALSE(lost);
  EXPECT_FALSE(s.take_still(err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
}

TEST_F(SettingsSession, WifiPasswordOutOfLimitsSendsNothingAndKeepsTheSession) {
  ServeLoggedIn(peer, [](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0xA038u);
    p.send(control(0xA039));
  });
  ControlSession s(c);
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  EXPECT_FALSE(s.set_wifi_password("cam", "12345678", "short7!", err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT)) << err.message();
  EXPECT_EQ(err.message().find("short7!"), std::string::npos) << err.message();
  EXPECT_EQ(err.message().find("12345678"), std::string::npos) << err.message();
  EXPECT_TRUE(s.connected());
  EXPECT_TRUE(s.take_still(err.out())) << err.message();
}

TEST_F(SettingsSession, WifiOffEndsTheSessionEvenIfTheCameraStaysSilent) {
  peer.run([](Peer &p) {
    ASSERT_TRUE(p.login());
    expect_request(p, B({0xab, 0xcd, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x30}));
    p.wait_eof();  // never hangs up itself: the client closes
  });
  ControlSession s(c);
  std::atomic<bool> lost{false};
  s.set_lost_handler([&](const GError *) { lost = true; });
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  EXPECT_TRUE(s.wifi_off(err.out())) << err.message();
  EXPECT_FALSE(s.connected());
  peer.join();
  EXPECT_FALSE(lost);
}

TEST(SettingsNoSession, EveryRequestNeedsASession) {
  ControlSession s(SessionConfig{});
  ErrorGuard err;
  EXPECT_FALSE(s.configuration(err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
  EXPECT_FALSE(s.set_setting("exposure", 1, err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
  EXPECT_FALSE(s.storage(err.out()));
  EXPECT_FALSE(s.stop_preview(err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
  EXPECT_FALSE(s.wifi_off(err.out()));
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
}
