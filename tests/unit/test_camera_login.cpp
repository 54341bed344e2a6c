// find_camera() and log_in() as the element, the server and the CLI use
// them: a given address sends nothing, discovery's first answer is the
// camera (with its serial, where it asked and how many answered), no
// answer is IPCAM_ERROR_NO_CAMERA naming where, and the cancellable closes
// the logged-in session only while the link lives. The camera is played by
// a discovery responder (discovery_responder.h) and hand::Peer.
#include "ipcam/camera-login.h"
#include "ipcam/error.h"

#include "discovery_responder.h"
#include "session_fixture.h"

#include <gtest/gtest.h>

#include <string>

using namespace ipcam;
using namespace ipcam::test;

namespace {

// Discovery over 127.255.255.255 to the given ports only, never off this machine.
DiscoveryConfig LoopbackDiscovery(std::vector<uint16_t> ports, unsigned timeout_ms = 500) {
  DiscoveryConfig c;
  c.broadcast_addresses = {"127.255.255.255"};
  c.ports = std::move(ports);
  c.source_port = 0;
  c.timeout_ms = timeout_ms;
  return c;
}

}  // namespace

TEST(CameraLogin, GivenAddressIsTheCameraWithoutAsking) {
  Responder r(SerialAnswer("S1"));
  CameraEndpoint endpoint;
  endpoint.address = "127.0.0.1";
  FoundCamera found;
  ErrorGuard err;
  ASSERT_TRUE(find_camera(endpoint, LoopbackDiscovery({r.port()}), nullptr, found, err.out())) << err.message();
  EXPECT_EQ(found.address, "127.0.0.1");
  EXPECT_EQ(found.serial, "");
  EXPECT_EQ(found.answered, 0u);
  EXPECT_EQ(found.where, "");
  EXPECT_TRUE(r.requests().empty());
}

TEST(CameraLogin, DiscoversTheFirstCameraThenLogsIn) {
  Responder r(SerialAnswer("SN0042ACT76"));
  Peer peer;
  ServeLoggedIn(peer, [](Peer &) {});
  CameraEndpoint endpoint;
  endpoint.control_port = peer.port();
  DiscoveryConfig dc = LoopbackDiscovery({r.port()}, 60000);
  dc.max_cameras = 1;  // as ipcamsrc asks: the first answer ends the wait
  FoundCamera found;
  ErrorGuard err;
  ASSERT_TRUE(find_camera(endpoint, dc, nullptr, found, err.out())) << err.message();
  EXPECT_EQ(found.address, "127.0.0.1");
  EXPECT_EQ(found.serial, "SN0042ACT76");
  EXPECT_EQ(found.answered, 1u);
  EXPECT_EQ(found.where, "127.255.255.255 port " + std::to_string(r.port()));

  endpoint.address = found.address;
  SessionConfig c = session_config(endpoint);
  c.keepalive_interval_ms = 0;
  c.idle_timeout_ms = 0;
  ControlSession session(c);
  CloseOnCancel closer;
  ASSERT_TRUE(log_in(session, nullptr, closer, err.out())) << err.message();
  EXPECT_TRUE(session.connected());
  EXPECT_EQ(session.peer_address(), "127.0.0.1");
  EXPECT_EQ(closer.release(), 0u);  // no cancellable, nothing linked
  session.close();
  peer.join();
}

TEST(CameraLogin, CountsEveryCameraThatAnswered) {
  // The second camera answers from 127.0.0.2: another address, another camera.
  Responder first(SerialAnswer("FIRST")), second(SerialAnswer("SECOND"), "127.0.0.2");
  FoundCamera found;
  ErrorGuard err;
  ASSERT_TRUE(find_camera(CameraEndpoint(), LoopbackDiscovery({first.port(), second.port()}), nullptr, found,
                          err.out()))
      << err.message();
  EXPECT_EQ(found.answered, 2u);
  EXPECT_TRUE(found.address == "127.0.0.1" || found.address == "127.0.0.2") << found.address;
  EXPECT_EQ(found.serial, found.address == "127.0.0.1" ? "FIRST" : "SECOND");
}

TEST(CameraLogin, NoAnswerIsNoCameraNamingWhere) {
  const uint16_t port = UnusedPort();
  FoundCamera found;
  ErrorGuard err;
  EXPECT_FALSE(find_camera(CameraEndpoint(), LoopbackDiscovery({port}, 200), nullptr, found, err.out()));
  ASSERT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_NO_CAMERA)) << err.message();
  const std::string where = "127.255.255.255 port " + std::to_string(port);
  EXPECT_EQ(err.message(), "no camera answered on " + where);
  EXPECT_EQ(found.where, where);
  EXPECT_EQ(found.answered, 0u);
  EXPECT_EQ(found.address, "");
}

TEST(CameraLogin, DiscoveryErrorKeepsItsCode) {
  DiscoveryConfig dc = LoopbackDiscovery({UnusedPort()});
  dc.broadcast_addresses = {"::1"};  // not IPv4: refused before anything is sent
  FoundCamera found;
  ErrorGuard err;
  EXPECT_FALSE(find_camera(CameraEndpoint(), dc, nullptr, found, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT)) << err.message();
}

TEST(CameraLogin, RefusedLoginKeepsItsCode) {
  Peer peer;
  peer.run([](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0x0110u);
    p.close();
  });
  ControlSession session(ConfigFor(peer));
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  CloseOnCancel closer;
  ErrorGuard err;
  EXPECT_FALSE(log_in(session, cancel, closer, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_LOGIN_REFUSED)) << err.message();
  peer.join();
}

TEST(CameraLogin, CancelClosesTheSessionAfterLoginWhileLinked) {
  Peer peer;
  ServeLoggedIn(peer, [](Peer &) {});
  ControlSession session(ConfigFor(peer));
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  ErrorGuard err;
  {
    CloseOnCancel closer;
    ASSERT_TRUE(log_in(session, cancel, closer, err.out())) << err.message();
    ASSERT_TRUE(session.connected());
    g_cancellable_cancel(cancel);
    EXPECT_FALSE(session.connected());
  }
  peer.join();
}

TEST(CameraLogin, UnlinkedCancelLeavesTheSessionUp) {
  Peer peer;
  ServeLoggedIn(peer, [](Peer &) {});
  ControlSession session(ConfigFor(peer));
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  ErrorGuard err;
  {
    CloseOnCancel closer;
    ASSERT_TRUE(log_in(session, cancel, closer, err.out())) << err.message();
  }
  g_cancellable_cancel(cancel);
  EXPECT_TRUE(session.connected());
  session.close();
  peer.join();
}

TEST(CameraLogin, ReleasedLinkIsTheCallersToUnhook) {
  Peer peer;
  ServeLoggedIn(peer, [](Peer &) {});
  ControlSession session(ConfigFor(peer));
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  ErrorGuard err;
  gulong handler = 0;
  {
    CloseOnCancel closer;
    ASSERT_TRUE(log_in(session, cancel, closer, err.out())) << err.message();
    handler = closer.release();
  }
  ASSERT_NE(handler, 0u);
  g_cancellable_cancel(cancel);  // still linked: the caller holds the hook
  EXPECT_FALSE(session.connected());
  g_cancellable_disconnect(cancel, handler);
  peer.join();
}
