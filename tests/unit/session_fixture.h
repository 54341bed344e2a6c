// What ControlSession's tests share: the hand-built camera (hand::Peer from
// tests/sim/hand_client.h, the same framing the emulator's tests use), a
// session config pointed at it, and a one-shot signal between the peer's
// thread and the test.
#pragma once

#include "ipcam/error.h"
#include "hand_client.h"
#include "ipcam/session.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <string>

namespace ipcam::test {

using hand::control;
using hand::file_list_part;
using hand::firmware_info;
using hand::Peer;

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

inline Bytes Text(const std::string &s) { return Bytes(s.begin(), s.end()); }

inline Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto &p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline SessionConfig ConfigFor(const Peer &peer) {
  SessionConfig c;
  c.endpoint.address = "127.0.0.1";
  c.endpoint.control_port = peer.port();
  c.keepalive_interval_ms = 0;  // so the wire carries only what a test asks for
  c.idle_timeout_ms = 0;
  return c;
}

inline std::string Endpoint(const Peer &peer) { return "127.0.0.1:" + std::to_string(peer.port()); }

// Logs in, then runs `after` and waits for the client to close.
inline void ServeLoggedIn(Peer &peer, std::function<void(Peer &)> after) {
  peer.run([after](Peer &p) {
    ASSERT_TRUE(p.login());
    after(p);
    p.wait_eof();
  });
}

}  // namespace ipcam::test
