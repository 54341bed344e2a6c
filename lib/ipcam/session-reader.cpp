// The reader thread: it owns every read of the control socket once logged in,
// answers alive requests, sends the own keep-alive, hands replies to the
// waiting requests and everything else to the message handler, and reports a
// lost connection once.
#include "session-impl.h"

#include <algorithm>

namespace ipcam {

using session_detail::remaining_us;
using session_detail::seconds_text;
using session_detail::type_name;

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

// Caller holds `mutex`. Keeps a reply for raw() within its caps; past them
// the request ends with what it has.
bool ControlSession::Impl::keep_raw(Waiter &w, uint32_t type, ByteView payload) {
  if (w.all.size() < config.max_raw_replies && payload.size() <= config.max_raw_bytes - w.all_bytes) {
    w.all.push_back(RawReply{type, Bytes(payload.begin(), payload.end())});
    w.all_bytes += payload.size();
    return true;
  }
  w.done = true;
  w.error = g_error_new(IPCAM_ERROR, IPCAM_ERROR_LIMIT,
                        "The camera at %s sent more than %zu replies or %zu bytes to a raw message: "
                        "stopped after the first %zu (the raw reply caps; raise them to keep more)",
                        endpoint.c_str(), config.max_raw_replies, config.max_raw_bytes, w.all.size());
  return false;
}

// A camera can send unknown messages as fast as it likes: the first few are
// logged in full, the rest counted (close() reports the count).
void ControlSession::Impl::log_unknown(uint32_t type, ByteView payload) {
  unknown_seen++;
  if (unknown_seen <= config.unknown_logged)
    g_message("unknown message type 0x%04x from %s, %zu bytes: %s", type, endpoint.c_str(), payload.size(),
              hex_dump(payload).c_str());
  else if (unknown_seen == config.unknown_logged + 1)
    g_message("more unknown messages from %s: counting them from now on, not logging them", endpoint.c_str());
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
  EventHandler event_handler;
  std::optional<CameraEvent> event = camera_event(type, payload);
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (event) event_handler = on_event;
    for (Waiter *w : waiters) {
      if (w->done) continue;
      if (w->kind == Waiter::Kind::kAll) {
        keep_raw(*w, type, payload);
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
  // An event reaches its handler even while raw() collects every message.
  if (event) {
    g_debug("camera event %s from %s", camera_event_name(event->kind), endpoint.c_str());
    if (event_handler) event_handler(*event);
  }
  if (!taken) {
    if (message_type_name(type))
      g_debug("unsolicited %s (0x%04x) from %s, %zu bytes", type_name(type), type, endpoint.c_str(),
              payload.size());
    else if (!event)
      log_unknown(type, payload);
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
    link_ended = true;
    cv.notify_all();
    // close() is under way, or the session ended on purpose (a new Wi-Fi
    // password, Wi-Fi off): not a loss.
    if (state != State::kUp) {
      g_error_free(error);
      return;
    }
    state = State::kLost;
    fail_waiters(IPCAM_ERROR_CONNECTION_LOST, error->message);
    handler = on_lost;
  }
  // Whoever holds the session says what happens next (a reconnect, or an
  // error from a request): nothing for the user here.
  g_debug("%s", error->message);
  g_error_free(error);
  if (!handler) return;
  GError *cause = g_error_new_literal(IPCAM_ERROR, IPCAM_ERROR_CONNECTION_LOST, why.c_str());
  handler(cause);
  g_error_free(cause);
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

}  // namespace ipcam
