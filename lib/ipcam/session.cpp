// ControlSession's lifetime (see session.h): connect() reaches the camera and
// logs in on the caller's thread, then hands the socket to the reader thread;
// close() stops it. One GSocket per session.
#include "session-impl.h"

#include <algorithm>

namespace ipcam {

using session_detail::GPtr;
using session_detail::ref;

SessionConfig session_config(const CameraEndpoint &endpoint) {
  SessionConfig c;
  c.endpoint = endpoint;
  const unsigned timeout_ms = endpoint.timeout_ms;
  c.connect_timeout_ms = c.reply_timeout_ms = timeout_ms;
  c.file_list_timeout_ms = std::max(timeout_ms, 10000u);
  c.idle_timeout_ms = std::max(timeout_ms * 3, 15000u);
  return c;
}

ControlSession::ControlSession(SessionConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

ControlSession::~ControlSession() {
  close();
}

void ControlSession::set_message_handler(MessageHandler h) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->on_message = std::move(h);
}

void ControlSession::set_lost_handler(LostHandler h) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->on_lost = std::move(h);
}

void ControlSession::set_event_handler(EventHandler h) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->on_event = std::move(h);
}

bool ControlSession::connect(GCancellable *cancellable, GError **error) {
  if (impl_->reader_id.load() == std::this_thread::get_id()) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                "connect() cannot be called from a session handler");
    return false;
  }
  close();  // a previous session, if any
  GPtr<GCancellable> cancel(g_cancellable_new());
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->io_cancel = ref(cancel.get());
    impl_->state = Impl::State::kConnecting;
    impl_->preview_started = false;
    impl_->link_ended = false;
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
  // Under both locks (never taken the other way round: close() joins with
  // `mutex` free). No reader is left to join here: close() above joined it.
  std::lock_guard<std::mutex> jl(impl_->join_mutex);
  impl_->reader = std::thread(&Impl::reader_main, impl_.get(), std::move(sock), std::move(cancel), std::move(rest));
  impl_->reader_id = impl_->reader.get_id();
  return true;
}

void ControlSession::close() {
  impl_->stop_preview_before_close();
  GPtr<GCancellable> cancel;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->state != Impl::State::kIdle) impl_->state = Impl::State::kClosed;
    impl_->fail_waiters(IPCAM_ERROR_NOT_CONNECTED, ("The session with the camera at " + impl_->endpoint +
                                                    " was closed while this request waited")
                                                       .c_str());
    cancel = ref(impl_->io_cancel.get());
  }
  // Outside every lock: a blocked send holds write_mutex until this wakes it.
  if (cancel) g_cancellable_cancel(cancel.get());
  // From a handler (on the reader thread) the thread cannot join itself; it
  // ends on its own once the handler returns, and the next close() joins it.
  // A second close() meanwhile waits here until the reader has ended.
  if (impl_->reader_id.load() != std::this_thread::get_id()) {
    std::lock_guard<std::mutex> jl(impl_->join_mutex);
    if (impl_->reader.joinable() && impl_->reader.get_id() != std::this_thread::get_id()) {
      impl_->reader.join();
      impl_->reader_id = std::thread::id();
      if (impl_->unknown_seen > impl_->config.unknown_logged)
        g_message("%" G_GUINT64_FORMAT " unknown messages from %s in all (the first %u logged)", impl_->unknown_seen,
                  impl_->endpoint.c_str(), impl_->config.unknown_logged);
      impl_->unknown_seen = 0;
    }
  }
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

const SessionConfig &ControlSession::config() const { return impl_->config; }

}  // namespace ipcam
