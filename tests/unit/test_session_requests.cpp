// ControlSession's requests against a hand-built camera (hand::Peer): the
// bytes each request sends, checked by hand, and what it makes of the replies
// (firmware, file list in parts, still, recording, preview, raw messages),
// also with no session and from several threads at once.
#include "session_fixture.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace ipcam;
using namespace ipcam::test;

TEST(Session, FirmwareVersion) {
  Peer peer;
  Bytes request_payload = {0xFF};
  ServeLoggedIn(peer, [&](Peer &p) {
    uint32_t t = 0;
    ASSERT_TRUE(p.recv(t, request_payload));
    EXPECT_EQ(t, 0xA034u);
    p.send(control(0xA035, firmware_info("v1.0 rc5")));
  });
  ControlSession s(ConfigFor(peer));
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  std::optional<std::string> v = s.firmware_version(err.out());
  ASSERT_TRUE(v) << err.message();
  EXPECT_EQ(*v, "v1.0 rc5");
  EXPECT_TRUE(request_payload.empty());
}

TEST(Session, FileListInOutOfOrderParts) {
  Peer peer;
  Bytes request;
  ServeLoggedIn(peer, [&](Peer &p) {
    uint32_t t = 0;
    Bytes payload;
    ASSERT_TRUE(p.recv(t, payload));
    request = p.last_raw();
    // "/DCIM/A.MOV:1000;/DCIM/B.JPG:2;" in three parts, sent 2, 0, 1, with
    // an alive request in between.
    p.send(control(0xA026, file_list_part(3, 2, "B.JPG:2;")));
    p.send(control(0x0112));
    p.send(control(0xA026, file_list_part(3, 0, "/DCIM/A.MOV:1")));
    p.send(control(0xA026, file_list_part(3, 1, "000;/DCIM/")));
    EXPECT_EQ(p.recv_type(), 0x0113u);
  });
  ControlSession s(ConfigFor(peer));
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  const auto list = s.file_list(err.out());
  ASSERT_TRUE(list) << err.message();
  const std::vector<FileEntry> &files = *list;
  EXPECT_EQ(request, Bytes({0xAB, 0xCD, 0x00, 0x04, 0x00, 0x00, 0xA0, 0x25, 0x01, 0x00, 0x00, 0x00}));
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "/DCIM/A.MOV");
  EXPECT_EQ(files[0].size, 1000u);
  EXPECT_EQ(files[1].path, "/DCIM/B.JPG");
  EXPECT_EQ(files[1].size, 2u);
}

TEST(Session, FileListMissingPartTimesOutNamingTheCount) {
  Peer peer;
  ServeLoggedIn(peer, [](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0xA025u);
    p.send(control(0xA026, file_list_part(2, 1, "x:1;")));
  });
  SessionConfig c = ConfigFor(peer);
  c.file_list_timeout_ms = 300;
  ControlSession s(c);
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  EXPECT_FALSE(s.file_list(err.out()));
  ASSERT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_TIMEOUT)) << err.message();
  EXPECT_NE(err.message().find("1 of 2"), std::string::npos) << err.message();
}

TEST(Session, StillAndRecording) {
  Peer peer;
  std::vector<Bytes> seen;
  ServeLoggedIn(peer, [&](Peer &p) {
    uint32_t t = 0;
    Bytes payload;
    for (uint32_t reply : {0xA039u, 0xA03Bu, 0xA03Bu}) {
      ASSERT_TRUE(p.recv(t, payload));
      seen.push_back(p.last_raw());
      p.send(control(reply));
    }
  });
  ControlSession s(ConfigFor(peer));
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  EXPECT_TRUE(s.take_still(err.out())) << err.message();
  EXPECT_TRUE(s.set_recording(true, err.out())) << err.message();
  EXPECT_TRUE(s.set_recording(false, err.out())) << err.message();
  s.close();
  peer.join();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], Bytes({0xAB, 0xCD, 0x00, 0x00, 0x00, 0x00, 0xA0, 0x38}));
  EXPECT_EQ(seen[1], Bytes({0xAB, 0xCD, 0x00, 0x04, 0x00, 0x00, 0xA0, 0x3A, 0x01, 0x00, 0x00, 0x00}));
  EXPECT_EQ(seen[2], Bytes({0xAB, 0xCD, 0x00, 0x04, 0x00, 0x00, 0xA0, 0x3A, 0x00, 0x00, 0x00, 0x00}));
}

TEST(Session, StartPreviewWithAndWithoutPayload) {
  for (bool with_payload : {false, true}) {
    Peer peer;
    Bytes seen;
    ServeLoggedIn(peer, [&](Peer &p) {
      uint32_t t = 0;
      Bytes payload;
      ASSERT_TRUE(p.recv(t, payload));
      seen = p.last_raw();
    });
    SessionConfig c = ConfigFor(peer);
    c.start_preview_with_payload = with_payload;
    ControlSession s(c);
    ErrorGuard err;
    ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
    ASSERT_TRUE(s.start_preview(err.out())) << err.message();
    s.close();
    peer.join();
    Bytes want = {0xAB, 0xCD, 0x00, uint8_t(with_payload ? 8 : 0), 0x00, 0x00, 0x01, 0xFF};
    if (with_payload) want.resize(16, 0);
    EXPECT_EQ(seen, want);
  }
}

TEST(Session, RawReturnsEveryReplyButAliveRequests) {
  Peer peer;
  Bytes sent;
  bool alive_answered = false;
  ServeLoggedIn(peer, [&](Peer &p) {
    uint32_t t = 0;
    Bytes payload;
    ASSERT_TRUE(p.recv(t, payload));
    sent = p.last_raw();
    p.send(control(0xA02B, Text("x")));
    p.send(control(0x0112));
    p.send(control(0xA02C, Text("yz")));
    alive_answered = p.recv_type() == 0x0113;
  });
  ControlSession s(ConfigFor(peer));
  bool handler_called = false;
  s.set_message_handler([&](const RawReply &) { handler_called = true; });
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  const uint8_t payload[] = {1, 2};
  const auto answer = s.raw(0xA02A, payload, 400, err.out());
  ASSERT_TRUE(answer) << err.message();
  const std::vector<RawReply> &replies = *answer;
  EXPECT_EQ(sent, Bytes({0xAB, 0xCD, 0x00, 0x02, 0x00, 0x00, 0xA0, 0x2A, 0x01, 0x02}));
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0].type, 0xA02Bu);
  EXPECT_EQ(replies[0].payload, Text("x"));
  EXPECT_EQ(replies[1].type, 0xA02Cu);
  EXPECT_EQ(replies[1].payload, Text("yz"));
  s.close();
  peer.join();
  EXPECT_TRUE(alive_answered);
  EXPECT_FALSE(handler_called);  // the raw request took them
}

TEST(Session, RawWithNoAnswerIsEmptySuccess) {
  Peer peer;
  ServeLoggedIn(peer, [](Peer &p) { EXPECT_EQ(p.recv_type(), 0xA02Au); });
  ControlSession s(ConfigFor(peer));
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  const auto replies = s.raw(0xA02A, {}, 100, err.out());
  ASSERT_TRUE(replies) << err.message();
  EXPECT_TRUE(replies->empty());
}

TEST(Session, RequestsFailAtOnceWhenNotConnected) {
  SessionConfig c;
  c.endpoint.address = "127.0.0.1";
  ControlSession s(c);
  ErrorGuard err;
  EXPECT_FALSE(s.firmware_version(err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
  EXPECT_FALSE(s.start_preview(err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
  EXPECT_FALSE(s.raw(0xA02A, {}, 1000, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
  s.close();
}

TEST(Session, RequestsFromTwoThreadsConcurrently) {
  Peer peer;
  ServeLoggedIn(peer, [](Peer &p) {
    uint32_t t = 0;
    Bytes payload;
    while (p.recv(t, payload)) {
      if (t == 0xA034) p.send(control(0xA035, firmware_info("v1.0 rc5")));
      if (t == 0xA025) {
        p.send(control(0xA026, file_list_part(2, 1, "B:2;")));
        p.send(control(0xA026, file_list_part(2, 0, "A:1;")));
      }
      if (t == 0xA038) p.send(control(0xA039));
      if (t == 0xA038) p.send(control(0x0112));  // the reader writes too, concurrently
    }
  });
  SessionConfig c = ConfigFor(peer);
  c.keepalive_interval_ms = 10;
  ControlSession s(c);
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  std::atomic<int> failures{0};
  auto firmware_and_stills = [&] {
    for (int i = 0; i < 30; i++) {
      GError *e = nullptr;
      auto v = s.firmware_version(&e);
      if (!v || *v != "v1.0 rc5") failures++;
      g_clear_error(&e);
      if (!s.take_still(&e)) failures++;
      g_clear_error(&e);
    }
  };
  auto file_lists = [&] {
    for (int i = 0; i < 30; i++) {
      GError *e = nullptr;
      auto files = s.file_list(&e);
      if (!files || files->size() != 2 || (*files)[0].path != "A") failures++;
      g_clear_error(&e);
    }
  };
  std::thread a(firmware_and_stills), b(file_lists), d(firmware_and_stills);
  a.join();
  b.join();
  d.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(s.connected());
}
