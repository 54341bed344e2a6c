// ControlSession's private state, shared by its source files (session.cpp:
// lifetime; session-connect.cpp: TCP connect and login; session-reader.cpp:
// the reader thread; session-requests.cpp: sending and waiting for replies;
// session-settings.cpp: the phone app's requests of the command map).
// Not installed: nothing outside libipcam may depend on this layout.
#pragma once

#include "ipcam/session.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace ipcam::session_detail {

using Clock = std::chrono::steady_clock;

struct GObjectUnref {
  void operator()(gpointer p) const {
    if (p) g_object_unref(p);
  }
};
template <typename T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

template <typename T>
GPtr<T> ref(T *p) {
  return GPtr<T>(p ? static_cast<T *>(g_object_ref(p)) : nullptr);
}

// "5 s" / "0.3 s" for messages.
inline std::string seconds_text(unsigned ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  g_autofree char *s = g_strdup_printf("%.1f s", ms / 1000.0);
  return s;
}

inline const char *type_name(uint32_t type) {
  const char *n = message_type_name(type);
  return n ? n : "unknown";
}

inline gint64 remaining_us(Clock::time_point deadline) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()).count();
  return us > 0 ? us : 0;
}

// A request waiting for its reply; lives on the requesting thread's stack.
struct Waiter {
  enum class Kind { kOne, kFileList, kAll };
  Kind kind = Kind::kOne;
  uint32_t reply_type = 0;
  bool done = false;
  GError *error = nullptr;
  RawReply reply;
  FileListAssembler files;
  std::vector<RawReply> all;
  size_t all_bytes = 0;  // payload bytes in `all`
  ~Waiter() { g_clear_error(&error); }
};

// session-connect.cpp: how one connect attempt ended, and the state of the
// login exchange.
struct ConnectOutcome;
struct LoginExchange;

}  // namespace ipcam::session_detail

namespace ipcam {

struct ControlSession::Impl {
  using Clock = session_detail::Clock;
  template <typename T>
  using GPtr = session_detail::GPtr<T>;
  using Waiter = session_detail::Waiter;

  explicit Impl(SessionConfig c) : config(std::move(c)) {
    endpoint = config.endpoint.address + ":" + std::to_string(config.endpoint.control_port);
  }

  enum class State { kIdle, kConnecting, kUp, kLost, kClosed };

  SessionConfig config;
  std::string endpoint;  // host:port, for messages

  mutable std::mutex mutex;  // state, waiters, handlers, addresses
  std::condition_variable cv;
  State state = State::kIdle;
  std::list<Waiter *> waiters;
  MessageHandler on_message;
  LostHandler on_lost;
  EventHandler on_event;
  // This session sent start preview (close() then sends stop preview).
  bool preview_started = false;
  // The reader has seen the connection end, lost or not (set_wifi_password
  // waits for the camera to hang up).
  bool link_ended = false;
  std::string peer, local;
  // Guarded by `mutex`, not write_mutex: close() must reach it while a send
  // blocked on a camera that stopped reading holds write_mutex.
  GPtr<GCancellable> io_cancel;

  // Guarded by write_mutex: one writer at a time, and close() cannot free
  // the connection under a send.
  std::mutex write_mutex;
  GPtr<GSocketConnection> connection;
  GSocket *socket = nullptr;  // owned by connection

  // Guarded by join_mutex, which close() holds while it joins: close() may
  // come from two threads at once (an element's unlock() and its streaming
  // thread), and a thread joined twice hangs or aborts the process.
  std::mutex join_mutex;
  std::thread reader;
  // The running reader's id, readable without join_mutex: a handler that
  // calls close() on the reader thread must not wait for a join of itself.
  std::atomic<std::thread::id> reader_id{};
  // Unknown message types seen this session (reader thread, then close()).
  uint64_t unknown_seen = 0;

  // session-requests.cpp
  bool send_message(uint32_t type, ByteView payload, GError **error);
  bool not_connected(GError **error) const;
  bool request(uint32_t type, ByteView payload, Waiter &w, unsigned timeout_ms, GError **error);
  // session-settings.cpp
  std::optional<int32_t> result_request(uint32_t type, ByteView payload, unsigned timeout_ms, GError **error);
  bool zero_result(uint32_t type, ByteView payload, const char *what, unsigned timeout_ms, GError **error);
  bool send_and_hang_up(uint32_t type, ByteView payload, GError **error);
  void stop_preview_before_close();
  // session-connect.cpp
  using ConnectOutcome = session_detail::ConnectOutcome;
  using LoginExchange = session_detail::LoginExchange;
  bool tcp_connect(GCancellable *cancel, GError **error);
  void take_connection(GPtr<GSocketConnection> conn);
  void set_connect_error(const ConnectOutcome &out, GCancellable *cancel, GError **error);
  bool login(GSocket *sock, GCancellable *cancel, Bytes &rest, GError **error);
  enum class LoginRead { kData, kAgain, kFailed };     // kAgain: nothing to read after all
  enum class LoginStep { kGoOn, kAccepted, kFailed };  // what the messages so far mean
  bool send_during_login(uint32_t type, ByteView payload, GError **error);
  bool wait_for_login_bytes(const LoginExchange &x, GError **error);
  LoginRead receive_login_bytes(LoginExchange &x, GError **error);
  bool within_login_cap(const LoginExchange &x, GError **error);
  LoginStep take_login_messages(LoginExchange &x, GError **error);
  LoginStep on_login_message(LoginExchange &x, const ControlParseResult &r, GError **error);
  // session-reader.cpp
  void reader_main(GPtr<GSocket> sock, GPtr<GCancellable> cancel, Bytes buf);
  bool dispatch(uint32_t type, ByteView payload);
  bool keep_raw(Waiter &w, uint32_t type, ByteView payload);
  void log_unknown(uint32_t type, ByteView payload);
  void lose(const std::string &why);
  void fail_waiters(IpcamError code, const char *message);
};

}  // namespace ipcam
