// ControlSession's connect() against a hand-built camera (hand::Peer): the
// login in the cameras' order, every way reaching or logging in to a camera
// fails (refused, timeout, not a camera, nothing listening, cancelled), and
// closing and connecting again.
#include "session_fixture.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>

using namespace ipcam;
using namespace ipcam::test;

namespace {

// Every test plays the camera on a fresh loopback peer, with the session's
// config for it and an error holder.
class Session : public ::testing::Test {
 protected:
  Peer peer;
  SessionConfig c = ConfigFor(peer);
  ErrorGuard err;
};

}  // namespace

TEST_F(Session, LoginInTheCamerasOrder) {
  Bytes login_bytes;
  bool alive_answered_before_accept = false;
  peer.run([&](Peer &p) {
    uint32_t t = 0;
    Bytes payload;
    ASSERT_TRUE(p.recv(t, payload));
    login_bytes = p.last_raw();
    p.send(control(0x0112));
    alive_answered_before_accept = p.recv_type() == 0x0113;
    p.send(control(0x0111, payload));
    p.wait_eof();
  });
  ControlSession s(c);
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  EXPECT_TRUE(s.connected());
  EXPECT_EQ(s.peer_address(), "127.0.0.1");
  EXPECT_EQ(s.local_address(), "127.0.0.1");
  s.close();
  peer.join();
  EXPECT_TRUE(alive_answered_before_accept);
  ASSERT_EQ(login_bytes.size(), 8u + 128u);
  EXPECT_EQ(Bytes(login_bytes.begin(), login_bytes.begin() + 8),
            Bytes({0xAB, 0xCD, 0x00, 0x80, 0x00, 0x00, 0x01, 0x10}));
  EXPECT_EQ(std::memcmp(login_bytes.data() + 8, "admin\0", 6), 0);
  EXPECT_EQ(std::memcmp(login_bytes.data() + 8 + 64, "12345\0", 6), 0);
}

TEST_F(Session, WrongPasswordIsLoginRefusedNamingBothCauses) {
  peer.run([](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0x0110u);
    p.close();
  });
  c.endpoint.password = "s3cret-pw";
  ControlSession s(c);
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  ASSERT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_LOGIN_REFUSED)) << err.message();
  std::string m = err.message();
  EXPECT_NE(m.find("wrong user or password"), std::string::npos) << m;
  EXPECT_NE(m.find("another client (the phone app?)"), std::string::npos) << m;
  EXPECT_NE(m.find(Endpoint(peer)), std::string::npos) << m;
  EXPECT_EQ(m.find("s3cret-pw"), std::string::npos) << m;
  EXPECT_FALSE(s.connected());
}

TEST_F(Session, CameraClosingAfterItsAliveRequestIsLoginRefused) {
  peer.run([](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0x0110u);
    p.send(control(0x0112));
    p.close();
  });
  ControlSession s(c);
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  ASSERT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_LOGIN_REFUSED)) << err.message();
  EXPECT_NE(err.message().find("wrong user or password"), std::string::npos) << err.message();
}

TEST_F(Session, SilentPeerIsTimeout) {
  peer.run([](Peer &p) { p.wait_eof(); });
  c.reply_timeout_ms = 300;
  ControlSession s(c);
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  ASSERT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_TIMEOUT)) << err.message();
  EXPECT_NE(err.message().find("not an ipcam camera, or it is busy"), std::string::npos) << err.message();
  EXPECT_NE(err.message().find(Endpoint(peer)), std::string::npos) << err.message();
  EXPECT_NE(err.message().find("0.3 s"), std::string::npos) << err.message();
}

TEST_F(Session, ConnectThatHangsIsTimeout) {
  peer.fill_accept_queue();
  c.connect_timeout_ms = 300;
  c.reply_timeout_ms = 1000;
  ControlSession s(c);
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  ASSERT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_TIMEOUT)) << err.message();
  EXPECT_NE(err.message().find("No answer from " + Endpoint(peer) + " within 0.3 s"), std::string::npos)
      << err.message();
}

TEST_F(Session, CancelDuringAHangingConnect) {
  peer.fill_accept_queue();
  c.connect_timeout_ms = 60000;
  ControlSession s(c);
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  // Cancels while the connect hangs; the answer is CANCELLED, long before
  // the 60 s timeout.
  std::thread canceller([&] {
    EXPECT_TRUE(peer.connect_hangs_within(10000));
    g_cancellable_cancel(cancel);
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(s.connect(cancel, err.out()));
  canceller.join();
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_CANCELLED)) << err.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST_F(Session, HttpServerIsNotIpcam) {
  peer.run([](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0x0110u);
    p.send(Text("HTTP/1.0 400 Bad Request\r\n\r\n"));
    p.close();
  });
  ControlSession s(c);
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  ASSERT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_NOT_IPCAM)) << err.message();
  EXPECT_NE(err.message().find("48 54 54 50"), std::string::npos) << err.message();
  EXPECT_NE(err.message().find("HTTP/1.0 400"), std::string::npos) << err.message();
  EXPECT_NE(err.message().find(Endpoint(peer)), std::string::npos) << err.message();
}

TEST_F(Session, NothingListeningIsCannotConnect) {
  peer.stop_listening();
  ControlSession s(c);
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  ASSERT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_CANNOT_CONNECT)) << err.message();
  EXPECT_NE(err.message().find(Endpoint(peer)), std::string::npos) << err.message();
}

TEST_F(Session, CancelDuringConnectReturnsPromptly) {
  Flag login_seen;
  peer.run([&](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0x0110u);
    login_seen.set();
    p.wait_eof();
  });
  c.reply_timeout_ms = 60000;
  ControlSession s(c);
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  std::thread canceller([&] {
    if (login_seen.wait()) g_cancellable_cancel(cancel);
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(s.connect(cancel, err.out()));
  auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_CANCELLED)) << err.message();
  // Far below the 60 s reply timeout: the wait was cancelled, not timed out.
  EXPECT_LT(took, std::chrono::seconds(20));
  EXPECT_FALSE(s.connected());
}

TEST_F(Session, AlreadyCancelledConnectFailsAtOnce) {
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  g_cancellable_cancel(cancel);
  ControlSession s(c);
  EXPECT_FALSE(s.connect(cancel, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_CANCELLED)) << err.message();
}

TEST_F(Session, LongUserIsInvalidArgumentNotTruncated) {
  peer.run([](Peer &p) { p.wait_eof(); });
  c.endpoint.user = std::string(64, 'u');
  ControlSession s(c);
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT)) << err.message();
}

TEST_F(Session, CloseIsNotALossAndWakesWaitingRequests) {
  Flag request_seen;
  ServeLoggedIn(peer, [&](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0xA034u);
    request_seen.set();
  });
  c.reply_timeout_ms = 60000;
  ControlSession s(c);
  bool lost_called = false;
  s.set_lost_handler([&](const GError *) { lost_called = true; });
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  ErrorGuard request_err;
  std::thread t([&] {
    EXPECT_FALSE(s.firmware_version(request_err.out()));
  });
  ASSERT_TRUE(request_seen.wait());
  s.close();
  t.join();
  EXPECT_TRUE(g_error_matches(request_err.get(), IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << request_err.message();
  s.close();  // idempotent
  EXPECT_FALSE(lost_called);
  EXPECT_FALSE(s.connected());
}

TEST_F(Session, ConnectAgainAfterClose) {
  ServeLoggedIn(peer, [](Peer &) {});
  ControlSession s(c);
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  s.close();
  peer.join();
  EXPECT_FALSE(s.take_still(err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
  ServeLoggedIn(peer, [](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0xA038u);
    p.send(control(0xA039));
  });
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  EXPECT_TRUE(s.take_still(err.out())) << err.message();
}
