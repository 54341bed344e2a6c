// ControlSession against a camera peer written here with raw GSockets on
// loopback: every byte the peer sends is built by hand, every byte the
// session sends is checked by hand.
#include "error_guard.h"
#include "ipcam/error.h"
#include "ipcam/session.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

using namespace ipcam;

namespace {

constexpr gint64 kPeerWaitUs = 10 * G_USEC_PER_SEC;

using ipcam::test::ErrorGuard;

// A one-shot signal between the peer thread and the test.
class Flag {
 public:
  void set() {
    std::lock_guard<std::mutex> l(m_);
    set_ = true;
    cv_.notify_all();
  }
  bool wait(int ms = 10000) {
    std::unique_lock<std::mutex> l(m_);
    return cv_.wait_for(l, std::chrono::milliseconds(ms), [&] { return set_; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool set_ = false;
};

// Header by hand: AB CD, u16 BE length, u32 BE type.
Bytes Msg(uint32_t type, const Bytes &payload = {}) {
  Bytes b = {0xAB, 0xCD, uint8_t(payload.size() >> 8), uint8_t(payload.size()),
             uint8_t(type >> 24), uint8_t(type >> 16), uint8_t(type >> 8), uint8_t(type)};
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes Text(const std::string &s) { return Bytes(s.begin(), s.end()); }

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto &p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// One 0xA026 payload: u32 LE total, u32 LE index, text.
Bytes PartPayload(uint32_t total, uint32_t index, const std::string &text) {
  Bytes b(8 + text.size());
  for (int i = 0; i < 4; i++) {
    b[size_t(i)] = uint8_t(total >> (8 * i));
    b[size_t(4 + i)] = uint8_t(index >> (8 * i));
  }
  std::memcpy(b.data() + 8, text.data(), text.size());
  return b;
}

// Firmware info as captured: 80 bytes of u32 fields, version from byte 80.
Bytes FirmwareInfo(const std::string &version) {
  Bytes b(112, 0);
  b[0] = 7;
  std::memcpy(b.data() + 80, version.data(), version.size());
  return b;
}

// The camera side: listens on 127.0.0.1:0, accepts one client and runs the
// test's script on its own thread.
class Peer {
 public:
  Peer() {
    listener_ = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new(lo, 0);
    EXPECT_TRUE(g_socket_bind(listener_, any_port, TRUE, nullptr));
    EXPECT_TRUE(g_socket_listen(listener_, nullptr));
    g_autoptr(GSocketAddress) bound = g_socket_get_local_address(listener_, nullptr);
    port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  }
  ~Peer() {
    join();
    if (conn_) g_object_unref(conn_);
    if (filler_) g_object_unref(filler_);
    if (listener_) g_object_unref(listener_);
  }

  uint16_t port() const { return port_; }
  // A full accept queue: the kernel drops further SYNs, so a connect hangs.
  void fill_accept_queue() {
    g_socket_close(listener_, nullptr);
    g_object_unref(listener_);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) same_port = g_inet_socket_address_new(lo, port_);
    listener_ = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr);
    ASSERT_TRUE(g_socket_bind(listener_, same_port, TRUE, nullptr));
    g_socket_set_listen_backlog(listener_, 0);
    ASSERT_TRUE(g_socket_listen(listener_, nullptr));
    filler_ = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr);
    ASSERT_TRUE(g_socket_connect(filler_, same_port, nullptr, nullptr));
  }
  void stop_listening() {
    g_socket_close(listener_, nullptr);
  }

  void run(std::function<void(Peer &)> script) {
    thread_ = std::thread([this, script] {
      if (accept()) script(*this);
    });
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  void send(const Bytes &b) {
    ASSERT_NE(conn_, nullptr);
    size_t off = 0;
    while (off < b.size()) {
      gssize n = g_socket_send(conn_, reinterpret_cast<const gchar *>(b.data() + off), b.size() - off, nullptr,
                               nullptr);
      ASSERT_GT(n, 0);
      off += size_t(n);
    }
  }
  // Sends in pieces a little apart, so the client sees them in separate reads.
  void send_split(const Bytes &b, size_t piece) {
    for (size_t off = 0; off < b.size(); off += piece) {
      send(Bytes(b.begin() + ptrdiff_t(off), b.begin() + ptrdiff_t(std::min(b.size(), off + piece))));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // The next message from the client, reassembled by hand. False on EOF,
  // timeout or bad bytes.
  bool recv(uint32_t &type, Bytes &payload) {
    for (;;) {
      if (in_.size() >= 8) {
        if (in_[0] != 0xAB || in_[1] != 0xCD) return false;
        size_t len = size_t(in_[2]) << 8 | in_[3];
        if (in_.size() >= 8 + len) {
          type = uint32_t(in_[4]) << 24 | uint32_t(in_[5]) << 16 | uint32_t(in_[6]) << 8 | in_[7];
          payload.assign(in_.begin() + 8, in_.begin() + ptrdiff_t(8 + len));
          last_raw_.assign(in_.begin(), in_.begin() + ptrdiff_t(8 + len));
          in_.erase(in_.begin(), in_.begin() + ptrdiff_t(8 + len));
          return true;
        }
      }
      if (!read_some()) return false;
    }
  }
  uint32_t recv_type() {
    uint32_t t = 0;
    Bytes p;
    return recv(t, p) ? t : 0;
  }
  const Bytes &last_raw() const { return last_raw_; }

  // Reads until the client closes (or 10 s pass).
  bool wait_eof() {
    while (read_some()) {
    }
    return eof_;
  }

  // The login as real cameras do it: alive request before login accepted.
  bool login() {
    uint32_t t = 0;
    Bytes p;
    if (!recv(t, p) || t != 0x0110) return false;
    send(Msg(0x0112));
    if (recv_type() != 0x0113) return false;
    send(Msg(0x0111, p));
    return true;
  }

  void close_client() {
    if (conn_) g_socket_close(conn_, nullptr);
  }

 private:
  bool accept() {
    if (conn_) g_object_unref(conn_);
    conn_ = nullptr;
    in_.clear();
    eof_ = false;
    if (!g_socket_condition_timed_wait(listener_, G_IO_IN, kPeerWaitUs, nullptr, nullptr)) return false;
    conn_ = g_socket_accept(listener_, nullptr, nullptr);
    return conn_ != nullptr;
  }
  bool read_some() {
    if (!conn_ || eof_) return false;
    if (!g_socket_condition_timed_wait(conn_, G_IO_IN, kPeerWaitUs, nullptr, nullptr)) return false;
    uint8_t buf[4096];
    gssize n = g_socket_receive(conn_, reinterpret_cast<gchar *>(buf), sizeof buf, nullptr, nullptr);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    in_.insert(in_.end(), buf, buf + n);
    return true;
  }

  GSocket *listener_ = nullptr;
  GSocket *conn_ = nullptr;
  GSocket *filler_ = nullptr;
  uint16_t port_ = 0;
  Bytes in_, last_raw_;
  bool eof_ = false;
  std::thread thread_;
};

SessionConfig ConfigFor(const Peer &peer) {
  SessionConfig c;
  c.host = "127.0.0.1";
  c.port = peer.port();
  c.keepalive_interval_ms = 0;  // so the wire carries only what a test asks for
  c.idle_timeout_ms = 0;
  return c;
}

std::string Endpoint(const Peer &peer) { return "127.0.0.1:" + std::to_string(peer.port()); }

// Logs in, then runs `after` and waits for the client to close.
void ServeLoggedIn(Peer &peer, std::function<void(Peer &)> after) {
  peer.run([after](Peer &p) {
    ASSERT_TRUE(p.login());
    after(p);
    p.wait_eof();
  });
}

}  // namespace

TEST(Session, LoginInTheCamerasOrder) {
  Peer peer;
  Bytes login_bytes;
  bool alive_answered_before_accept = false;
  peer.run([&](Peer &p) {
    uint32_t t = 0;
    Bytes payload;
    ASSERT_TRUE(p.recv(t, payload));
    login_bytes = p.last_raw();
    p.send(Msg(0x0112));
    alive_answered_before_accept = p.recv_type() == 0x0113;
    p.send(Msg(0x0111, payload));
    p.wait_eof();
  });
  ControlSession s(ConfigFor(peer));
  ErrorGuard err;
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

TEST(Session, MessagesSplitAcrossReadsAndSeveralInOneRead) {
  Peer peer;
  std::atomic<int> unknown_seen{0};
  peer.run([](Peer &p) {
    uint32_t t = 0;
    Bytes payload;
    ASSERT_TRUE(p.recv(t, payload));
    // Alive request and login accepted trickle in, three bytes at a time.
    p.send_split(Concat({Msg(0x0112), Msg(0x0111, payload)}), 3);
    EXPECT_EQ(p.recv_type(), 0x0113u);
    // Firmware reply, an alive request and an unknown message in one write.
    EXPECT_EQ(p.recv_type(), 0xA034u);
    p.send(Concat({Msg(0xA035, FirmwareInfo("v1.0 rc5")), Msg(0x0112), Msg(0xA0FF, Text("hi"))}));
    EXPECT_EQ(p.recv_type(), 0x0113u);
    // The next firmware reply split in odd pieces.
    EXPECT_EQ(p.recv_type(), 0xA034u);
    p.send_split(Msg(0xA035, FirmwareInfo("v2.1")), 7);
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
  std::string v;
  ASSERT_TRUE(s.firmware_version(v, err.out())) << err.message();
  EXPECT_EQ(v, "v1.0 rc5");
  ASSERT_TRUE(unknown.wait());
  ASSERT_TRUE(s.firmware_version(v, err.out())) << err.message();
  EXPECT_EQ(v, "v2.1");
  EXPECT_EQ(unknown_seen.load(), 1);
}

TEST(Session, WrongPasswordIsLoginRefusedNamingBothCauses) {
  Peer peer;
  peer.run([](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0x0110u);
    p.close_client();
  });
  SessionConfig c = ConfigFor(peer);
  c.password = "s3cret-pw";
  ControlSession s(c);
  ErrorGuard err;
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  ASSERT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_LOGIN_REFUSED)) << err.message();
  std::string m = err.message();
  EXPECT_NE(m.find("wrong user or password"), std::string::npos) << m;
  EXPECT_NE(m.find("another client (the phone app?)"), std::string::npos) << m;
  EXPECT_NE(m.find(Endpoint(peer)), std::string::npos) << m;
  EXPECT_EQ(m.find("s3cret-pw"), std::string::npos) << m;
  EXPECT_FALSE(s.connected());
}

TEST(Session, CameraClosingAfterItsAliveRequestIsLoginRefused) {
  Peer peer;
  peer.run([](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0x0110u);
    p.send(Msg(0x0112));
    p.close_client();
  });
  ControlSession s(ConfigFor(peer));
  ErrorGuard err;
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  ASSERT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_LOGIN_REFUSED)) << err.message();
  EXPECT_NE(err.message().find("wrong user or password"), std::string::npos) << err.message();
}

TEST(Session, SilentPeerIsTimeout) {
  Peer peer;
  peer.run([](Peer &p) { p.wait_eof(); });
  SessionConfig c = ConfigFor(peer);
  c.reply_timeout_ms = 300;
  ControlSession s(c);
  ErrorGuard err;
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  ASSERT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_TIMEOUT)) << err.message();
  EXPECT_NE(err.message().find("not an ipcam camera, or it is busy"), std::string::npos) << err.message();
  EXPECT_NE(err.message().find(Endpoint(peer)), std::string::npos) << err.message();
  EXPECT_NE(err.message().find("0.3 s"), std::string::npos) << err.message();
}

TEST(Session, ConnectThatHangsIsTimeout) {
  Peer peer;
  peer.fill_accept_queue();
  SessionConfig c = ConfigFor(peer);
  c.connect_timeout_ms = 300;
  c.reply_timeout_ms = 1000;
  ControlSession s(c);
  ErrorGuard err;
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  ASSERT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_TIMEOUT)) << err.message();
  EXPECT_NE(err.message().find("No answer from " + Endpoint(peer) + " within 0.3 s"), std::string::npos)
      << err.message();
}

TEST(Session, CancelDuringAHangingConnect) {
  Peer peer;
  peer.fill_accept_queue();
  SessionConfig c = ConfigFor(peer);
  c.connect_timeout_ms = 60000;
  ControlSession s(c);
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  // Whenever the cancel lands (before or during the connect), the answer is
  // CANCELLED, long before the 60 s timeout.
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    g_cancellable_cancel(cancel);
  });
  ErrorGuard err;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(s.connect(cancel, err.out()));
  canceller.join();
  EXPECT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_CANCELLED)) << err.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(Session, HttpServerIsNotIpcam) {
  Peer peer;
  peer.run([](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0x0110u);
    p.send(Text("HTTP/1.0 400 Bad Request\r\n\r\n"));
    p.close_client();
  });
  ControlSession s(ConfigFor(peer));
  ErrorGuard err;
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  ASSERT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_NOT_IPCAM)) << err.message();
  EXPECT_NE(err.message().find("48 54 54 50"), std::string::npos) << err.message();
  EXPECT_NE(err.message().find("HTTP/1.0 400"), std::string::npos) << err.message();
  EXPECT_NE(err.message().find(Endpoint(peer)), std::string::npos) << err.message();
}

TEST(Session, NothingListeningIsCannotConnect) {
  Peer peer;
  peer.stop_listening();
  ControlSession s(ConfigFor(peer));
  ErrorGuard err;
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  ASSERT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_CANNOT_CONNECT)) << err.message();
  EXPECT_NE(err.message().find(Endpoint(peer)), std::string::npos) << err.message();
}

TEST(Session, FirmwareVersion) {
  Peer peer;
  Bytes request_payload = {0xFF};
  ServeLoggedIn(peer, [&](Peer &p) {
    uint32_t t = 0;
    ASSERT_TRUE(p.recv(t, request_payload));
    EXPECT_EQ(t, 0xA034u);
    p.send(Msg(0xA035, FirmwareInfo("v1.0 rc5")));
  });
  ControlSession s(ConfigFor(peer));
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  std::string v;
  ASSERT_TRUE(s.firmware_version(v, err.out())) << err.message();
  EXPECT_EQ(v, "v1.0 rc5");
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
    p.send(Msg(0xA026, PartPayload(3, 2, "B.JPG:2;")));
    p.send(Msg(0x0112));
    p.send(Msg(0xA026, PartPayload(3, 0, "/DCIM/A.MOV:1")));
    p.send(Msg(0xA026, PartPayload(3, 1, "000;/DCIM/")));
    EXPECT_EQ(p.recv_type(), 0x0113u);
  });
  ControlSession s(ConfigFor(peer));
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  std::vector<FileEntry> files;
  ASSERT_TRUE(s.file_list(files, err.out())) << err.message();
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
    p.send(Msg(0xA026, PartPayload(2, 1, "x:1;")));
  });
  SessionConfig c = ConfigFor(peer);
  c.file_list_timeout_ms = 300;
  ControlSession s(c);
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  std::vector<FileEntry> files;
  EXPECT_FALSE(s.file_list(files, err.out()));
  ASSERT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_TIMEOUT)) << err.message();
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
      p.send(Msg(reply));
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
    p.send(Msg(0xA02B, Text("x")));
    p.send(Msg(0x0112));
    p.send(Msg(0xA02C, Text("yz")));
    alive_answered = p.recv_type() == 0x0113;
  });
  ControlSession s(ConfigFor(peer));
  bool handler_called = false;
  s.set_message_handler([&](const RawReply &) { handler_called = true; });
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  std::vector<RawReply> replies;
  const uint8_t payload[] = {1, 2};
  ASSERT_TRUE(s.raw(0xA02A, payload, 400, replies, err.out())) << err.message();
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
  std::vector<RawReply> replies(1);
  EXPECT_TRUE(s.raw(0xA02A, {}, 100, replies, err.out())) << err.message();
  EXPECT_TRUE(replies.empty());
}

TEST(Session, UnknownMessageReachesHandlerAndIsNotFatal) {
  Peer peer;
  ServeLoggedIn(peer, [](Peer &p) {
    p.send(Msg(0xBEEF, Text("hello")));
    EXPECT_EQ(p.recv_type(), 0xA034u);
    p.send(Msg(0xA035, Text("v3")));
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
  std::string v;
  ASSERT_TRUE(s.firmware_version(v, err.out())) << err.message();
  EXPECT_EQ(v, "v3");
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
      p.send(Msg(0x0112));
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
    p.close_client();
  });
  ControlSession s(ConfigFor(peer));
  std::atomic<int> lost_calls{0};
  std::atomic<int> lost_code{-1};
  Flag lost;
  s.set_lost_handler([&](const GError *e) {
    lost_calls++;
    lost_code = e->code;
    lost.set();
  });
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  std::string v;
  EXPECT_FALSE(s.firmware_version(v, err.out()));
  ASSERT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_CONNECTION_LOST)) << err.message();
  EXPECT_NE(err.message().find(Endpoint(peer)), std::string::npos) << err.message();
  ASSERT_TRUE(lost.wait());
  EXPECT_FALSE(s.connected());
  EXPECT_FALSE(s.take_still(err.out()));
  EXPECT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
  s.close();
  EXPECT_EQ(lost_calls.load(), 1);
  EXPECT_EQ(lost_code.load(), int(IPCAM_ERROR_CONNECTION_LOST));
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
  EXPECT_NE(why.find("no byte from the camera for 0.2 s"), std::string::npos) << why;
  EXPECT_FALSE(s.connected());
}

TEST(Session, CloseIsNotALossAndWakesWaitingRequests) {
  Peer peer;
  Flag request_seen;
  ServeLoggedIn(peer, [&](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0xA034u);
    request_seen.set();
  });
  SessionConfig c = ConfigFor(peer);
  c.reply_timeout_ms = 60000;
  ControlSession s(c);
  bool lost_called = false;
  s.set_lost_handler([&](const GError *) { lost_called = true; });
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  ErrorGuard request_err;
  std::thread t([&] {
    std::string v;
    EXPECT_FALSE(s.firmware_version(v, request_err.out()));
  });
  ASSERT_TRUE(request_seen.wait());
  s.close();
  t.join();
  EXPECT_TRUE(g_error_matches(request_err.e, IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << request_err.message();
  s.close();  // idempotent
  EXPECT_FALSE(lost_called);
  EXPECT_FALSE(s.connected());
}

TEST(Session, RequestsFailAtOnceWhenNotConnected) {
  SessionConfig c;
  c.host = "127.0.0.1";
  ControlSession s(c);
  ErrorGuard err;
  std::string v;
  EXPECT_FALSE(s.firmware_version(v, err.out()));
  EXPECT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
  EXPECT_FALSE(s.start_preview(err.out()));
  EXPECT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
  std::vector<RawReply> replies;
  EXPECT_FALSE(s.raw(0xA02A, {}, 1000, replies, err.out()));
  EXPECT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
  s.close();
}

TEST(Session, CancelDuringConnectReturnsPromptly) {
  Peer peer;
  Flag login_seen;
  peer.run([&](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0x0110u);
    login_seen.set();
    p.wait_eof();
  });
  SessionConfig c = ConfigFor(peer);
  c.reply_timeout_ms = 60000;
  ControlSession s(c);
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  std::thread canceller([&] {
    if (login_seen.wait()) g_cancellable_cancel(cancel);
  });
  ErrorGuard err;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(s.connect(cancel, err.out()));
  auto took = std::chrono::steady_clock::now() - start;
  canceller.join();
  EXPECT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_CANCELLED)) << err.message();
  // Far below the 60 s reply timeout: the wait was cancelled, not timed out.
  EXPECT_LT(took, std::chrono::seconds(20));
  EXPECT_FALSE(s.connected());
}

TEST(Session, AlreadyCancelledConnectFailsAtOnce) {
  Peer peer;
  g_autoptr(GCancellable) cancel = g_cancellable_new();
  g_cancellable_cancel(cancel);
  ControlSession s(ConfigFor(peer));
  ErrorGuard err;
  EXPECT_FALSE(s.connect(cancel, err.out()));
  EXPECT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_CANCELLED)) << err.message();
}

TEST(Session, RequestsFromTwoThreadsConcurrently) {
  Peer peer;
  ServeLoggedIn(peer, [](Peer &p) {
    uint32_t t = 0;
    Bytes payload;
    while (p.recv(t, payload)) {
      if (t == 0xA034) p.send(Msg(0xA035, FirmwareInfo("v1.0 rc5")));
      if (t == 0xA025) {
        p.send(Msg(0xA026, PartPayload(2, 1, "B:2;")));
        p.send(Msg(0xA026, PartPayload(2, 0, "A:1;")));
      }
      if (t == 0xA038) p.send(Msg(0xA039));
      if (t == 0xA038) p.send(Msg(0x0112));  // the reader writes too, concurrently
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
      std::string v;
      if (!s.firmware_version(v, &e) || v != "v1.0 rc5") failures++;
      g_clear_error(&e);
      if (!s.take_still(&e)) failures++;
      g_clear_error(&e);
    }
  };
  auto file_lists = [&] {
    for (int i = 0; i < 30; i++) {
      GError *e = nullptr;
      std::vector<FileEntry> files;
      if (!s.file_list(files, &e) || files.size() != 2 || files[0].path != "A") failures++;
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

TEST(Session, ConnectAgainAfterClose) {
  Peer peer;
  ServeLoggedIn(peer, [](Peer &) {});
  ControlSession s(ConfigFor(peer));
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  s.close();
  peer.join();
  EXPECT_FALSE(s.take_still(err.out()));
  EXPECT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
  ServeLoggedIn(peer, [](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0xA038u);
    p.send(Msg(0xA039));
  });
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  EXPECT_TRUE(s.take_still(err.out())) << err.message();
}

TEST(Session, LongUserIsInvalidArgumentNotTruncated) {
  Peer peer;
  peer.run([](Peer &p) { p.wait_eof(); });
  SessionConfig c = ConfigFor(peer);
  c.user = std::string(64, 'u');
  ControlSession s(c);
  ErrorGuard err;
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  EXPECT_TRUE(g_error_matches(err.e, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT)) << err.message();
}
