// Discovery over 127.255.255.255 against in-test responders bound to the
// wildcard address (a socket bound to 127.0.0.1 would not see broadcasts).
// Nothing here uses the interfaces' own broadcast addresses: that would send
// off this machine.
#include "ipcam/error.h"
#include "ipcam/discovery.h"

#include "discovery_responder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

using namespace ipcam;
using namespace ipcam::test;

namespace {

Bytes Text(const std::string &s) { return Bytes(s.begin(), s.end()); }

const Bytes kRequest = {0xAB, 0xCD, 0x00, 0x00, 0x00, 0x00, 0x01, 0x14};

}  // namespace

TEST(DiscoverySerial, ControlMessageWithNulPaddedSerial) {
  EXPECT_EQ(parse_discovery_serial(SerialAnswer("SN0042ACT76")), "SN0042ACT76");
}

TEST(DiscoverySerial, BarePrintableAnswer) {
  EXPECT_EQ(parse_discovery_serial(Text("XPRO2-123456")), "XPRO2-123456");
  Bytes padded = Text("CAM77");
  padded.resize(80, 0);
  EXPECT_EQ(parse_discovery_serial(padded), "CAM77");
}

TEST(DiscoverySerial, TextFollowedByBinaryKeepsTheText) {
  Bytes p = Text("SN9876");
  p.push_back(0x01);
  p.push_back(0xFF);
  Bytes m = {0xAB, 0xCD, 0x00, uint8_t(p.size()), 0x00, 0x00, 0x01, 0x15};
  m.insert(m.end(), p.begin(), p.end());
  EXPECT_EQ(parse_discovery_serial(m), "SN9876");
}

TEST(DiscoverySerial, NothingParsesToEmpty) {
  EXPECT_EQ(parse_discovery_serial({}), "");
  EXPECT_EQ(parse_discovery_serial(Bytes({0x01, 0x02, 0x03})), "");
  EXPECT_EQ(parse_discovery_serial(Bytes({'A', 0x01, 0x02})), "");  // one letter then binary
  EXPECT_EQ(parse_discovery_serial(SerialAnswer("", 16)), "");       // all NULs
  // A control message of another type, and a cut-off one.
  EXPECT_EQ(parse_discovery_serial(Bytes({0xAB, 0xCD, 0x00, 0x02, 0x00, 0x00, 0x01, 0x11, 'h', 'i'})), "");
  EXPECT_EQ(parse_discovery_serial(Bytes({0xAB, 0xCD, 0x00, 0x09, 0x00, 0x00, 0x01, 0x15, 'h'})), "");
}

TEST(Discovery, FindsTheCameraOnBothPortsAsOneEntry) {
  Bytes answer = SerialAnswer("SN0042ACT76");
  Responder a(answer), b(answer);
  DiscoveryConfig c;
  c.broadcast_addresses = {"127.255.255.255"};
  c.ports = {a.port(), b.port()};
  c.source_port = 0;
  c.timeout_ms = 500;
  std::string where;
  ErrorGuard err;
  const auto found = discover(c, nullptr, &where, err.out());
  ASSERT_TRUE(found) << err.message();
  const std::vector<DiscoveredCamera> &cameras = *found;
  EXPECT_EQ(where, "127.255.255.255 ports " + std::to_string(a.port()) + ", " + std::to_string(b.port()));
  // Both ports got exactly the request bytes...
  ASSERT_EQ(a.requests().size(), 1u);
  ASSERT_EQ(b.requests().size(), 1u);
  EXPECT_EQ(a.requests()[0], kRequest);
  EXPECT_EQ(b.requests()[0], kRequest);
  // ...and the two answers from one address are one camera.
  ASSERT_EQ(cameras.size(), 1u);
  EXPECT_EQ(cameras[0].address, "127.0.0.1");
  EXPECT_TRUE(cameras[0].port == a.port() || cameras[0].port == b.port());
  EXPECT_EQ(cameras[0].answer, answer);
  EXPECT_EQ(cameras[0].serial, "SN0042ACT76");
}

TEST(Discovery, FirstAnswerEndsTheWaitWhenOneCameraIsEnough) {
  Responder r(SerialAnswer("S1"));
  DiscoveryConfig c;
  c.broadcast_addresses = {"127.255.255.255"};
  c.ports = {r.port()};
  c.source_port = 0;
  c.timeout_ms = 60000;
  c.max_cameras = 1;
  ErrorGuard err;
  auto start = std::chrono::steady_clock::now();
  const auto found = discover(c, nullptr, nullptr, err.out());
  ASSERT_TRUE(found) << err.message();
  const std::vector<DiscoveredCamera> &cameras = *found;
  ASSERT_EQ(cameras.size(), 1u);
  EXPECT_EQ(cameras[0].serial, "S1");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));  // not the 60 s timeout
}

TEST(Discovery, UnparseableAnswerStillListsTheCamera) {
  Responder r(Bytes({0x00, 0x01, 0x02, 0x03}));
  DiscoveryConfig c;
  c.broadcast_addresses = {"127.255.255.255"};
  c.ports = {r.port()};
  c.source_port = 0;
  c.timeout_ms = 300;
  std::string where;
  ErrorGuard err;
  const auto found = discover(c, nullptr, &where, err.out());
  ASSERT_TRUE(found) << err.message();
  const std::vector<DiscoveredCamera> &cameras = *found;
  EXPECT_EQ(where, "127.255.255.255 port " + std::to_string(r.port()));
  ASSERT_EQ(cameras.size(), 1u);
  EXPECT_EQ(cameras[0].serial, "");
  EXPECT_EQ(cameras[0].answer, Bytes({0x00, 0x01, 0x02, 0x03}));
}

TEST(Discovery, NoResponderIsEmptySuccess) {
  DiscoveryConfig c;
  c.broadcast_addresses = {"127.255.255.255"};
  c.ports = {UnusedPort()};
  c.source_port = 0;
  c.timeout_ms = 200;
  ErrorGuard err;
  const auto found = discover(c, nullptr, nullptr, err.out());
  ASSERT_TRUE(found) << err.message();
  const std::vector<DiscoveredCamera> &cameras = *found;
  EXPECT_TRUE(cameras.empty());
}

TEST(Discovery, TakenSourcePortFallsBackToAnyPort) {
  GSocket *squatter = UdpOnAnyAddress();
  Responder r(SerialAnswer("S1"));
  DiscoveryConfig c;
  c.broadcast_addresses = {"127.255.255.255"};
  c.ports = {r.port()};
  c.source_port = LocalPort(squatter);
  c.timeout_ms = 300;
  ErrorGuard err;
  const auto found = discover(c, nullptr, nullptr, err.out());
  ASSERT_TRUE(found) << err.message();
  const std::vector<DiscoveredCamera> &cameras = *found;
  ASSERT_EQ(cameras.size(), 1u);
  EXPECT_EQ(cameras[0].serial, "S1");
  g_object_unref(squatter);
}

TEST(Discovery, NeverBroadcastsToAllOnes) {
  DiscoveryConfig c;
  c.broadcast_addresses = {"255.255.255.255"};
  ErrorGuard err;
  EXPECT_FALSE(discover(c, nullptr, nullptr, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT)) << err.message();
  c.broadcast_addresses = {"not-an-address"};
  EXPECT_FALSE(discover(c, nullptr, nullptr, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT)) << err.message();
}

TEST(Discovery, CancelStopsWaiting) {
  DiscoveryConfig c;
  c.broadcast_addresses = {"127.255.255.255"};
  // A listener that never answers, and cancels once the request reached it:
  // discover() is then surely waiting for answers.
  g_autoptr(GSocket) silent = UdpOnAnyAddress();
  c.ports = {LocalPort(silent)};
  c.source_port = 0;
  c.timeout_ms = 60000;
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  std::thread t([&] {
    uint8_t buf[64];
    g_socket_set_timeout(silent, 20);
    EXPECT_GT(g_socket_receive(silent, reinterpret_cast<gchar *>(buf), sizeof buf, nullptr, nullptr), 0)
        << "no discovery request arrived";
    g_cancellable_cancel(cancel);
  });
  ErrorGuard err;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(discover(c, cancel, nullptr, err.out()));
  t.join();
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_CANCELLED)) << err.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));  // not the 60 s timeout
}
