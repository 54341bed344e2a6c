// ControlSession: see session.h. One GSocket per session; connect() logs in
// on the caller's thread, then a reader thread owns every read, answers alive
// requests, sends the own keep-alive and hands replies to waiting requests.
#include "ipcam/session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <chrono>
#include <condition_variable>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

namespace ipcam {

namespace {

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
std::string seconds_text(unsigned ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  g_autofree char *s = g_strdup_printf("%.1f s", ms / 1000.0);
  return s;
}

// What a foreign device sent, for the NOT_IPCAM message: hex plus the
// printable characters (an HTTP server is recognisable at a glance).
std::string foreign_bytes_text(ByteView b) {
  std::string text;
  for (size_t i = 0; i < b.size() && i < 24; i++) text += g_ascii_isprint(b[i]) ? char(b[i]) : '.';
  return hex_dump(b, 16) + " \"" + text + "\"";
}

const char *type_name(uint32_t type) {
  const char *n = message_type_name(type);
  return n ? n : "unknown";
}

gint64 remaining_us(Clock::time_point deadline) {
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
  ~Waiter() { g_clear_error(&error); }
};

}  // namespace

struct ControlSession::Impl {
  explicit Impl(SessionConfig c) : config(std::move(c)) {
    endpoint = config.host + ":" + std::to_string(config.port);
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
  std::string peer, local;

  // Guarded by write_mutex: one writer at a time, and close() cannot free
  // the connection under a send.
  std::mutex write_mutex;
  GPtr<GSocketConnection> connection;
  GSocket *socket = nullptr;  // owned by connection
  GPtr<GCancellable> io_cancel;

  std::thread reader;

  bool send_message(uint32_t type, ByteView payload, GError **error);
  bool tcp_connect(GCancellable *cancel, GError **error);
  bool login(GSocket *sock, GCancellable *cancel, Bytes &rest, GError **error);
  void reader_main(GPtr<GSocket> sock, GPtr<GCancellable> cancel, Bytes buf);
  bool dispatch(uint32_t type, ByteView payload);
  void lose(const std::string &why);
  void fail_waiters(IpcamError code, const char *message);
  bool not_connected(GError **error) const;
  bool request(uint32_t type, ByteView payload, Waiter &w, unsigned timeout_ms, GError **error);
};

bool ControlSession::Impl::not_connected(GError **error) const {
  g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED,
              "Not connected to the camera at %s: connect first (or again, after the connection "
              "was lost or closed)",
              endpoint.c_str());
  return false;
}

// Caller holds `mutex`.
void ControlSession::Impl::fail_waiters(IpcamError code, const char *message) {
  for (Waiter *w : waiters) {
    if (w->done) continue;
    w->done = true;
    g_clear_error(&w->error);
    w->error = g_error_new_literal(IPCAM_ERROR, code, message);
  }
  cv.notify_all();
}

bool ControlSession::Impl::send_message(uint32_t type, ByteView payload, GError **error) {
  Bytes m;
  if (!encode_control(type, payload, m)) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                "message payload of %zu bytes is longer than the protocol allows (%zu)",
                payload.size(), kControlMaxPayload);
    return false;
  }
  std::lock_guard<std::mutex> lock(write_mutex);
  if (!socket) return not_connected(error);
  size_t off = 0;
  while (off < m.size()) {
    GError *e = nullptr;
    gssize n = g_socket_send(socket, reinterpret_cast<const gchar *>(m.data() + off), m.size() - off,
                             io_cancel.get(), &e);
    if (n < 0) {
      if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANCELLED,
                    "Sending to the camera at %s was cancelled: the session is closing", endpoint.c_str());
      } else {
        g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CONNECTION_LOST,
                    "Lost the connection to the camera at %s while sending %s: %s. Check that the "
                    "camera is on and in WiFi range, then connect again",
                    endpoint.c_str(), type_name(type), e->message);
      }
      g_error_free(e);
      return false;
    }
    off += size_t(n);
  }
  g_debug("sent %s (0x%04x), %zu bytes of payload", type_name(type), type, payload.size());
  return true;
}

// GSocketClient with a millisecond timeout: the async connect runs on a
// private main context that this thread iterates until it finishes.
bool ControlSession::Impl::tcp_connect(GCancellable *cancel, GError **error) {
  struct Attempt {
    bool finished = false;
    bool timed_out = false;
    GSocketConnection *conn = nullptr;
    GError *error = nullptr;
    GCancellable *cancel = nullptr;
  } at;
  GPtr<GCancellable> attempt_cancel(g_cancellable_new());
  at.cancel = attempt_cancel.get();
  gulong link = g_cancellable_connect(
      cancel, G_CALLBACK(+[](GCancellable *, gpointer c) { g_cancellable_cancel(G_CANCELLABLE(c)); }),
      attempt_cancel.get(), nullptr);

  GMainContext *ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  GPtr<GSocketClient> client(g_socket_client_new());
  // A camera is on the local WiFi: never ask the system proxy resolver.
  g_socket_client_set_enable_proxy(client.get(), FALSE);
  g_socket_client_connect_to_host_async(
      client.get(), config.host.c_str(), config.port, attempt_cancel.get(),
      +[](GObject *src, GAsyncResult *res, gpointer data) {
        auto *a = static_cast<Attempt *>(data);
        a->conn = g_socket_client_connect_to_host_finish(G_SOCKET_CLIENT(src), res, &a->error);
        a->finished = true;
      },
      &at);
  GSource *timer = nullptr;
  if (config.connect_timeout_ms) {
    timer = g_timeout_source_new(config.connect_timeout_ms);
    g_source_set_callback(
        timer,
        +[](gpointer data) -> gboolean {
          auto *a = static_cast<Attempt *>(data);
          a->timed_out = true;
          g_cancellable_cancel(a->cancel);
          return G_SOURCE_REMOVE;
        },
        &at, nullptr);
    g_source_attach(timer, ctx);
  }
  while (!at.finished) g_main_context_iteration(ctx, TRUE);
  if (timer) {
    g_source_destroy(timer);
    g_source_unref(timer);
  }
  client.reset();
  g_main_context_pop_thread_default(ctx);
  g_main_context_unref(ctx);
  g_cancellable_disconnect(cancel, link);

  if (at.conn) {
    GPtr<GSocketConnection> conn(at.conn);
    GSocket *sock = g_socket_connection_get_socket(conn.get());
    g_socket_set_blocking(sock, TRUE);
    g_socket_set_option(sock, IPPROTO_TCP, TCP_NODELAY, 1, nullptr);
    std::string peer_text, local_text;
    g_autoptr(GSocketAddress) ra = g_socket_get_remote_address(sock, nullptr);
    g_autoptr(GSocketAddress) la = g_socket_get_local_address(sock, nullptr);
    if (ra && G_IS_INET_SOCKET_ADDRESS(ra)) {
      g_autofree char *s = g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(ra)));
      peer_text = s;
    }
    if (la && G_IS_INET_SOCKET_ADDRESS(la)) {
      g_autofree char *s = g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(la)));
      local_text = s;
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      peer = peer_text;
      local = local_text;
    }
    std::lock_guard<std::mutex> lock(write_mutex);
    socket = sock;
    connection = std::move(conn);
    return true;
  }
  if (g_cancellable_is_cancelled(cancel)) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANCELLED, "Connecting to the camera at %s was cancelled",
                endpoint.c_str());
  } else if (at.timed_out) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_TIMEOUT,
                "No answer from %s within %s: the camera is off, out of WiFi range, or the address is "
                "wrong. Join the camera's WiFi and check the address",
                endpoint.c_str(), seconds_text(config.connect_timeout_ms).c_str());
  } else {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANNOT_CONNECT,
                "Cannot connect to the camera at %s: %s. Check that this computer is on the camera's "
                "WiFi, the address and the control port (6666 on real cameras)",
                endpoint.c_str(), at.error->message);
  }
  g_clear_error(&at.error);
  return false;
}

// Sends login and waits for login accepted, answering the alive request that
// cameras send in between. Messages after login accepted stay in `rest`.
bool ControlSession::Impl::login(GSocket *sock, GCancellable *cancel, Bytes &rest, GError **error) {
  Bytes payload;
  if (!encode_login(config.user, config.password, payload, error)) return false;
  const std::string next = "wrong user or password, or another client (the phone app?) is "
                           "connected. Check the user and password, and close other apps that "
                           "use the camera";
  // A send that fails during login means the camera dropped us: refused.
  auto send_or_refused = [&](uint32_t type) {
    GError *e = nullptr;
    if (send_message(type, type == msg::kLogin ? ByteView(payload) : ByteView(), &e)) return true;
    if (g_error_matches(e, IPCAM_ERROR, IPCAM_ERROR_CONNECTION_LOST)) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_LOGIN_REFUSED,
                  "The camera at %s dropped the connection during login as user \"%s\": %s", endpoint.c_str(),
                  config.user.c_str(), next.c_str());
      g_error_free(e);
    } else {
      g_propagate_error(error, e);
    }
    return false;
  };
  if (!send_or_refused(msg::kLogin)) return false;

  const auto deadline = Clock::now() + std::chrono::milliseconds(config.reply_timeout_ms);
  Bytes buf, early;  // `early`: messages before login accepted, for the handler later
  uint8_t tmp[4096];
  for (;;) {
    GError *e = nullptr;
    if (!g_socket_condition_timed_wait(sock, G_IO_IN, remaining_us(deadline), cancel, &e)) {
      if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
        g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_TIMEOUT,
                    "No answer to login from %s within %s: not an ipcam camera, or it is busy. Check "
                    "the address and port, and close other apps that use the camera",
                    endpoint.c_str(), seconds_text(config.reply_timeout_ms).c_str());
      } else {
        g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANCELLED, "Logging in to %s: %s", endpoint.c_str(),
                    e->message);
      }
      g_error_free(e);
      return false;
    }
    gssize n = g_socket_receive(sock, reinterpret_cast<gchar *>(tmp), sizeof tmp, cancel, &e);
    if (n < 0 && g_error_matches(e, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
      g_error_free(e);
      continue;
    }
    if (n < 0 && g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANCELLED, "Logging in to %s was cancelled",
                  endpoint.c_str());
      g_error_free(e);
      return false;
    }
    if (n <= 0) {
      // The byte pattern of a refusal is unknown; a camera that does not
      // want us closes the connection.
      std::string how = n == 0 ? "closed the connection" : std::string("dropped the connection (") + e->message + ")";
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_LOGIN_REFUSED, "The camera at %s %s after login as user \"%s\": %s",
                  endpoint.c_str(), how.c_str(), config.user.c_str(), next.c_str());
      g_clear_error(&e);
      return false;
    }
    buf.insert(buf.end(), tmp, tmp + n);
    for (;;) {
      ControlParseResult r = parse_control(buf);
      if (r.status == ControlParseStatus::kBadMagic) {
        g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_NOT_IPCAM,
                    "%s is not an ipcam camera: it answered login with bytes that are not this "
                    "protocol (%s). Check the address and the control port (6666 on real cameras)",
                    endpoint.c_str(), foreign_bytes_text(buf).c_str());
        return false;
      }
      if (r.status == ControlParseStatus::kNeedMore) break;
      if (r.type == msg::kAliveRequest) {
        if (!send_or_refused(msg::kAliveResponse)) return false;
      } else if (r.type == msg::kLoginAccepted) {
        rest = std::move(early);
        rest.insert(rest.end(), buf.begin() + ptrdiff_t(r.consumed), buf.end());
        g_debug("logged in to %s as \"%s\"", endpoint.c_str(), config.user.c_str());
        return true;
      } else {
        g_debug("%s (0x%04x) before login accepted", type_name(r.type), r.type);
        early.insert(early.end(), buf.begin(), buf.begin() + ptrdiff_t(r.consumed));
      }
      buf.erase(buf.begin(), buf.begin() + ptrdiff_t(r.consumed));
    }
  }
}

// Returns true when someone waited for the message (it then does not go to
// the message handler).
bool ControlSession::Impl::dispatch(uint32_t type, ByteView payload) {
  if (type == msg::kAliveRequest) {
    g_debug("alive request from %s", endpoint.c_str());
    GError *e = nullptr;
    if (!send_message(msg::kAliveResponse, {}, &e)) {
      g_debug("answering alive request: %s", e->message);
      g_error_free(e);
    }
    return true;
  }
  bool taken = false, answered = false;
  MessageHandler handler;
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (Waiter *w : waiters) {
      if (w->done) continue;
      if (w->kind == Waiter::Kind::kAll) {
        w->all.push_back(RawReply{type, Bytes(payload.begin(), payload.end())});
        taken = true;
        continue;
      }
      // One typed waiter per message, oldest first (replies come in order).
      if (answered || w->reply_type != type) continue;
      answered = taken = true;
      if (w->kind == Waiter::Kind::kOne) {
        w->reply = RawReply{type, Bytes(payload.begin(), payload.end())};
        w->done = true;
      } else if (!w->files.add(payload, &w->error) || w->files.complete()) {
        w->done = true;
      }
    }
    if (taken)
      cv.notify_all();
    else
      handler = on_message;
  }
  if (!taken) {
    if (message_type_name(type))
      g_debug("unsolicited %s (0x%04x) from %s, %zu bytes", type_name(type), type, endpoint.c_str(),
              payload.size());
    else
      g_message("unknown message type 0x%04x from %s, %zu bytes: %s", type, endpoint.c_str(),
                payload.size(), hex_dump(payload).c_str());
    if (handler) handler(RawReply{type, Bytes(payload.begin(), payload.end())});
  }
  return taken;
}

void ControlSession::Impl::lose(const std::string &why) {
  LostHandler handler;
  GError *error = g_error_new(IPCAM_ERROR, IPCAM_ERROR_CONNECTION_LOST,
                              "Lost the connection to the camera at %s: %s. Check that the camera "
                              "is on and in WiFi range, then connect again",
                              endpoint.c_str(), why.c_str());
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (state != State::kUp) {  // close() is under way: not a loss
      g_error_free(error);
      return;
    }
    state = State::kLost;
    fail_waiters(IPCAM_ERROR_CONNECTION_LOST, error->message);
    handler = on_lost;
  }
  g_message("%s", error->message);
  if (handler) handler(error);
  g_error_free(error);
}

void ControlSession::Impl::reader_main(GPtr<GSocket> sock, GPtr<GCancellable> cancel, Bytes buf) {
  using std::chrono::milliseconds;
  const auto keepalive = milliseconds(config.keepalive_interval_ms);
  const auto idle = milliseconds(config.idle_timeout_ms);
  auto last_rx = Clock::now();
  auto next_keepalive = last_rx + keepalive;
  uint8_t tmp[4096];
  bool have_new = !buf.empty();
  for (;;) {
    if (have_new) {
      size_t off = 0;
      for (;;) {
        ControlParseResult r = parse_control(ByteView(buf).subspan(off));
        if (r.status == ControlParseStatus::kNeedMore) break;
        if (r.status == ControlParseStatus::kBadMagic) {
          lose("the camera sent bytes that are not a control message (" +
               hex_dump(ByteView(buf).subspan(off), 16) + ")");
          return;
        }
        dispatch(r.type, r.payload);
        off += r.consumed;
      }
      buf.erase(buf.begin(), buf.begin() + ptrdiff_t(off));
      have_new = false;
    }

    auto now = Clock::now();
    if (config.keepalive_interval_ms && now >= next_keepalive) {
      GError *e = nullptr;
      if (!send_message(msg::kAliveResponse, {}, &e)) {
        bool cancelled = g_error_matches(e, IPCAM_ERROR, IPCAM_ERROR_CANCELLED);
        std::string why = e->message;
        g_error_free(e);
        if (!cancelled) lose(why);
        return;
      }
      next_keepalive = now + keepalive;
    }
    if (config.idle_timeout_ms && now - last_rx >= idle) {
      lose("no byte from the camera for " + seconds_text(config.idle_timeout_ms));
      return;
    }
    gint64 wait_us = -1;
    auto until = Clock::time_point::max();
    if (config.keepalive_interval_ms) until = std::min(until, next_keepalive);
    if (config.idle_timeout_ms) until = std::min(until, last_rx + idle);
    if (until != Clock::time_point::max()) wait_us = std::max<gint64>(1000, remaining_us(until));

    GError *e = nullptr;
    if (!g_socket_condition_timed_wait(sock.get(), G_IO_IN, wait_us, cancel.get(), &e)) {
      bool timed_out = g_error_matches(e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      std::string why = e->message;
      g_error_free(e);
      if (g_cancellable_is_cancelled(cancel.get())) return;
      if (!timed_out) {
        lose(why);
        return;
      }
      continue;
    }
    gssize n = g_socket_receive(sock.get(), reinterpret_cast<gchar *>(tmp), sizeof tmp, cancel.get(), &e);
    if (n < 0) {
      bool again = g_error_matches(e, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
      std::string why = e->message;
      g_error_free(e);
      if (g_cancellable_is_cancelled(cancel.get())) return;
      if (again) continue;
      lose(why);
      return;
    }
    if (n == 0) {
      lose("the camera closed the connection");
      return;
    }
    last_rx = Clock::now();
    buf.insert(buf.end(), tmp, tmp + n);
    have_new = true;
  }
}

bool ControlSession::Impl::request(uint32_t type, ByteView payload, Waiter &w, unsigned timeout_ms,
                                   GError **error) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (state != State::kUp) return not_connected(error);
    waiters.push_back(&w);  // before sending: a fast reply must find us
  }
  bool sent = send_message(type, payload, error);
  std::unique_lock<std::mutex> lock(mutex);
  if (sent) cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return w.done; });
  waiters.remove(&w);
  if (!sent) return false;
  if (w.error) {
    g_propagate_error(error, w.error);
    w.error = nullptr;
    return false;
  }
  if (!w.done && w.kind != Waiter::Kind::kAll) {
    if (w.kind == Waiter::Kind::kFileList && w.files.received())
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_TIMEOUT,
                  "The camera at %s sent %u of %u file list parts within %s. Try again; a long list "
                  "may need a longer file list timeout",
                  endpoint.c_str(), w.files.received(), w.files.total(), seconds_text(timeout_ms).c_str());
    else
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_TIMEOUT,
                  "No answer to %s from %s within %s: not an ipcam camera, or it is busy. Try again",
                  type_name(type), endpoint.c_str(), seconds_text(timeout_ms).c_str());
    return false;
  }
  return true;
}

// ---------------------------------------------------------------- public

ControlSession::ControlSession(SessionConfig config) : impl_(new Impl(std::move(config))) {}

ControlSession::~ControlSession() {
  close();
  delete impl_;
}

void ControlSession::set_message_handler(MessageHandler h) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->on_message = std::move(h);
}

void ControlSession::set_lost_handler(LostHandler h) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->on_lost = std::move(h);
}

bool ControlSession::connect(GCancellable *cancellable, GError **error) {
  if (impl_->reader.joinable() && impl_->reader.get_id() == std::this_thread::get_id()) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                "connect() cannot be called from a session handler");
    return false;
  }
  close();  // a previous session, if any
  GPtr<GCancellable> cancel(g_cancellable_new());
  {
    std::lock_guard<std::mutex> lock(impl_->write_mutex);
    impl_->io_cancel = ref(cancel.get());
  }
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->state = Impl::State::kConnecting;
  }
  // The caller's cancellable cancels ours; close() cancels ours directly.
  gulong link = 0;
  if (cancellable)
    link = g_cancellable_connect(
        cancellable, G_CALLBACK(+[](GCancellable *, gpointer c) { g_cancellable_cancel(G_CANCELLABLE(c)); }),
        cancel.get(), nullptr);
  Bytes rest;
  bool ok = impl_->tcp_connect(cancel.get(), error);
  GPtr<GSocket> sock;
  if (ok) {
    std::lock_guard<std::mutex> lock(impl_->write_mutex);
    sock = ref(impl_->socket);
  }
  if (ok) ok = impl_->login(sock.get(), cancel.get(), rest, error);
  if (cancellable) g_cancellable_disconnect(cancellable, link);

  std::unique_lock<std::mutex> lock(impl_->mutex);
  if (ok && impl_->state != Impl::State::kConnecting) {  // close() won the race
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANCELLED, "Connecting to %s was cancelled: the session was closed",
                impl_->endpoint.c_str());
    ok = false;
  }
  if (!ok) {
    impl_->state = Impl::State::kIdle;
    lock.unlock();
    g_cancellable_cancel(cancel.get());
    std::lock_guard<std::mutex> wl(impl_->write_mutex);
    if (impl_->connection) g_io_stream_close(G_IO_STREAM(impl_->connection.get()), nullptr, nullptr);
    impl_->connection.reset();
    impl_->socket = nullptr;
    return false;
  }
  impl_->state = Impl::State::kUp;
  impl_->reader = std::thread(&Impl::reader_main, impl_, std::move(sock), std::move(cancel), std::move(rest));
  return true;
}

void ControlSession::close() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->state != Impl::State::kIdle) impl_->state = Impl::State::kClosed;
    impl_->fail_waiters(IPCAM_ERROR_NOT_CONNECTED, ("The session with the camera at " + impl_->endpoint +
                                                    " was closed while this request waited")
                                                       .c_str());
  }
  {
    std::lock_guard<std::mutex> lock(impl_->write_mutex);
    if (impl_->io_cancel) g_cancellable_cancel(impl_->io_cancel.get());
  }
  // From a handler (on the reader thread) the thread cannot join itself; it
  // ends on its own once the handler returns, and the next close() joins it.
  if (impl_->reader.joinable() && impl_->reader.get_id() != std::this_thread::get_id()) impl_->reader.join();
  GPtr<GSocketConnection> conn;
  {
    std::lock_guard<std::mutex> lock(impl_->write_mutex);
    conn = std::move(impl_->connection);
    impl_->socket = nullptr;
  }
  if (conn) g_io_stream_close(G_IO_STREAM(conn.get()), nullptr, nullptr);
}

bool ControlSession::connected() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->state == Impl::State::kUp;
}

std::string ControlSession::peer_address() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->peer;
}

std::string ControlSession::local_address() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->local;
}

bool ControlSession::start_preview(GError **error) {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->state != Impl::State::kUp) return impl_->not_connected(error);
  }
  const uint8_t zeros[kStartPreviewZeroBytes] = {};
  ByteView payload;
  if (impl_->config.start_preview_with_payload) payload = ByteView(zeros, sizeof zeros);
  return impl_->send_message(msg::kStartPreview, payload, error);
}

bool ControlSession::firmware_version(std::string &version, GError **error) {
  Waiter w;
  w.reply_type = msg::kFirmwareInfo;
  if (!impl_->request(msg::kRequestFirmware, {}, w, impl_->config.reply_timeout_ms, error)) return false;
  auto v = parse_firmware(w.reply.payload, error);
  if (!v) return false;
  version = *v;
  return true;
}

bool ControlSession::file_list(std::vector<FileEntry> &files, GError **error) {
  Waiter w;
  w.kind = Waiter::Kind::kFileList;
  w.reply_type = msg::kFileListPart;
  Bytes payload = file_list_request_payload();
  if (!impl_->request(msg::kRequestFileList, payload, w, impl_->config.file_list_timeout_ms, error))
    return false;
  std::vector<FileEntry> out;
  if (!w.files.finish(out, error)) return false;
  files = std::move(out);
  return true;
}

bool ControlSession::take_still(GError **error) {
  Waiter w;
  w.reply_type = msg::kStillSaved;
  return impl_->request(msg::kTakeStill, {}, w, impl_->config.reply_timeout_ms, error);
}

bool ControlSession::set_recording(bool start, GError **error) {
  Waiter w;
  w.reply_type = msg::kRecordingAccepted;
  Bytes payload = recording_payload(start);
  return impl_->request(msg::kControlRecording, payload, w, impl_->config.reply_timeout_ms, error);
}

bool ControlSession::raw(uint32_t type, ByteView payload, unsigned timeout_ms, std::vector<RawReply> &replies,
                         GError **error) {
  Waiter w;
  w.kind = Waiter::Kind::kAll;
  bool ok = impl_->request(type, payload, w, timeout_ms, error);
  replies = std::move(w.all);
  return ok;
}

const SessionConfig &ControlSession::config() const { return impl_->config; }

}  // namespace ipcam
