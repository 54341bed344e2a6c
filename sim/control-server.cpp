#include "control-server.h"

#include "ipcam/camera-settings.h"
#include "loop-util.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <deque>
#include <string>

namespace ipcam::sim {

// A different device's answer (--foreign-protocol): plain HTTP, as a
// look-alike camera with an HTTP API on the port would give.
static const char kForeignReply[] = "HTTP/1.0 400 Bad Request\r\n\r\n";

struct ControlServer::Client : std::enable_shared_from_this<Client> {
  ControlServer *server = nullptr;
  uint64_t id = 0;
  std::string peer;
  GSocketConnection *conn = nullptr;
  GCancellable *cancel = g_cancellable_new();
  uint8_t buf[4096];
  Bytes inbuf;
  std::deque<Bytes> outq;
  Bytes writing_buf;
  bool writing = false;
  bool closed = false;
  bool close_after_flush = false;
  bool logged_in = false;
  bool ignored = false;  // refused or busy: input is read and dropped
  int64_t last_answer_ms = 0;
  int64_t next_alive_ms = 0;
  int64_t next_write_ms = 0;
  GSource *gap = nullptr;

  ~Client() {
    if (gap) {
      g_source_destroy(gap);
      g_source_unref(gap);
    }
    g_object_unref(cancel);
    g_object_unref(conn);
  }
};

// Async I/O callbacks; each holds a strong ref to its client.
struct ClientIo {
  using Ref = std::shared_ptr<ControlServer::Client>;

  static void read_more(const Ref &c) {
    GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(c->conn));
    g_input_stream_read_async(in, c->buf, sizeof c->buf, G_PRIORITY_DEFAULT, c->cancel, on_read,
                              new Ref(c));
  }

  static void on_read(GObject *src, GAsyncResult *res, gpointer data) {
    std::unique_ptr<Ref> holder(static_cast<Ref *>(data));
    Ref c = *holder;
    g_autoptr(GError) error = nullptr;
    gssize n = g_input_stream_read_finish(G_INPUT_STREAM(src), res, &error);
    if (c->closed) return;
    if (n <= 0) {
      c->server->close_client(c, n == 0 ? "client closed the connection" : error->message);
      return;
    }
    ControlServer &s = *c->server;
    const auto &faults = s.config_.faults;
    if (faults.silent || c->ignored) {
      s.stats_.add("bytes_ignored", uint64_t(n));
      read_more(c);
      return;
    }
    if (faults.foreign_protocol) {
      s.stats_.add("foreign_replies");
      send_raw(c, Bytes(kForeignReply, kForeignReply + sizeof kForeignReply - 1));
      c->close_after_flush = true;
      return;
    }
    c->inbuf.insert(c->inbuf.end(), c->buf, c->buf + n);
    size_t used = 0;
    while (!c->closed && !c->ignored) {
      auto r = parse_control(ByteView(c->inbuf).subspan(used));
      if (r.status == ControlParseStatus::kNeedMore) break;
      if (r.status == ControlParseStatus::kBadMagic) {
        g_warning("control: client %s sent bytes that are not this protocol (%s); closing",
                  c->peer.c_str(), hex_dump(ByteView(c->inbuf).subspan(used), 16).c_str());
        s.close_client(c, "bad magic");
        return;
      }
      Bytes payload(r.payload.begin(), r.payload.end());
      used += r.consumed;
      s.stats_.add("control_messages_in");
      s.handle(c, r.type, payload);
    }
    if (c->closed) return;
    c->inbuf.erase(c->inbuf.begin(), c->inbuf.begin() + ptrdiff_t(used));
    read_more(c);
  }

  static void send_raw(const Ref &c, Bytes bytes) {
    if (c->closed) return;
    c->outq.push_back(std::move(bytes));
    pump(c);
  }

  // Each message is its own write, --message-gap-ms apart. With --coalesce
  // the write waits for the end of this main loop iteration, so that what
  // is queued together (alive request + login accepted) goes in one write.
  static void pump(const Ref &c) {
    if (c->writing || c->closed || c->outq.empty() || c->gap) return;
    const CameraConfig &cfg = c->server->config_;
    int64_t now = now_ms();
    if (!cfg.coalesce && now >= c->next_write_ms) {
      write_now(c);
      return;
    }
    unsigned wait = cfg.coalesce ? 0 : unsigned(c->next_write_ms - now);
    std::weak_ptr<ControlServer::Client> weak = c;
    c->gap = call_later(wait, [weak] {
      if (auto c = weak.lock()) {
        g_source_unref(c->gap);
        c->gap = nullptr;
        if (!c->writing && !c->closed && !c->outq.empty()) write_now(c);
      }
    });
  }

  static void write_now(const Ref &c) {
    const CameraConfig &cfg = c->server->config_;
    c->writing_buf.clear();
    if (cfg.coalesce) {
      for (auto &m : c->outq) c->writing_buf.insert(c->writing_buf.end(), m.begin(), m.end());
      c->outq.clear();
    } else {
      c->writing_buf = std::move(c->outq.front());
      c->outq.pop_front();
    }
    c->writing = true;
    GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(c->conn));
    g_output_stream_write_all_async(out, c->writing_buf.data(), c->writing_buf.size(),
                                    G_PRIORITY_DEFAULT, c->cancel, on_written, new Ref(c));
  }

  static void on_written(GObject *src, GAsyncResult *res, gpointer data) {
    std::unique_ptr<Ref> holder(static_cast<Ref *>(data));
    Ref c = *holder;
    g_autoptr(GError) error = nullptr;
    gboolean ok = g_output_stream_write_all_finish(G_OUTPUT_STREAM(src), res, nullptr, &error);
    c->writing = false;
    if (c->closed) return;
    if (!ok) {
      c->server->close_client(c, error->message);
      return;
    }
    c->next_write_ms = now_ms() + c->server->config_.message_gap_ms;
    if (c->close_after_flush && c->outq.empty()) {
      c->server->close_client(c, "closing after reply");
      return;
    }
    pump(c);
  }
};

namespace {

void log_message(const CameraConfig &cfg, const char *dir, const std::string &peer, uint32_t type,
                 ByteView payload) {
  if (!cfg.verbose) return;
  const char *name = message_type_name(type);
  // Login and Wi-Fi password payloads hold passwords: only their size is
  // ever logged.
  bool secret = type == msg::kLogin || type == msg::kLoginAccepted || type == msg::kWifiPassword;
  g_message("control %s %s: 0x%04x (%s), %zu bytes%s%s", dir, peer.c_str(), type,
            name ? name : "unknown", payload.size(), secret || payload.empty() ? "" : ": ",
            secret || payload.empty() ? "" : hex_dump(payload, 32).c_str());
}

void send_message(const std::shared_ptr<ControlServer::Client> &c, const CameraConfig &cfg,
                  Stats &stats, uint32_t type, ByteView payload = {}) {
  if (c->closed) return;
  log_message(cfg, "out to", c->peer, type, payload);
  stats.add("control_messages_out");
  ClientIo::send_raw(c, encode_control(type, payload));
}

std::string describe_peer(GSocketConnection *conn) {
  g_autoptr(GSocketAddress) addr = g_socket_connection_get_remote_address(conn, nullptr);
  if (!addr || !G_IS_INET_SOCKET_ADDRESS(addr)) return "?";
  g_autofree char *ip =
      g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr)));
  return std::string(ip) + ":" +
         std::to_string(g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(addr)));
}

}  // namespace

ControlServer::ControlServer(const CameraConfig &config, Stats &stats, ControlHandler &handler)
    : config_(config), stats_(stats), handler_(handler) {}

ControlServer::~ControlServer() { stop(); }

bool ControlServer::start(GError **error) {
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string(config_.endpoint.address.c_str());
  if (!ip) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "--bind %s: not a numeric IP address", config_.endpoint.address.c_str());
    return false;
  }
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(ip, guint16(config_.endpoint.control_port));
  service_ = g_socket_service_new();
  g_autoptr(GSocketAddress) effective = nullptr;
  if (!g_socket_listener_add_address(G_SOCKET_LISTENER(service_), addr, G_SOCKET_TYPE_STREAM,
                                     G_SOCKET_PROTOCOL_TCP, nullptr, &effective, error)) {
    g_prefix_error(error, "control port %s:%d: ", config_.endpoint.address.c_str(), config_.endpoint.control_port);
    return false;
  }
  port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
  g_signal_connect(service_, "incoming", G_CALLBACK(on_incoming), this);
  g_socket_service_start(service_);
  tick_ = g_timeout_source_new(50);
  g_source_set_callback(tick_, on_tick, this, nullptr);
  g_source_attach(tick_, g_main_context_get_thread_default());
  return true;
}

void ControlServer::stop() {
  if (tick_) {
    g_source_destroy(tick_);
    g_source_unref(tick_);
    tick_ = nullptr;
  }
  auto clients = clients_;
  for (auto &c : clients) close_client(c, "camera stopping");
  if (service_) {
    g_socket_service_stop(service_);
    g_socket_listener_close(G_SOCKET_LISTENER(service_));
    g_signal_handlers_disconnect_by_data(service_, this);
    g_object_unref(service_);
    service_ = nullptr;
  }
}

gboolean ControlServer::on_incoming(GSocketService *, GSocketConnection *conn, GObject *,
                                    gpointer self) {
  static_cast<ControlServer *>(self)->accept(conn);
  return TRUE;
}

void ControlServer::accept(GSocketConnection *conn) {
  auto c = std::make_shared<Client>();
  c->server = this;
  c->id = next_id_++;
  c->conn = G_SOCKET_CONNECTION(g_object_ref(conn));
  c->peer = describe_peer(conn);
  g_socket_set_option(g_socket_connection_get_socket(conn), IPPROTO_TCP, TCP_NODELAY, 1, nullptr);
  clients_.push_back(c);
  stats_.add("connections");
  if (config_.verbose) g_message("control: connection from %s", c->peer.c_str());
  // A busy reply answers a login: until then the client is only connected.
  if (!session_.expired() && !config_.faults.silent && config_.busy_mode != RefuseMode::kBusy) {
    refuse(c, config_.busy_mode, config_.busy_bytes, "busy: another client is logged in");
    stats_.add("busy_refused");
    if (c->closed) return;
  }
  ClientIo::read_more(c);
}

void ControlServer::refuse(const std::shared_ptr<Client> &c, RefuseMode mode,
                           const std::vector<uint8_t> &bytes, const char *why) {
  g_message("control: refusing %s (%s)", c->peer.c_str(), why);
  switch (mode) {
    case RefuseMode::kClose:
      close_client(c, why);
      break;
    case RefuseMode::kIgnore:
      c->ignored = true;
      break;
    case RefuseMode::kReply:
      c->ignored = true;
      ClientIo::send_raw(c, Bytes(bytes.begin(), bytes.end()));
      break;
    case RefuseMode::kBusy:
      // Kept open and still read: a login once the other client has left
      // is accepted.
      stats_.add("busy_replies");
      send_message(c, config_, stats_, msg::kBusy);
      break;
  }
}

void ControlServer::reply(const std::shared_ptr<Client> &c, std::function<void()> send) {
  if (config_.faults.reply_delay_ms == 0) {
    send();
    return;
  }
  std::weak_ptr<Client> weak = c;
  g_source_unref(call_later(config_.faults.reply_delay_ms, [weak, send = std::move(send)] {
    if (auto c = weak.lock(); c && !c->closed) send();
  }));
}

void ControlServer::handle(const std::shared_ptr<Client> &c, uint32_t type, ByteView payload) {
  log_message(config_, "in from", c->peer, type, payload);
  if (type == msg::kAliveResponse) {
    c->last_answer_ms = now_ms();
    return;
  }
  if (type == msg::kLogin) {
    handle_login(c, payload);
    return;
  }
  // One public client pings with its own alive request; cameras answer it.
  if (type == msg::kAliveRequest && c->logged_in) {
    c->last_answer_ms = now_ms();
    send_message(c, config_, stats_, msg::kAliveResponse);
    stats_.add("alive_requests_answered");
    return;
  }
  if (!c->logged_in) {
    g_message("control: %s sent 0x%04x before logging in; ignored", c->peer.c_str(), type);
    stats_.add("ignored_before_login");
    return;
  }
  std::weak_ptr<Client> weak = c;
  auto out = [this, weak](uint32_t t, Bytes p) {
    if (auto c = weak.lock()) send_message(c, config_, stats_, t, p);
  };
  switch (type) {
    case msg::kStartPreview:
      stats_.add("start_preview");
      reply(c, [this, c] {
        g_autoptr(GSocketAddress) addr =
            g_socket_connection_get_remote_address(c->conn, nullptr);
        if (addr && G_IS_INET_SOCKET_ADDRESS(addr))
          handler_.start_preview(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr)));
      });
      break;
    case msg::kRequestFileList:
      reply(c, [this, out] {
        for (auto &part : encode_file_list(handler_.file_list(), config_.part_size))
          out(msg::kFileListPart, part);
      });
      break;
    case msg::kTakeStill:
      stats_.add("stills_requested");
      handler_.take_still([this, c, out] {
        if (!config_.faults.no_still_answer) reply(c, [out] { out(msg::kStillSaved, {}); });
      });
      break;
    case msg::kControlRecording: {
      bool start = !payload.empty() && payload[0] == 1;
      handler_.control_recording(
          start, [this, c, out] { reply(c, [out] { out(msg::kRecordingAccepted, {}); }); });
      break;
    }
    default:
      if (answer_app_request(c, type, payload)) break;
      g_message("control: unknown message type 0x%04x (%zu bytes) from %s%s", type,
                payload.size(), c->peer.c_str(),
                config_.unknown_reply == UnknownReply::kEcho ? "; echoing it" : "");
      stats_.add("unknown_messages");
      if (config_.unknown_reply == UnknownReply::kEcho)
        reply(c, [out, type, p = Bytes(payload.begin(), payload.end())] { out(type, p); });
      break;
  }
}

void ControlServer::handle_login(const std::shared_ptr<Client> &c, ByteView payload) {
  auto session = session_.lock();
  if (session && session != c) {
    stats_.add("busy_refused");
    refuse(c, config_.busy_mode, config_.busy_bytes, "busy: another client is logged in");
    return;
  }
  g_autoptr(GError) error = nullptr;
  auto creds = parse_login(payload, &error);
  bool right = creds && creds->user == config_.endpoint.user && creds->password == config_.endpoint.password;
  if (!right || config_.faults.refuse_login) {
    stats_.add("logins_refused");
    refuse(c, config_.refuse_mode, config_.refuse_bytes,
           !creds                        ? "login payload does not parse"
           : config_.faults.refuse_login ? "refusing every login (--refuse-login)"
                                         : "wrong user or password");
    return;
  }
  reply(c, [this, c] {
    c->logged_in = true;
    session_ = c;
    stats_.add("logins_accepted");
    c->last_answer_ms = now_ms();
    c->next_alive_ms = now_ms() + config_.alive_interval_ms;
    // protocol.md: the camera sends an alive request between login and
    // login accepted.
    if (!config_.faults.no_alive) {
      send_message(c, config_, stats_, msg::kAliveRequest);
      stats_.add("alive_requests_sent");
    }
    Bytes echo = encode_login(config_.endpoint.user, config_.endpoint.password, nullptr).value_or(Bytes());
    echo.resize(config_.login_reply_length, 0);  // SJ4000 Air clients wait for 129 bytes
    send_message(c, config_, stats_, msg::kLoginAccepted, echo);
    if (config_.verbose) g_message("control: %s logged in", c->peer.c_str());
  });
}

gboolean ControlServer::on_tick(gpointer self) {
  auto *s = static_cast<ControlServer *>(self);
  auto c = s->session_.lock();
  if (!c || c->closed) return G_SOURCE_CONTINUE;
  int64_t now = now_ms();
  if (!s->config_.faults.no_alive && now >= c->next_alive_ms) {
    send_message(c, s->config_, s->stats_, msg::kAliveRequest);
    s->stats_.add("alive_requests_sent");
    c->next_alive_ms = now + s->config_.alive_interval_ms;
  }
  if (now - c->last_answer_ms > int64_t(s->config_.alive_timeout_ms)) {
    g_message("control: dropping %s: no alive response for %u ms", c->peer.c_str(),
              s->config_.alive_timeout_ms);
    s->stats_.add("clients_dropped_alive");
    s->close_client(c, "alive timeout");
  }
  return G_SOURCE_CONTINUE;
}

bool ControlServer::answer_app_request(const std::shared_ptr<Client> &c, uint32_t type,
                                       ByteView payload) {
  AppAnswer a = handler_.app_request(type, payload);
  if (!a.handled) return false;
  std::weak_ptr<Client> weak = c;
  reply(c, [this, weak, a = std::move(a)] {
    auto c = weak.lock();
    if (!c) return;
    if (a.reply_type) send_message(c, config_, stats_, *a.reply_type, a.payload);
    if (!a.drop_client) return;
    if (c->outq.empty() && !c->writing) close_client(c, "its Wi-Fi went off");
    else c->close_after_flush = true;
  });
  return true;
}

bool ControlServer::send_event(uint32_t type, ByteView payload) {
  auto c = session_.lock();
  if (!c || c->closed) return false;
  send_message(c, config_, stats_, type, payload);
  return true;
}

void ControlServer::drop_session(const char *why) {
  if (auto c = session_.lock()) {
    g_message("control: dropping %s (%s)", c->peer.c_str(), why);
    close_client(c, why);
  }
}

void ControlServer::close_client(const std::shared_ptr<Client> &c, const char *why) {
  if (c->closed) return;
  c->closed = true;
  if (config_.verbose) g_message("control: closing %s (%s)", c->peer.c_str(), why);
  g_cancellable_cancel(c->cancel);
  g_io_stream_close(G_IO_STREAM(c->conn), nullptr, nullptr);
  bool was_session = session_.lock() == c;
  forget(c.get());
  if (was_session) {
    session_.reset();
    handler_.session_ended();
  }
}

void ControlServer::forget(Client *c) {
  std::erase_if(clients_, [c](const auto &p) { return p.get() == c; });
}

}  // namespace ipcam::sim
