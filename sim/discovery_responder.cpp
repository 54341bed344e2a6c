#include "discovery_responder.h"

#include "ipcam/wire.h"

#include <algorithm>

namespace ipcam::sim {

DiscoveryResponder::~DiscoveryResponder() { stop(); }

bool DiscoveryResponder::start(GError **error) {
  for (int want : config_.discovery_ports) {
    GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                              G_SOCKET_PROTOCOL_UDP, error);
    if (!s) return false;
    g_socket_set_broadcast(s, TRUE);
    g_autoptr(GInetAddress) any = g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(any, guint16(want));
    if (!g_socket_bind(s, addr, TRUE, error)) {
      g_prefix_error(error, "discovery port %d: ", want);
      g_object_unref(s);
      return false;
    }
    g_autoptr(GSocketAddress) local = g_socket_get_local_address(s, error);
    if (!local) {
      g_object_unref(s);
      return false;
    }
    auto *p = new Port{this, s, g_socket_create_source(s, G_IO_IN, nullptr),
                       g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local))};
    g_source_set_callback(p->source, G_SOURCE_FUNC(on_readable), p, nullptr);
    g_source_attach(p->source, g_main_context_get_thread_default());
    ports_.push_back(p);
  }
  return true;
}

void DiscoveryResponder::stop() {
  for (Port *p : ports_) {
    g_source_destroy(p->source);
    g_source_unref(p->source);
    g_socket_close(p->socket, nullptr);
    g_object_unref(p->socket);
    delete p;
  }
  ports_.clear();
}

std::vector<uint16_t> DiscoveryResponder::ports() const {
  std::vector<uint16_t> out;
  for (const Port *p : ports_) out.push_back(p->port);
  return out;
}

gboolean DiscoveryResponder::on_readable(GSocket *, GIOCondition, gpointer data) {
  auto *p = static_cast<Port *>(data);
  p->self->answer(*p);
  return G_SOURCE_CONTINUE;
}

void DiscoveryResponder::answer(Port &p) {
  uint8_t buf[2048];
  GSocketAddress *from_raw = nullptr;
  gssize n = g_socket_receive_from(p.socket, &from_raw, reinterpret_cast<char *>(buf), sizeof buf,
                                   nullptr, nullptr);
  g_autoptr(GSocketAddress) from = from_raw;
  if (n < 0 || !from) return;
  auto r = parse_control(ByteView(buf, size_t(n)));
  g_autofree char *who = nullptr;
  if (G_IS_INET_SOCKET_ADDRESS(from)) {
    g_autofree char *ip = g_inet_address_to_string(
        g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(from)));
    who = g_strdup_printf("%s:%u", ip, g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(from)));
  }
  if (r.status != ControlParseStatus::kOk || r.type != msg::kDiscoveryRequest) {
    g_message("discovery: port %u: ignoring %zd bytes from %s that are not a discovery request (%s)",
              p.port, n, who ? who : "?", hex_dump(ByteView(buf, size_t(n)), 16).c_str());
    stats_.add("discovery_ignored");
    return;
  }
  stats_.add("discovery_requests");
  Bytes answer;
  switch (config_.discovery_format) {
    case DiscoveryFormat::kNone:
      return;
    case DiscoveryFormat::kText:
      answer.assign(config_.serial.begin(), config_.serial.end());
      break;
    case DiscoveryFormat::kMessage: {
      // Layout unknown (protocol.md): the serial NUL-padded to 64 bytes.
      Bytes payload(64, 0);
      std::copy_n(config_.serial.begin(), std::min<size_t>(63, config_.serial.size()),
                  payload.begin());
      answer = encode_control(msg::kDiscoveryResponse, payload);
      break;
    }
  }
  if (config_.verbose) g_message("discovery: port %u: answering %s", p.port, who ? who : "?");
  g_socket_send_to(p.socket, from, reinterpret_cast<const char *>(answer.data()), answer.size(),
                   nullptr, nullptr);
  stats_.add("discovery_answers");
}

}  // namespace ipcam::sim
