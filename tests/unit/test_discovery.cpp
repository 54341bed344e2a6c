// Discovery over 127.255.255.255 against in-test responders bound to the
// wildcard address (a socket bound to 127.0.0.1 would not see broadcasts).
// Nothing here uses the interfaces' own broadcast addresses: that would send
// off this machine.
#include "ipcam/error.h"
#include "ipcam/discovery.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

using namespace ipcam;

namespace {

Bytes Text(const std::string &s) { return Bytes(s.begin(), s.end()); }

// 0x0115 with a NUL-padded serial, header built by hand.
Bytes SerialAnswer(const std::string &serial, size_t padded = 32) {
  Bytes payload(serial.begin(), serial.end());
  payload.resize(std::max(padded, serial.size()), 0);
  Bytes b = {0xAB, 0xCD, uint8_t(payload.size() >> 8), uint8_t(payload.size()), 0x00, 0x00, 0x01, 0x15};
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

GSocket *UdpOnAnyAddress(uint16_t port = 0) {
  GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr);
  g_autoptr(GInetAddress) any = g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(any, port);
  EXPECT_TRUE(g_socket_bind(s, sa, FALSE, nullptr));
  return s;
}

uint16_t LocalPort(GSocket *s) {
  g_autoptr(GSocketAddress) a = g_socket_get_local_address(s, nullptr);
  return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(a));
}

// A camera's discovery listener: records each request, answers it.
class Responder {
 public:
  explicit Responder(Bytes answer) : answer_(std::move(answer)) {
    socket_ = UdpOnAnyAddress();
    port_ = LocalPort(socket_);
    cancel_ = g_cancellable_new();
    thread_ = std::thread([this] { serve(); });
  }
  ~Responder() {
    g_cancellable_cancel(cancel_);
    thread_.join();
    g_object_unref(cancel_);
    g_object_unref(socket_);
  }
  uint16_t port() const { return port_; }
  std::vector<Bytes> requests() {
    std::lock_guard<std::mutex> l(m_);
    return requests_;
  }

 private:
  void serve() {
    uint8_t buf[2048];
    while (g_socket_condition_timed_wait(socket_, G_IO_IN, -1, cancel_, nullptr)) {
      GSocketAddress *from = nullptr;
      gssize n = g_socket_receive_from(socket_, &from, reinterpret_cast<gchar *>(buf), sizeof buf, cancel_, nullptr);
      if (n < 0) break;
      {
        std::lock_guard<std::mutex> l(m_);
        requests_.emplace_back(buf, buf + n);
      }
      g_socket_send_to(socket_, from, reinterpret_cast<const gchar *>(answer_.data()), answer_.size(), nullptr, nullptr);
      g_object_unref(from);
    }
  }

  Bytes answer_;
  GSocket *socket_ = nullptr;
  GCancellable *cancel_ = nullptr;
  uint16_t port_ = 0;
  std::mutex m_;
  std::vector<Bytes> requests_;
  std::thread thread_;
};

// A port nobody listens on (bound once, then released).
uint16_t UnusedPort() {
  GSocket *s = UdpOnAnyAddress();
  uint16_t p = LocalPort(s);
  g_object_unref(s);
  return p;
}

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
