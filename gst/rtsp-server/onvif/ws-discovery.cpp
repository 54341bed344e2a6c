// WsDiscovery: see ws-discovery.h.
#include "onvif/ws-discovery.h"

#include <arpa/inet.h>
#include <glib-unix.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace ipcam::server {

namespace {

constexpr uint16_t kPort = 3702;
constexpr const char *kGroup = "239.255.255.250";
constexpr size_t kMaxDatagram = 64 * 1024;  // larger ones are dropped unread
constexpr int kDatagramsPerWake = 32;       // then the main loop runs again
// Answers per source: a burst (node-onvif sends nine probes at once), then
// a few a second; and a cap for all sources together (spoofed floods).
constexpr double kSourceBurst = 16, kSourcePerSecond = 4;
constexpr double kAllBurst = 200, kAllPerSecond = 100;
constexpr size_t kMaxSources = 4096;

std::string machine_id() {
  for (const char *path : {"/etc/machine-id", "/var/lib/dbus/machine-id"}) {
    g_autofree char *text = nullptr;
    if (g_file_get_contents(path, &text, nullptr, nullptr) && *g_strstrip(text)) return text;
  }
  return g_get_host_name();
}

std::string address_text(in_addr a) {
  char text[INET_ADDRSTRLEN] = "";
  inet_ntop(AF_INET, &a, text, sizeof text);
  return text;
}

sockaddr_in group_address() {
  sockaddr_in group{};
  group.sin_family = AF_INET;
  group.sin_port = htons(kPort);
  inet_pton(AF_INET, kGroup, &group.sin_addr);
  return group;
}

bool take(double &tokens, gint64 &at_us, gint64 now_us, double burst, double per_second) {
  tokens = std::min(burst, tokens + (now_us - at_us) * per_second / G_USEC_PER_SEC);
  at_us = now_us;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

}  // namespace

WsDiscovery::WsDiscovery(const ServerOptions &options, uint16_t control_port, std::vector<std::string> scopes)
    : options_(options), control_port_(control_port), datagram_(kMaxDatagram) {
  self_.uuid =
      endpoint_uuid("ipcam-rtsp-server ONVIF device " + machine_id() + " port " + std::to_string(control_port));
  self_.scopes = std::move(scopes);
  self_.instance_id = g_get_real_time() / G_USEC_PER_SEC;
  all_.tokens = kAllBurst;
}

WsDiscovery::~WsDiscovery() {
  if (watch_) g_source_remove(watch_);
  if (fd_ >= 0) close(fd_);
}

// Which interfaces --bind serves; false (logged) when none.
bool WsDiscovery::choose_interfaces() {
  const std::string &bind = options_.bind;
  in_addr wanted{};
  every_interface_ = bind == "0.0.0.0" || bind == "::" || bind.empty();
  const bool ipv4 = inet_pton(AF_INET, bind.c_str(), &wanted) == 1;
  if (bind == "::1" || bind == "localhost" || (ipv4 && (ntohl(wanted.s_addr) >> 24) == 127)) {
    g_message("ONVIF discovery off: bound to loopback only; --bind an address of the camera network to be found");
    return false;
  }
  if (!every_interface_ && !ipv4) {
    g_message("ONVIF discovery off: --bind %s is not an IPv4 address (discovery is IPv4 only: --bind an IPv4 "
              "address of the camera network, or 0.0.0.0)",
              bind.c_str());
    return false;
  }
  ifaddrs *all = nullptr;
  if (getifaddrs(&all) != 0) {
    g_warning("ONVIF discovery off: cannot list the network interfaces: %s", g_strerror(errno));
    return false;
  }
  for (ifaddrs *i = all; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP) ||
        (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_MULTICAST))
      continue;
    const in_addr a = reinterpret_cast<sockaddr_in *>(i->ifa_addr)->sin_addr;
    if (!every_interface_ && a.s_addr != wanted.s_addr) continue;
    const unsigned index = if_nametoindex(i->ifa_name);
    if (!index || std::any_of(interfaces_.begin(), interfaces_.end(), [&](auto &f) { return f.index == index; }))
      continue;
    Interface f{index, i->ifa_name, a, {}};
    // From the mask: an address added without `brd` has no broadcast of its
    // own; a /31 or /32 has none (its other address is the peer's).
    const auto *netmask = reinterpret_cast<sockaddr_in *>(i->ifa_netmask);
    const uint32_t mask = netmask ? ntohl(netmask->sin_addr.s_addr) : ~0u;
    if (~mask > 1) f.broadcast.s_addr = htonl(ntohl(a.s_addr) | ~mask);
    interfaces_.push_back(f);
  }
  freeifaddrs(all);
  if (interfaces_.empty())
    g_message("ONVIF discovery off: %s", every_interface_ ? "no IPv4 interface but loopback is up"
                                                          : "no interface that is up has the --bind address");
  return !interfaces_.empty();
}

// One socket on UDP 3702, shared with any other server or client of this
// machine, in the group on each served interface and no other.
bool WsDiscovery::open_socket() {
  fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int on = 1, off = 0, ttl = 1;
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_port = htons(kPort);
  bool ok = fd_ >= 0 && setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0 &&
            setsockopt(fd_, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) == 0 &&
            // Else Linux hands this socket the group from every interface another socket joined.
            setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_ALL, &off, sizeof off) == 0 &&
            setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) == 0 &&
            bind(fd_, reinterpret_cast<sockaddr *>(&any), sizeof any) == 0;
  if (!ok) {
    g_warning("ONVIF discovery off: cannot listen on UDP port %u: %s", kPort, g_strerror(errno));
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    return false;
  }
  // An interface that cannot join is left out; the others are still served.
  std::erase_if(interfaces_, [this](const Interface &f) {
    ip_mreqn join{};
    inet_pton(AF_INET, kGroup, &join.imr_multiaddr);
    join.imr_ifindex = static_cast<int>(f.index);
    if (setsockopt(fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &join, sizeof join) == 0) return false;
    g_warning("ONVIF discovery: not on %s: cannot join %s there: %s", f.name.c_str(), kGroup, g_strerror(errno));
    return true;
  });
  return true;
}

void WsDiscovery::start() {
  if (fd_ >= 0 || !choose_interfaces() || !open_socket()) return;
  if (interfaces_.empty()) {
    g_message("ONVIF discovery off: no served interface could join the multicast group");
    close(fd_);
    fd_ = -1;
    return;
  }
  watch_ = g_unix_fd_add(fd_, G_IO_IN, on_readable, this);
  std::string names;
  const sockaddr_in group = group_address();
  for (const Interface &f : interfaces_) {
    names += (names.empty() ? "" : ", ") + f.name + " (" + address_text(f.address) + ")";
    send(group, f, f.address, hello_message(self_, xaddr(f.address), ++message_number_));
  }
  g_message("ONVIF discovery on %s: endpoint %s", names.c_str(), self_.uuid.c_str());
}

void WsDiscovery::stop() {
  if (fd_ < 0) return;
  const sockaddr_in group = group_address();
  for (const Interface &f : interfaces_) send(group, f, f.address, bye_message(self_, ++message_number_));
  g_source_remove(watch_);
  watch_ = 0;
  close(fd_);
  fd_ = -1;
}

gboolean WsDiscovery::on_readable(gint, GIOCondition, gpointer data) {
  auto *self = static_cast<WsDiscovery *>(data);
  for (int i = 0; i < kDatagramsPerWake && self->receive_one(); i++) {
  }
  return G_SOURCE_CONTINUE;
}

// Reads one datagram; false when none is waiting.
bool WsDiscovery::receive_one() {
  sockaddr_in from{};
  iovec iov{datagram_.data(), datagram_.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))];
  msghdr m{};
  m.msg_name = &from;
  m.msg_namelen = sizeof from;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  const ssize_t n = recvmsg(fd_, &m, MSG_TRUNC);
  if (n < 0) return false;
  if ((m.msg_flags & MSG_TRUNC) || static_cast<size_t>(n) > datagram_.size()) {
    dropped(&Drops::oversized);
    return true;
  }
  const in_pktinfo *info = nullptr;
  for (cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
      info = reinterpret_cast<const in_pktinfo *>(CMSG_DATA(c));
  auto served = std::find_if(interfaces_.begin(), interfaces_.end(),
                             [&](const Interface &f) { return info && f.index == unsigned(info->ipi_ifindex); });
  if (served == interfaces_.end()) {
    dropped(&Drops::foreign);
    return true;
  }
  // The probe's own address when serving every interface; else the bound one.
  answer(from, *served, every_interface_ ? info->ipi_spec_dst : served->address, datagram_.data(), size_t(n));
  return true;
}

void WsDiscovery::answer(const sockaddr_in &from, const Interface &iface, in_addr local, const char *data,
                         size_t size) {
  const uint32_t source = ntohl(from.sin_addr.s_addr);
  // Nobody to answer: no port, a group, a broadcast (never sent to).
  if (from.sin_port == 0 || source == 0 || IN_MULTICAST(source) || source == INADDR_BROADCAST ||
      from.sin_addr.s_addr == iface.broadcast.s_addr) {
    dropped(&Drops::unanswerable);
    return;
  }
  if (!allowed(from.sin_addr, g_get_monotonic_time())) {
    dropped(&Drops::limited);
    return;
  }
  const auto probe = parse_probe(data, size, self_);
  if (!probe) {
    dropped(&Drops::malformed);
    return;
  }
  if (probe->is_probe && probe->matches)
    send(from, iface, local, probe_matches_message(self_, probe->message_id, xaddr(local), ++message_number_));
}

bool WsDiscovery::allowed(in_addr source, gint64 now_us) {
  if (!take(all_.tokens, all_.at_us, now_us, kAllBurst, kAllPerSecond)) return false;
  if (buckets_.size() >= kMaxSources) buckets_.clear();  // a spoofed flood: start afresh
  auto [it, added] = buckets_.try_emplace(source.s_addr);
  if (added) it->second = {kSourceBurst, now_us};
  return take(it->second.tokens, it->second.at_us, now_us, kSourceBurst, kSourcePerSecond);
}

// Out of `iface` from `local`, whatever the routes say; never waits.
void WsDiscovery::send(const sockaddr_in &to, const Interface &iface, in_addr local, const std::string &message) {
  iovec iov{const_cast<char *>(message.data()), message.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in_pktinfo))] = {};
  msghdr m{};
  m.msg_name = const_cast<sockaddr_in *>(&to);
  m.msg_namelen = sizeof to;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = control;
  m.msg_controllen = sizeof control;
  cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = IPPROTO_IP;
  c->cmsg_type = IP_PKTINFO;
  c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
  in_pktinfo info{};
  info.ipi_ifindex = static_cast<int>(iface.index);
  info.ipi_spec_dst = local;
  memcpy(CMSG_DATA(c), &info, sizeof info);
  if (sendmsg(fd_, &m, MSG_DONTWAIT) < 0)
    g_debug("ONVIF discovery: cannot send to %s on %s: %s", address_text(to.sin_addr).c_str(), iface.name.c_str(),
            g_strerror(errno));
}

// Counts a datagram not answered; says so (with --verbose) at most once a second.
void WsDiscovery::dropped(unsigned Drops::*kind) {
  drops_.*kind += 1;
  const gint64 now = g_get_monotonic_time();
  if (drops_logged_us_ && now - drops_logged_us_ < G_USEC_PER_SEC) return;
  drops_logged_us_ = now;
  g_debug("ONVIF discovery: datagrams dropped so far: %u oversized, %u malformed, %u over the rate limit, "
          "%u from an interface not served, %u from an address not answered",
          drops_.oversized, drops_.malformed, drops_.limited, drops_.foreign, drops_.unanswerable);
}

std::string WsDiscovery::xaddr(in_addr local) const {
  return "http://" + address_text(local) + ":" + std::to_string(control_port_) + "/onvif/device_service";
}

}  // namespace ipcam::server
