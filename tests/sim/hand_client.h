// A test client that builds and reads the camera protocol's bytes BY HAND
// (never through lib/ipcam/wire.h), so an error in the codec cannot hide in
// both the emulator and its tests. Blocking GSockets with timeouts.
#pragma once

#include "camera.h"

#include <gio/gio.h>
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hand {

using Bytes = std::vector<uint8_t>;

inline Bytes control(uint32_t type, const Bytes &payload = {}) {
  Bytes b = {0xAB, 0xCD, uint8_t(payload.size() >> 8), uint8_t(payload.size()),
             uint8_t(type >> 24), uint8_t(type >> 16), uint8_t(type >> 8), uint8_t(type)};
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

inline Bytes login_payload(const std::string &user, const std::string &password) {
  Bytes p(128, 0);
  std::copy(user.begin(), user.end(), p.begin());
  std::copy(password.begin(), password.end(), p.begin() + 64);
  return p;
}

inline uint32_t le32(const uint8_t *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
inline uint16_t be16(const uint8_t *p) { return uint16_t(p[0] << 8 | p[1]); }

struct Message {
  uint32_t type = 0;
  Bytes payload;
};

class TcpClient {
 public:
  explicit TcpClient(uint16_t port) {
    socket_ = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                           nullptr);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, port);
    connected_ = g_socket_connect(socket_, addr, nullptr, nullptr);
  }
  ~TcpClient() { g_object_unref(socket_); }
  TcpClient(const TcpClient &) = delete;
  TcpClient &operator=(const TcpClient &) = delete;

  bool connected() const { return connected_; }
  void send(const Bytes &b) {
    g_socket_send(socket_, reinterpret_cast<const char *>(b.data()), b.size(), nullptr, nullptr);
  }
  void close() { g_socket_close(socket_, nullptr); }

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
  std::optional<Message> read_message(unsigned timeout_ms = 5000) {
    Bytes h;
    if (!read_exact(8, h, timeout_ms)) return std::nullopt;
    EXPECT_EQ(h[0], 0xAB);
    EXPECT_EQ(h[1], 0xCD);
    Message m;
    m.type = uint32_t(h[4]) << 24 | uint32_t(h[5]) << 16 | uint32_t(h[6]) << 8 | h[7];
    if (!read_exact(be16(&h[2]), m.payload, timeout_ms)) return std::nullopt;
    return m;
  }
  // The next message that is not an alive request (answering those).
  std::optional<Message> read_reply(unsigned timeout_ms = 5000) {
    for (;;) {
      auto m = read_message(timeout_ms);
      if (!m || m->type != 0x0112) return m;
      send(control(0x0113));
    }
  }
  // True when the peer closes within the timeout (any bytes are dropped).
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

  // Reads messages until login accepted (answering alive requests); empty
  // when the connection closed or nothing came.
  std::vector<Message> login_rest_or_empty() {
    std::vector<Message> seen;
    while (auto m = read_message()) {
      seen.push_back(*m);
      if (m->type == 0x0112) send(control(0x0113));
      if (m->type == 0x0111) break;
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
  bool fill(int64_t deadline) {
    int64_t left = deadline - g_get_monotonic_time();
    if (left <= 0 || eof_) return false;
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

  GSocket *socket_ = nullptr;
  bool connected_ = false;
  bool eof_ = false;
  Bytes buf_;
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
  std::optional<Bytes> receive(unsigned timeout_ms = 3000, uint16_t *from_port = nullptr) {
    if (!g_socket_condition_timed_wait(socket_, G_IO_IN, int64_t(timeout_ms) * 1000, nullptr,
                                       nullptr))
      return std::nullopt;
    char tmp[65536];
    GSocketAddress *from = nullptr;
    gssize n = g_socket_receive_from(socket_, &from, tmp, sizeof tmp, nullptr, nullptr);
    if (from) {
      if (from_port) *from_port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(from));
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

// A camera for one test: any free ports, replaying the sample stream.
inline ipcam::sim::CameraConfig test_config(uint16_t preview_port = 6669) {
  ipcam::sim::CameraConfig c;
  c.control_port = 0;
  c.http_port = 0;
  c.discovery_ports = {0, 0};
  c.preview_port = preview_port;
  c.samples = false;
  c.seed_set = true;
  c.seed = 1;
  const char *sample = g_getenv("IPCAM_SAMPLE_H264");
  c.h264_file = sample ? sample : "";
  return c;
}

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
