// HttpDeadlines: a deadline for every connection of the control port,
// which SoupServer has none of: a client that connects and never speaks,
// or sends half a request and stalls, would hold its connection for ever.
//
// A connection waiting for a request (it never spoke, it sends half a
// request and stalls, or it idles between requests: libsoup begins the
// next request as soon as one is answered) has `wait_us` to get that
// request's head and body in; otherwise it is shut down, and libsoup,
// reading the end of the stream, lets it go. A request being answered (a
// download, a long WHEP exchange) has no deadline here. The connections
// are seen through the server's request signals; their sockets are held
// by weak references only.
#pragma once

#include <libsoup/soup.h>

#include <list>

namespace ipcam::server {

class HttpDeadlines {
 public:
  HttpDeadlines(SoupServer *server, gint64 wait_us);  // on the thread-default context
  ~HttpDeadlines();
  HttpDeadlines(const HttpDeadlines &) = delete;
  HttpDeadlines &operator=(const HttpDeadlines &) = delete;

 private:
  struct Conn {
    GSocket *socket;  // weak
    bool waiting;
    gint64 since_us;
  };

  static void on_started(SoupServer *, SoupServerMessage *msg, gpointer self);
  static void on_read(SoupServer *, SoupServerMessage *msg, gpointer self);
  static void on_done(SoupServer *, SoupServerMessage *msg, gpointer self);
  static void on_socket_gone(gpointer self, GObject *socket);
  static gboolean on_tick(gpointer self);
  void set_waiting(SoupServerMessage *msg, bool waiting);
  void sweep();

  SoupServer *server_;
  const gint64 wait_us_;
  guint tick_ = 0;
  gulong handlers_[4] = {};
  std::list<Conn> conns_;
};

}  // namespace ipcam::server
