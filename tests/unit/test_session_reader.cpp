// ControlSession after login, against a hand-built camera (hand::Peer): what
// its reader thread does with the bytes that come in (messages split across
// reads or several in one, alive requests, unknown messages), its own
// keep-alive, and a lost connection (peer closing, silence).
#include "session_fixture.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

using namespace ipcam;
using namespace ipcam::test;

TEST(Session, MessagesSplitAcrossReadsAndSeveralInOneRead) {
  Peer peer;
  std::atomic<int> unknown_seen{0};
  peer.run([](Peer &p) {
    uint32_t t = 0;
    Bytes payload;
    ASSERT_TRUE(p.recv(t, payload));
    // Alive request and login accepted trickle in, three bytes at a time.
    p.send_split(Concat({control(0x0112), control(0x0111, payload)}), 3);
    EXPECT_EQ(p.recv_type(), 0x0113u);
    // Firmware reply, an alive request and an unknown message in one write.
    EXPECT_EQ(p.recv_type(), 0xA034u);
    p.send(Concat({control(0xA035, firmware_info("v1.0 rc5")), control(0x0112),
                   control(0xA0FF, Text("hi"))}));
    EXPECT_EQ(p.recv_type(), 0x0113u);
    // The next firmware reply split in odd pieces.
    EXPECT_EQ(p.recv_type(), 0xA034u);
    p.send_split(control(0xA035, firmware_info("v2.1")), 7);
    p.wait_eof();
  });
  ControlSession s(ConfigFor(peer));
  Flag unknown;
  s.set_message_handler([&](const RawReply &r) {
    if (r.type == 0xA0FF && r.payload == Text("hi")) unknown_seen++;
    unknown.set();
  });
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  std::optional<std::string> v = s.firmware_version(err.out());
  ASSERT_TRUE(v) << err.message();
  EXPECT_EQ(*v, "v1.0 rc5");
  ASSERT_TRUE(unknown.wait());
  ASSERT_TRUE((v = s.firmware_version(err.out()))) << err.message();
  EXPECT_EQ(*v, "v2.1");
  EXPECT_EQ(unknown_seen.load(), 1);
}

TEST(Session, UnknownMessageReachesHandlerAndIsNotFatal) {
  Peer peer;
  ServeLoggedIn(peer, [](Peer &p) {
    p.send(control(0xBEEF, Text("hello")));
    EXPECT_EQ(p.recv_type(), 0xA034u);
    p.send(control(0xA035, Text("v3")));
  });
  ControlSession s(ConfigFor(peer));
  Flag got;
  RawReply seen;
  s.set_message_handler([&](const RawReply &r) {
    seen = r;
    got.set();
  });
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  ASSERT_TRUE(got.wait());
  EXPECT_EQ(seen.type, 0xBEEFu);
  EXPECT_EQ(seen.payload, Text("hello"));
  EXPECT_TRUE(s.connected());
  std::optional<std::string> v = s.firmware_version(err.out());
  ASSERT_TRUE(v) << err.message();
  EXPECT_EQ(*v, "v3");
}

TEST(Session, OwnKeepAliveIsSent) {
  Peer peer;
  std::vector<Bytes> keepalives;
  peer.run([&](Peer &p) {
    ASSERT_TRUE(p.login());
    uint32_t t = 0;
    Bytes payload;
    for (int i = 0; i < 3 && p.recv(t, payload); i++) keepalives.push_back(p.last_raw());
  });
  SessionConfig c = ConfigFor(peer);
  c.keepalive_interval_ms = 30;
  ControlSession s(c);
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  peer.join();  // the peer returns after three messages
  ASSERT_EQ(keepalives.size(), 3u);
  for (const auto &k : keepalives) EXPECT_EQ(k, Bytes({0xAB, 0xCD, 0x00, 0x00, 0x00, 0x00, 0x01, 0x13}));
}

TEST(Session, AliveRequestsAnsweredAfterLogin) {
  Peer peer;
  int answered = 0;
  peer.run([&](Peer &p) {
    ASSERT_TRUE(p.login());
    for (int i = 0; i < 3; i++) {
      p.send(control(0x0112));
      if (p.recv_type() == 0x0113) answered++;
    }
  });
  ControlSession s(ConfigFor(peer));
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  peer.join();
  EXPECT_EQ(answered, 3);
}

TEST(Session, PeerClosingMidSessionIsConnectionLost) {
  Peer peer;
  ServeLoggedIn(peer, [](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0xA034u);
    p.close();
  });
  ControlSession s(ConfigFor(peer));
  std::atomic<int> lost_calls{0};
  std::atomic<int> lost_code{-1};
  std::string lost_why;
  Flag lost;
  s.set_lost_handler([&](const GError *e) {
    lost_calls++;
    lost_code = e->code;
    lost_why = e->message;
    lost.set();
  });
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  EXPECT_FALSE(s.firmware_version(err.out()));
  ASSERT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_CONNECTION_LOST)) << err.message();
  EXPECT_NE(err.message().find(Endpoint(peer)), std::string::npos) << err.message();
  ASSERT_TRUE(lost.wait());
  EXPECT_FALSE(s.connected());
  EXPECT_FALSE(s.take_still(err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
  s.close();
  EXPECT_EQ(lost_calls.load(), 1);
  EXPECT_EQ(lost_code.load(), int(IPCAM_ERROR_CONNECTION_LOST));
  EXPECT_EQ(lost_why, "the camera closed the connection");  // the cause alone, for a reconnect line
}

TEST(Session, SilenceIsConnectionLost) {
  Peer peer;
  ServeLoggedIn(peer, [](Peer &) {});
  SessionConfig c = ConfigFor(peer);
  c.idle_timeout_ms = 200;
  ControlSession s(c);
  Flag lost;
  std::string why;
  s.set_lost_handler([&](const GError *e) {
    why = e->message;
    lost.set();
  });
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  ASSERT_TRUE(lost.wait());
  EXPECT_EQ(why, "no byte from the camera for 0.2 s");
  EXPECT_FALSE(s.connected());
}
