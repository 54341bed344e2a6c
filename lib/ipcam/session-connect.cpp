// Reaching the camera: a TCP connect with a millisecond timeout, then the
// login exchange, in which cameras send an alive request before they accept.
#include "session-impl.h"

#include "ipcam/interface.h"

#include <algorithm>

#include <netinet/in.h>
#include <netinet/tcp.h>

namespace ipcam {

using session_detail::GPtr;
using session_detail::remaining_us;
using session_detail::seconds_text;
using session_detail::type_name;

namespace {

// What a foreign device sent, for the NOT_IPCAM message: hex plus the
// printable characters (an HTTP server is recognisable at a glance).
std::string foreign_bytes_text(ByteView b) {
  std::string text;
  for (size_t i = 0; i < b.size() && i < 24; i++) text += g_ascii_isprint(b[i]) ? char(b[i]) : '.';
  return hex_dump(b, 16) + " \"" + text + "\"";
}

}  // namespace

namespace session_detail {

struct GErrorFree {
  void operator()(GError *e) const {
    if (e) g_error_free(e);
  }
};

// How one connect attempt ended: a connection, or what went wrong.
struct ConnectOutcome {
  GPtr<GSocketConnection> conn;
  std::unique_ptr<GError, GErrorFree> error;
  bool timed_out = false;
  std::string tie_failure;  // why the interface could not be bound, if it could not
};

}  // namespace session_detail

using session_detail::ConnectOutcome;

namespace {

// GSocketClient with a millisecond timeout: the async connect runs on a
// private main context that this thread iterates until it finishes.
ConnectOutcome connect_within(const CameraEndpoint &ep, unsigned timeout_ms, GCancellable *cancel) {
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

  ConnectOutcome out;
  GMainContext *ctx = g_main_context_new();
  g_main_context_push_thread_default(ctx);
  GPtr<GSocketClient> client(g_socket_client_new());
  // A camera is on the local WiFi: never ask the system proxy resolver.
  g_socket_client_set_enable_proxy(client.get(), FALSE);
  bind_client_to_interface(client.get(), &ep.interface, &out.tie_failure);
  g_socket_client_connect_to_host_async(
      client.get(), ep.address.c_str(), ep.control_port, attempt_cancel.get(),
      +[](GObject *src, GAsyncResult *res, gpointer data) {
        auto *a = static_cast<Attempt *>(data);
        a->conn = g_socket_client_connect_to_host_finish(G_SOCKET_CLIENT(src), res, &a->error);
        a->finished = true;
      },
      &at);
  GSource *timer = nullptr;
  if (timeout_ms) {
    timer = g_timeout_source_new(timeout_ms);
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

  out.conn.reset(at.conn);
  out.error.reset(at.error);
  out.timed_out = at.timed_out;
  return out;
}

// The numeric address of one end of a connected socket, or "".
std::string address_text(GSocketAddress *a) {
  if (!a || !G_IS_INET_SOCKET_ADDRESS(a)) return "";
  g_autofree char *s = g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(a)));
  return s;
}

}  // namespace

bool ControlSession::Impl::tcp_connect(GCancellable *cancel, GError **error) {
  ConnectOutcome out = connect_within(config.endpoint, config.connect_timeout_ms, cancel);
  if (out.conn) {
    take_connection(std::move(out.conn));
    return true;
  }
  set_connect_error(out, cancel, error);
  return false;
}

// Blocking sends with a timeout on the connected socket, and the addresses
// of both ends for messages and the session's accessors.
void ControlSession::Impl::take_connection(GPtr<GSocketConnection> conn) {
  GSocket *sock = g_socket_connection_get_socket(conn.get());
  g_socket_set_blocking(sock, TRUE);
  g_socket_set_option(sock, IPPROTO_TCP, TCP_NODELAY, 1, nullptr);
  // A camera that stops reading must not hold a send for ever: sends give
  // up after the reply timeout (GSocket counts whole seconds).
  g_socket_set_timeout(sock, std::max(1u, (config.reply_timeout_ms + 999) / 1000));
  g_autoptr(GSocketAddress) ra = g_socket_get_remote_address(sock, nullptr);
  g_autoptr(GSocketAddress) la = g_socket_get_local_address(sock, nullptr);
  std::string peer_text = address_text(ra), local_text = address_text(la);
  {
    std::lock_guard<std::mutex> lock(mutex);
    peer = peer_text;
    local = local_text;
  }
  std::lock_guard<std::mutex> lock(write_mutex);
  socket = sock;
  connection = std::move(conn);
}

// Why the connect failed, with the next step for the user.
void ControlSession::Impl::set_connect_error(const ConnectOutcome &out, GCancellable *cancel, GError **error) {
  if (g_cancellable_is_cancelled(cancel)) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANCELLED, "Connecting to the camera at %s was cancelled",
                endpoint.c_str());
  } else if (out.timed_out) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_TIMEOUT,
                "No answer from %s within %s: the camera is off, out of WiFi range, or the address is "
                "wrong. Join the camera's WiFi and check the address",
                endpoint.c_str(), seconds_text(config.connect_timeout_ms).c_str());
  } else if (!out.tie_failure.empty()) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANNOT_CONNECT, "Cannot connect to the camera at %s: %s",
                endpoint.c_str(), out.tie_failure.c_str());
  } else {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANNOT_CONNECT,
                "Cannot connect to the camera at %s: %s. Check that this computer is on the camera's "
                "WiFi, the address and the control port (%u on real cameras)",
                endpoint.c_str(), out.error->message, unsigned(kControlPort));
  }
}

namespace session_detail {

// One login exchange: where it reads, until when, and the bytes so far.
struct LoginExchange {
  GSocket *sock = nullptr;
  GCancellable *cancel = nullptr;
  Clock::time_point deadline;
  Bytes buf;    // received, not yet parsed
  Bytes early;  // messages before login accepted, for the handler later
  Bytes rest;   // after login accepted: `early` and what followed it
};

}  // namespace session_detail

namespace {

// The end of every refused-login message: what the user can do about it.
constexpr const char *kLoginNextStep = "wrong user or password, or another client (the phone app?) is "
                                       "connected. Check the user and password, and close other apps that "
                                       "use the camera";

}  // namespace

// Sends login and waits for login accepted, answering the alive request that
// cameras send in between. Messages after login accepted stay in `rest`.
bool ControlSession::Impl::login(GSocket *sock, GCancellable *cancel, Bytes &rest, GError **error) {
  std::optional<Bytes> login_payload = encode_login(config.endpoint.user, config.endpoint.password, error);
  if (!login_payload) return false;
  if (!send_during_login(msg::kLogin, *login_payload, error)) return false;

  LoginExchange x;
  x.sock = sock;
  x.cancel = cancel;
  x.deadline = Clock::now() + std::chrono::milliseconds(config.reply_timeout_ms);
  for (;;) {
    if (!wait_for_login_bytes(x, error)) return false;
    LoginRead read = receive_login_bytes(x, error);
    if (read == LoginRead::kFailed) return false;
    if (read == LoginRead::kAgain) continue;
    if (!within_login_cap(x, error)) return false;
    LoginStep step = take_login_messages(x, error);
    if (step == LoginStep::kFailed) return false;
    if (step == LoginStep::kAccepted) {
      rest = std::move(x.rest);
      return true;
    }
  }
}

// A send that fails during login means the camera dropped us: refused.
bool ControlSession::Impl::send_during_login(uint32_t type, ByteView payload, GError **error) {
  GError *e = nullptr;
  if (send_message(type, payload, &e)) return true;
  if (g_error_matches(e, IPCAM_ERROR, IPCAM_ERROR_CONNECTION_LOST)) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_LOGIN_REFUSED,
                "The camera at %s dropped the connection during login as user \"%s\": %s", endpoint.c_str(),
                config.endpoint.user.c_str(), kLoginNextStep);
    g_error_free(e);
  } else {
    g_propagate_error(error, e);
  }
  return false;
}

// Waits until the camera has sent something, within the login deadline.
bool ControlSession::Impl::wait_for_login_bytes(const LoginExchange &x, GError **error) {
  GError *e = nullptr;
  // The deadline holds whatever the camera sends meanwhile: a camera that
  // keeps talking without accepting always has data ready.
  if (Clock::now() >= x.deadline)
    g_set_error_literal(&e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "login deadline passed");
  if (!e && g_socket_condition_timed_wait(x.sock, G_IO_IN, remaining_us(x.deadline), x.cancel, &e)) return true;
  if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_TIMEOUT,
                "No answer to login from %s within %s: not an ipcam camera, or it is busy. Check "
                "the address and port, and close other apps that use the camera",
                endpoint.c_str(), seconds_text(config.reply_timeout_ms).c_str());
  } else {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANCELLED, "Logging in to %s: %s", endpoint.c_str(), e->message);
  }
  g_error_free(e);
  return false;
}

// Appends what the camera sent to the exchange's buffer.
ControlSession::Impl::LoginRead ControlSession::Impl::receive_login_bytes(LoginExchange &x, GError **error) {
  uint8_t tmp[4096];
  GError *e = nullptr;
  gssize n = g_socket_receive(x.sock, reinterpret_cast<gchar *>(tmp), sizeof tmp, x.cancel, &e);
  if (n < 0 && g_error_matches(e, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
    g_error_free(e);
    return LoginRead::kAgain;
  }
  if (n < 0 && g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANCELLED, "Logging in to %s was cancelled", endpoint.c_str());
    g_error_free(e);
    return LoginRead::kFailed;
  }
  if (n <= 0) {
    // The byte pattern of a refusal is unknown; a camera that does not
    // want us closes the connection.
    std::string how = n == 0 ? "closed the connection" : std::string("dropped the connection (") + e->message + ")";
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_LOGIN_REFUSED, "The camera at %s %s after login as user \"%s\": %s",
                endpoint.c_str(), how.c_str(), config.endpoint.user.c_str(), kLoginNextStep);
    g_clear_error(&e);
    return LoginRead::kFailed;
  }
  x.buf.insert(x.buf.end(), tmp, tmp + n);
  return LoginRead::kData;
}

// A camera that talks on without accepting must not fill memory.
bool ControlSession::Impl::within_login_cap(const LoginExchange &x, GError **error) {
  if (x.buf.size() + x.early.size() <= config.max_login_bytes) return true;
  g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_LIMIT,
              "The camera at %s sent more than %zu bytes without accepting the login (real cameras "
              "send a few hundred; the cap is max_login_bytes in libipcam): not a camera to trust",
              endpoint.c_str(), config.max_login_bytes);
  return false;
}

// Handles every whole message in the buffer, in order, until one ends the
// exchange; a partial message waits for more bytes.
ControlSession::Impl::LoginStep ControlSession::Impl::take_login_messages(LoginExchange &x, GError **error) {
  for (;;) {
    ControlParseResult r = parse_control(x.buf);
    if (r.status == ControlParseStatus::kBadMagic) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_NOT_IPCAM,
                  "%s is not an ipcam camera: it answered login with bytes that are not this "
                  "protocol (%s). Check the address and the control port (%u on real cameras)",
                  endpoint.c_str(), foreign_bytes_text(x.buf).c_str(), unsigned(kControlPort));
      return LoginStep::kFailed;
    }
    if (r.status == ControlParseStatus::kNeedMore) return LoginStep::kGoOn;
    LoginStep step = on_login_message(x, r, error);
    if (step != LoginStep::kGoOn) return step;
    x.buf.erase(x.buf.begin(), x.buf.begin() + ptrdiff_t(r.consumed));
  }
}

// One message during login, by type.
ControlSession::Impl::LoginStep ControlSession::Impl::on_login_message(LoginExchange &x, const ControlParseResult &r,
                                                                       GError **error) {
  switch (r.type) {
    case msg::kAliveRequest:
      return send_during_login(msg::kAliveResponse, ByteView(), error) ? LoginStep::kGoOn : LoginStep::kFailed;
    case msg::kBusy:
      // Seen from a camera that already had a client: it keeps the
      // connection open, so only this reply tells the user at once.
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_BUSY,
                  "The camera at %s already has a client (its phone app, or another ipcam): close it, "
                  "then connect again",
                  endpoint.c_str());
      return LoginStep::kFailed;
    case msg::kLoginAccepted:
      x.rest = std::move(x.early);
      x.rest.insert(x.rest.end(), x.buf.begin() + ptrdiff_t(r.consumed), x.buf.end());
      g_debug("logged in to %s as \"%s\"", endpoint.c_str(), config.endpoint.user.c_str());
      return LoginStep::kAccepted;
    default:
      g_debug("%s (0x%04x) before login accepted", type_name(r.type), r.type);
      x.early.insert(x.early.end(), x.buf.begin(), x.buf.begin() + ptrdiff_t(r.consumed));
      return LoginStep::kGoOn;
  }
}

}  // namespace ipcam
