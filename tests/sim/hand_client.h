// The camera protocol's bytes built and read BY HAND (never through
// lib/ipcam/wire.h), so an error in the codec cannot hide in both the code
// under test and its tests. One framing for both sides: TcpClient talks to
// the emulator's control port (tests/sim), Peer plays a camera for
// ControlSession (tests/unit); UdpReceiver takes preview datagrams.
// Blocking GSockets with timeouts. Nothing here needs the emulator; its
// test camera setup is in camera_for_test.h.
#pragma once

#include <gio/gio.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hand {

using Bytes = std::vector<uint8_t>;

// Header: AB CD, u16 BE payload length, u32 BE type.
// Sized up front: GCC 12 misreads a vector insert after the 8 header bytes
// as out of bounds (-Warray-bounds).
inline Bytes control(uint32_t type, const Bytes &payload = {}) {
  const uint8_t header[8] = {0xAB, 0xCD, uint8_t(payload.size() >> 8), uint8_t(payload.size()),
                             uint8_t(type >> 24), uint8_t(type >> 16), uint8_t(type >> 8), uint8_t(type)};
  Bytes b(sizeof header + payload.size());
  std::memcpy(b.data(), header, sizeof header);
  if (!payload.empty()) std::memcpy(b.data() + sizeof header, payload.data(), payload.size());
  return b;
}

inline Bytes login_payload(const std::string &user, const std::string &password) {
  Bytes p(128, 0);
  std::copy(user.begin(), user.end(), p.begin());
  std::copy(password.begin(), password.end(), p.begin() + 64);
  return p;
}

// One file list part (0xA026): u32 LE total, u32 LE index, text.
inline Bytes file_list_part(uint32_t total, uint32_t index, const std::string &text) {
  Bytes b(8 + text.size());
  for (int i = 0; i < 4; i++) {
    b[size_t(i)] = uint8_t(total >> (8 * i));
    b[size_t(4 + i)] = uint8_t(index >> (8 * i));
  }
  std::memcpy(b.data() + 8, text.data(), text.size());
  return b;
}

// Firmware info (0xA035) as captured: 80 bytes of u32 fields, the version
// text from byte 80.
inline Bytes firmware_info(const std::string &version) {
  Bytes b(112, 0);
  b[0] = 7;
  std::memcpy(b.data() + 80, version.data(), version.size());
  return b;
}

// The firmware info of a CamPark ACT76 as one published capture shows it
// (protocol.md), header included.
inline Bytes act76_firmware_info_message() {
  Bytes m = {0xAB, 0xCD, 0x00, 0x70, 0x00, 0x00, 0xA0, 0x35};
  const uint32_t fields[20] = {1, 0, 0, 1, 1, 4, 0, 0, 0, 3, 0, 0, 0, 1, 1, 0, 0, 8, 0, 0};
  for (uint32_t f : fields)
    for (int i = 0; i < 4; i++) m.push_back(uint8_t(f >> (8 * i)));
  const char version[] = "v1.0 rc5";
  m.insert(m.end(), version, version + 8);
  m.resize(8 + 112, 0);
  return m;
}

inline uint32_t le32(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
inline uint16_t be16(const uint8_t *p) { return uint16_t(p[0] << 8 | p[1]); }

struct Message {
  uint32_t type = 0;
  Bytes payload;
};

// One TCP connection's input, read by hand: whatever arrived and was not
// taken yet stays in a buffer, so messages split across reads or several in
// one read come out the same. Owns its socket.
class Stream {
 public:
  Stream(const Stream &) = delete;
  Stream &operator=(const Stream &) = delete;

  // Reads exactly n bytes; false on timeout or EOF (eof() then tells).
  bool read_exact(size_t n, Bytes &out, unsigned timeout_ms = 5000) {
    int64_t deadline = g_get_monotonic_time() + int64_t(timeout_ms) * 1000;
    while (buf_.size() < n) {
      if (!fill(deadline)) return false;
    }
    out.assign(buf_.begin(), buf_.begin() + ptrdiff_t(n));
    buf_.erase(buf_.begin(), buf_.begin() + ptrdiff_t(n));
    return true;
  }
  // The next whole message; nothing on timeout, EOF or bytes that are not a
  // control message (a test failure: both sides only ever send messages).
  // `raw`, if given, receives the message's bytes as they came.
  std::optional<Message> read_message(unsigned timeout_ms = 5000, Bytes *raw = nullptr) {
    int64_t deadline = g_get_monotonic_time() + int64_t(timeout_ms) * 1000;
    while (buf_.size() < 8) {
      if (!fill(deadline)) return std::nullopt;
    }
    if (buf_[0] != 0xAB || buf_[1] != 0xCD) {
      ADD_FAILURE() << "not a control message: starts " << int(buf_[0]) << " " << int(buf_[1]);
      return std::nullopt;
    }
    size_t len = be16(&buf_[2]);
    while (buf_.size() < 8 + len) {
      if (!fill(deadline)) return std::nullopt;
    }
    Message m;
    m.type = uint32_t(buf_[4]) << 24 | uint32_t(buf_[5]) << 16 | uint32_t(buf_[6]) << 8 | buf_[7];
    m.payload.assign(buf_.begin() + 8, buf_.begin() + ptrdiff_t(8 + len));
    if (raw) raw->assign(buf_.begin(), buf_.begin() + ptrdiff_t(8 + len));
    buf_.erase(buf_.begin(), buf_.begin() + ptrdiff_t(8 + len));
    return m;
  }
  // True when the other side closes within the timeout (any bytes are dropped).
  bool closed_within(unsigned timeout_ms, Bytes *received = nullptr) {
    int64_t deadline = g_get_monotonic_time() + int64_t(timeout_ms) * 1000;
    while (!eof_) {
      if (!fill(deadline) && !eof_) return false;
    }
    if (received) *received = buf_;
    return true;
  }
  bool eof() const { return eof_; }
  const Bytes &pending() const { return buf_; }

  // Sends all of `b`; false when the connection is gone.
  bool send_all(const Bytes &b) {
    size_t off = 0;
    while (off < b.size()) {
      gssize n = g_socket_send(socket_, reinterpret_cast<const gchar *>(b.data() + off), b.size() - off,
                               nullptr, nullptr);
      if (n <= 0) return false;
      off += size_t(n);
    }
    return true;
  }
  void close() {
    if (socket_) g_socket_close(socket_, nullptr);
  }

 protected:
  Stream() = default;
  ~Stream() { attach(nullptr); }

  // Takes over `s` (may be null), forgetting the previous connection.
  void attach(GSocket *s) {
    if (socket_) g_object_unref(socket_);
    socket_ = s;
    buf_.clear();
    eof_ = false;
  }
  GSocket *socket() const { return socket_; }

  bool fill(int64_t deadline) {
    int64_t left = deadline - g_get_monotonic_time();
    if (!socket_ || left <= 0 || eof_) return false;
    if (!g_socket_condition_timed_wait(socket_, G_IO_IN, left, nullptr, nullptr)) return false;
    char tmp[8192];
    gssize n = g_socket_receive(socket_, tmp, sizeof tmp, nullptr, nullptr);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.insert(buf_.end(), tmp, tmp + n);
    return true;
  }

 private:
  GSocket *socket_ = nullptr;
  bool eof_ = false;
  Bytes buf_;
};

// A client of a camera's control port on loopback.
class TcpClient : public Stream {
 public:
  explicit TcpClient(uint16_t port, const char *ip = "127.0.0.1") {
    attach(g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr));
    g_autoptr(GInetAddress) lo = g_inet_address_new_from_string(ip);
    g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, port);
    connected_ = g_socket_connect(socket(), addr, nullptr, nullptr);
  }

  bool connected() const { return connected_; }
  // Errors are the test's to see in what comes back (a camera may have hung
  // up on purpose).
  void send(const Bytes &b) { send_all(b); }

  // The next message that is not an alive request (answering those).
  std::optional<Message> read_reply(unsigned timeout_ms = 5000) {
    for (;;) {
      auto m = read_message(timeout_ms);
      if (!m || m->type != 0x0112) return m;
      send(control(0x0113));
    }
  }

  // Reads messages until login accepted (answering alive requests); empty
  // when the connection closed or nothing came.
  std::vector<Message> login_rest_or_empty() {
    std::vector<Message> seen;
    while (auto m = read_message()) {
      seen.push_back(*m);
      if (m->type == 0x0112) send(control(0x0113));
      if (m->type == 0x0111 || m->type == 0x1234) break;  // accepted, or busy
    }
    return seen;
  }

  // Login by hand; returns the messages up to and including login accepted.
  std::vector<Message> login(const std::string &user = "admin", const std::string &pw = "12345") {
    send(control(0x0110, login_payload(user, pw)));
    auto seen = login_rest_or_empty();
    if (seen.empty()) seen.push_back(Message{});
    return seen;
  }

 private:
  bool connected_ = false;
};

// The camera side, for ControlSession's tests: listens on 127.0.0.1 (any
// port), accepts one client and runs the test's script on its own thread.
class Peer : public Stream {
 public:
  // How long the peer waits for the client to connect or to send more.
  static constexpr unsigned kWaitMs = 10000;

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
  // True once a client's connect to this port hangs unanswered, which the
  // kernel shows as SYN_SENT (state 02) towards it in /proc/net/tcp; false
  // if none does within the timeout.
  bool connect_hangs_within(unsigned timeout_ms) const {
    g_autofree char *remote = g_strdup_printf("0100007F:%04X", port_);
    const int64_t give_up = g_get_monotonic_time() + int64_t(timeout_ms) * 1000;
    for (;;) {
      g_autofree char *table = nullptr;
      if (g_file_get_contents("/proc/net/tcp", &table, nullptr, nullptr)) {
        g_auto(GStrv) rows = g_strsplit(table, "\n", -1);
        for (char **row = rows; *row; row++) {
          g_auto(GStrv) f = g_strsplit_set(g_strstrip(*row), " ", -1);
          std::vector<std::string> fields;
          for (char **x = f; *x; x++)
            if (**x) fields.emplace_back(*x);
          if (fields.size() > 3 && fields[2] == remote && fields[3] == "02") return true;
        }
      }
      if (g_get_monotonic_time() >= give_up) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  void stop_listening() { g_socket_close(listener_, nullptr); }

  void run(std::function<void(Peer &)> script) {
    thread_ = std::thread([this, script] {
      if (accept()) script(*this);
    });
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  void send(const Bytes &b) {
    ASSERT_NE(socket(), nullptr);
    ASSERT_TRUE(send_all(b));
  }
  // Sends in pieces a little apart, so the client most likely sees them in
  // separate reads. The pause is pacing, not a wait for a result: the client
  // must reassemble the same messages however the pieces arrive.
  void send_split(const Bytes &b, size_t piece) {
    for (size_t off = 0; off < b.size(); off += piece) {
      send(Bytes(b.begin() + ptrdiff_t(off), b.begin() + ptrdiff_t(std::min(b.size(), off + piece))));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // The next message from the client. False on EOF, timeout or bad bytes.
  bool recv(uint32_t &type, Bytes &payload) {
    auto m = read_message(kWaitMs, &last_raw_);
    if (!m) return false;
    type = m->type;
    payload = std::move(m->payload);
    return true;
  }
  uint32_t recv_type() {
    uint32_t t = 0;
    Bytes p;
    return recv(t, p) ? t : 0;
  }
  // The bytes of the message recv() returned last, header included.
  const Bytes &last_raw() const { return last_raw_; }

  // Reads until the client closes, or sends nothing for kWaitMs.
  bool wait_eof() {
    while (fill(g_get_monotonic_time() + int64_t(kWaitMs) * 1000)) {
    }
    return eof();
  }

  // The login as real cameras do it: alive request before login accepted.
  bool login() {
    uint32_t t = 0;
    Bytes p;
    if (!recv(t, p) || t != 0x0110) return false;
    send(control(0x0112));
    if (recv_type() != 0x0113) return false;
    send(control(0x0111, p));
    return true;
  }

 private:
  bool accept() {
    attach(nullptr);
    if (!g_socket_condition_timed_wait(listener_, G_IO_IN, int64_t(kWaitMs) * 1000, nullptr, nullptr))
      return false;
    attach(g_socket_accept(listener_, nullptr, nullptr));
    return socket() != nullptr;
  }

  GSocket *listener_ = nullptr;
  GSocket *filler_ = nullptr;
  uint16_t port_ = 0;
  Bytes last_raw_;
  std::thread thread_;
};

class UdpReceiver {
 public:
  explicit UdpReceiver(const char *ip = "127.0.0.1") {
    socket_ = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                           nullptr);
    g_socket_set_option(socket_, SOL_SOCKET, SO_RCVBUF, 4 << 20, nullptr);
    g_socket_set_broadcast(socket_, TRUE);
    g_autoptr(GInetAddress) a = g_inet_address_new_from_string(ip);
    g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(a, 0);
    g_socket_bind(socket_, addr, FALSE, nullptr);
    g_autoptr(GSocketAddress) local = g_socket_get_local_address(socket_, nullptr);
    port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
  }
  ~UdpReceiver() { g_object_unref(socket_); }
  UdpReceiver(const UdpReceiver &) = delete;
  UdpReceiver &operator=(const UdpReceiver &) = delete;

  uint16_t port() const { return port_; }
  std::optional<Bytes> receive(unsigned timeout_ms = 3000, uint16_t *from_port = nullptr,
                              std::string *from_ip = nullptr) {
    if (!g_socket_condition_timed_wait(socket_, G_IO_IN, int64_t(timeout_ms) * 1000, nullptr,
                                       nullptr))
      return std::nullopt;
    char tmp[65536];
    GSocketAddress *from = nullptr;
    gssize n = g_socket_receive_from(socket_, &from, tmp, sizeof tmp, nullptr, nullptr);
    if (from) {
      if (from_port) *from_port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(from));
      if (from_ip) {
        g_autofree char *ip = g_inet_address_to_string(
            g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(from)));
        *from_ip = ip;
      }
      g_object_unref(from);
    }
    if (n < 0) return std::nullopt;
    return Bytes(tmp, tmp + n);
  }
  void send_to(const char *ip, uint16_t port, const Bytes &b) {
    g_autoptr(GInetAddress) a = g_inet_address_new_from_string(ip);
    g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(a, port);
    g_socket_send_to(socket_, addr, reinterpret_cast<const char *>(b.data()), b.size(), nullptr,
                     nullptr);
  }

 private:
  GSocket *socket_ = nullptr;
  uint16_t port_ = 0;
};

// Parses "path:size;..." by hand.
inline std::vector<std::pair<std::string, uint64_t>> parse_list(const std::string &text) {
  std::vector<std::pair<std::string, uint64_t>> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find(';', i);
    if (end == std::string::npos) end = text.size();
    std::string entry = text.substr(i, end - i);
    size_t colon = entry.rfind(':');
    if (colon != std::string::npos)
      out.emplace_back(entry.substr(0, colon), std::stoull(entry.substr(colon + 1)));
    i = end + 1;
  }
  return out;
}

// Requests the file list and joins its parts (checking their headers).
inline std::string file_list(TcpClient &c) {
  c.send(control(0xA025, {1, 0, 0, 0}));
  std::string text;
  uint32_t total = 1;
  for (uint32_t i = 0; i < total; ++i) {
    auto m = c.read_reply(10000);
    EXPECT_TRUE(m.has_value());
    if (!m) return text;
    EXPECT_EQ(m->type, 0xA026u);
    EXPECT_GE(m->payload.size(), 8u);
    total = le32(&m->payload[0]);
    EXPECT_EQ(le32(&m->payload[4]), i);
    text.append(m->payload.begin() + 8, m->payload.end());
  }
  return text;
}

}  // namespace hand
