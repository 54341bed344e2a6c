#include "discovery-responder.h"

#include "ipcam/interface.h"
#include "ipcam/wire.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace ipcam::sim {

DiscoveryResponder::~DiscoveryResponder() { stop(); }

bool DiscoveryResponder::start(GError **error) {
  for (int want : config_.discovery_ports) {
    GSocket *s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                              G_SOCKET_PROTOCOL_UDP, error);
    if (!s) return false;
    g_socket_set_broadcast(s, TRUE);
    // Which interface each request came in on (answer()).
    g_socket_set_option(s, IPPROTO_IP, IP_PKTINFO, 1, nullptr);
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

namespace {

// True when `bind` (the control address) belongs to the network of the
// interface a request came in on: a camera is found only where it can be
// reached, not at a LAN address when control listens on loopback.
bool reachable_from(const std::string &bind, int ifindex) {
  in_addr want{};
  if (inet_pton(AF_INET, bind.c_str(), &want) != 1 || want.s_addr == htonl(INADDR_ANY)) return true;
  ifaddrs *all = nullptr;
  if (getifaddrs(&all) != 0) return true;
  bool found = false;
  for (ifaddrs *a = all; a && !found; a = a->ifa_next) {
    if (!a->ifa_addr || !a->ifa_netmask || a->ifa_addr->sa_family != AF_INET) continue;
    if (int(if_nametoindex(a->ifa_name)) != ifindex) continue;
    auto addr = reinterpret_cast<sockaddr_in *>(a->ifa_addr)->sin_addr.s_addr;
    auto mask = reinterpret_cast<sockaddr_in *>(a->ifa_netmask)->sin_addr.s_addr;
    found = (addr & mask) == (want.s_addr & mask);
  }
  freeifaddrs(all);
  return found;
}

}  // namespace

// The answer leaves from the control address, which clients then connect to.
void DiscoveryResponder::send_from_bind(Port &p, const std::vector<uint8_t> &answer,
                                        const sockaddr_in &to) {
  iovec iov{const_cast<uint8_t *>(answer.data()), answer.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
  msghdr m{};
  m.msg_name = const_cast<sockaddr_in *>(&to);
  m.msg_namelen = sizeof to;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  in_pktinfo info{};
  if (inet_pton(AF_INET, config_.endpoint.address.c_str(), &info.ipi_spec_dst) == 1 &&
      info.ipi_spec_dst.s_addr != htonl(INADDR_ANY)) {
    m.msg_control = control;
    m.msg_controllen = sizeof control;
    cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(c), &info, sizeof info);
  }
  sendmsg(g_socket_get_fd(p.socket), &m, 0);
}

void DiscoveryResponder::answer(Port &p) {
  uint8_t buf[2048];
  sockaddr_in from_in{};
  socklen_t from_len = 0;
  int ifindex = 0;
  gssize n = ipcam::receive_with_interface(p.socket, buf, sizeof buf, from_in, from_len, ifindex);
  if (n < 0) return;
  g_autoptr(GSocketAddress) from = g_socket_address_new_from_native(&from_in, sizeof from_in);
  if (!from) return;
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
  if (!reachable_from(config_.endpoint.address, ifindex)) {
    if (config_.verbose)
      g_message("discovery: port %u: not answering %s: control listens on %s, not on that network",
                p.port, who ? who : "?", config_.endpoint.address.c_str());
    stats_.add("discovery_not_reachable");
    return;
  }
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
  send_from_bind(p, answer, from_in);
  stats_.add("discovery_answers");
}

}  // namespace ipcam::sim
