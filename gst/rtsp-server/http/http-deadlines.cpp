// HttpDeadlines: see http-deadlines.h.
#include "http/http-deadlines.h"

namespace ipcam::server {

namespace {

constexpr guint kTickMs = 250;

}  // namespace

HttpDeadlines::HttpDeadlines(SoupServer *server, gint64 wait_us) : server_(server), wait_us_(wait_us) {
  handlers_[0] = g_signal_connect(server_, "request-started", G_CALLBACK(on_started), this);
  handlers_[1] = g_signal_connect(server_, "request-read", G_CALLBACK(on_read), this);
  handlers_[2] = g_signal_connect(server_, "request-finished", G_CALLBACK(on_done), this);
  handlers_[3] = g_signal_connect(server_, "request-aborted", G_CALLBACK(on_done), this);
  tick_ = g_timeout_add(kTickMs, on_tick, this);
}

HttpDeadlines::~HttpDeadlines() {
  g_source_remove(tick_);
  for (gulong h : handlers_) g_signal_handler_disconnect(server_, h);
  for (auto &c : conns_) g_object_weak_unref(G_OBJECT(c.socket), on_socket_gone, this);
}

// Emitted when a connection is taken and each time it begins the next
// request: the connection then waits for that request.
void HttpDeadlines::on_started(SoupServer *, SoupServerMessage *msg, gpointer self) {
  static_cast<HttpDeadlines *>(self)->set_waiting(msg, true);
}

void HttpDeadlines::on_read(SoupServer *, SoupServerMessage *msg, gpointer self) {
  static_cast<HttpDeadlines *>(self)->set_waiting(msg, false);
}

void HttpDeadlines::on_done(SoupServer *, SoupServerMessage *msg, gpointer self) {
  static_cast<HttpDeadlines *>(self)->set_waiting(msg, true);
}

void HttpDeadlines::set_waiting(SoupServerMessage *msg, bool waiting) {
  GSocket *socket = soup_server_message_get_socket(msg);
  if (!socket) return;
  const gint64 now = g_get_monotonic_time();
  for (auto &c : conns_) {
    if (c.socket != socket) continue;
    c.waiting = waiting;
    c.since_us = now;
    return;
  }
  g_object_weak_ref(G_OBJECT(socket), on_socket_gone, this);
  conns_.push_back(Conn{socket, waiting, now});
}

void HttpDeadlines::on_socket_gone(gpointer data, GObject *socket) {
  auto *self = static_cast<HttpDeadlines *>(data);
  self->conns_.remove_if([socket](const Conn &c) { return G_OBJECT(c.socket) == socket; });
}

gboolean HttpDeadlines::on_tick(gpointer self) {
  static_cast<HttpDeadlines *>(self)->sweep();
  return G_SOURCE_CONTINUE;
}

void HttpDeadlines::sweep() {
  const gint64 now = g_get_monotonic_time();
  for (auto &c : conns_) {
    if (!c.waiting || now - c.since_us <= wait_us_ || g_socket_is_closed(c.socket)) continue;
    g_debug("control API: closing a connection that sent no whole request in %" G_GINT64_FORMAT " s",
            wait_us_ / G_USEC_PER_SEC);
    g_socket_shutdown(c.socket, TRUE, TRUE, nullptr);
    c.waiting = false;  // once; forgotten when libsoup lets the socket go
  }
}

}  // namespace ipcam::server
