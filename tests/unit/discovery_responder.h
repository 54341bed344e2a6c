// A camera's discovery listener for the unit tests: bound to the wildcard
// address (a socket bound to 127.0.0.1 would not see broadcasts to
// 127.255.255.255), it records each request and answers it with bytes built
// by hand, from its own socket or from another loopback address, so that
// one test can play several cameras.
#pragma once

#include "ipcam/wire.h"

#include <gio/gio.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ipcam::test {

// 0x0115 with a NUL-padded serial, header built by hand.
inline Bytes SerialAnswer(const std::string &serial, size_t padded = 32) {
  Bytes payload(serial.begin(), serial.end());
  payload.resize(std::max(padded, serial.size()), 0);
  const uint8_t header[8] = {0xAB, 0xCD, uint8_t(payload.size() >> 8), uint8_t(payload.size()), 0x00, 0x00, 0x01, 0x15};
  Bytes b(sizeof header + payload.size());
  std::copy(std::begin(header), std::end(header), b.begin());
  std::copy(payload.begin(), payload.end(), b.begin() + sizeof header);
  return b;
}

inline GSocket *UdpOn(const char *address, uint16_t port = 0) {
  GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr);
  g_autoptr(GInetAddress) a = address ? g_inet_address_new_from_string(address)
                                      : g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(a, port);
  EXPECT_TRUE(g_socket_bind(s, sa, FALSE, nullptr));
  return s;
}

inline GSocket *UdpOnAnyAddress(uint16_t port = 0) { return UdpOn(nullptr, port); }

inline uint16_t LocalPort(GSocket *s) {
  g_autoptr(GSocketAddress) a = g_socket_get_local_address(s, nullptr);
  return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(a));
}

class Responder {
 public:
  // `answer_from`: a loopback address to answer from (e.g. "127.0.0.2",
  // another camera to the asker); null = the listening socket itself.
  explicit Responder(Bytes answer, const char *answer_from = nullptr) : answer_(std::move(answer)) {
    socket_ = UdpOnAnyAddress();
    port_ = LocalPort(socket_);
    if (answer_from) sender_ = UdpOn(answer_from);
    cancel_ = g_cancellable_new();
    thread_ = std::thread([this] { serve(); });
  }
  ~Responder() {
    g_cancellable_cancel(cancel_);
    thread_.join();
    g_object_unref(cancel_);
    if (sender_) g_object_unref(sender_);
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
      g_socket_send_to(sender_ ? sender_ : socket_, from, reinterpret_cast<const gchar *>(answer_.data()),
                       answer_.size(), nullptr, nullptr);
      g_object_unref(from);
    }
  }

  Bytes answer_;
  GSocket *socket_ = nullptr;
  GSocket *sender_ = nullptr;
  GCancellable *cancel_ = nullptr;
  uint16_t port_ = 0;
  std::mutex m_;
  std::vector<Bytes> requests_;
  std::thread thread_;
};

// A port nobody listens on (bound once, then released).
inline uint16_t UnusedPort() {
  GSocket *s = UdpOnAnyAddress();
  uint16_t p = LocalPort(s);
  g_object_unref(s);
  return p;
}

}  // namespace ipcam::test
