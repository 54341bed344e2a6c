// Discovery: see discovery.h. One UDP socket sends the request to every
// broadcast address and port, then collects answers until the deadline.
#include "ipcam/discovery.h"

#include "ipcam/error.h"
#include "ipcam/interface.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace ipcam {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char *kLoopbackDiscoveryAddress = "127.0.0.1";

// The printable text at the start of `b`. A run cut short by a
// non-printable byte counts only from 3 characters on, so a binary answer
// whose first byte happens to be a letter does not pass for a serial.
std::string leading_text(ByteView b) {
  std::string s;
  size_t i = 0;
  for (; i < b.size(); i++) {
    uint8_t c = b[i];
    if (c == 0) break;
    if (c < 0x20 || c >= 0x7F) {
      if (s.size() < 3) return {};
      break;
    }
    s += char(c);
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  size_t start = s.find_first_not_of(' ');
  return start == std::string::npos ? std::string() : s.substr(start);
}

// Broadcast addresses of the up IPv4 interfaces that have one (only of
// interface `only` when it is given).
std::vector<std::string> interface_broadcasts(const std::string &only) {
  std::vector<std::string> out;
  struct ifaddrs *list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (struct ifaddrs *i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    if (!only.empty() && only != i->ifa_name) continue;
    if (!(i->ifa_flags & IFF_UP) || !(i->ifa_flags & IFF_BROADCAST) || !i->ifa_broadaddr) continue;
    auto *sin = reinterpret_cast<const struct sockaddr_in *>(i->ifa_broadaddr);
    if (sin->sin_addr.s_addr == htonl(INADDR_BROADCAST) || sin->sin_addr.s_addr == 0) continue;
    g_autoptr(GInetAddress) a =
        g_inet_address_new_from_bytes(reinterpret_cast<const guint8 *>(&sin->sin_addr), G_SOCKET_FAMILY_IPV4);
    g_autofree char *text = g_inet_address_to_string(a);
    if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(text);
  }
  freeifaddrs(list);
  return out;
}

std::string describe(const std::vector<std::string> &addresses, const std::vector<uint16_t> &ports) {
  std::string s;
  for (size_t i = 0; i < addresses.size(); i++) s += (i ? ", " : "") + addresses[i];
  s += ports.size() == 1 ? " port " : " ports ";
  for (size_t i = 0; i < ports.size(); i++) s += (i ? ", " : "") + std::to_string(ports[i]);
  return s;
}

GSocket *bind_socket(uint16_t source_port, const std::string &interface, GError **error) {
  GError *e = nullptr;
  GSocket *sock = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &e);
  if (!sock) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO, "Cannot open a UDP socket for discovery: %s", e->message);
    g_error_free(e);
    return nullptr;
  }
  g_socket_set_broadcast(sock, TRUE);
  // Each answer says which interface it came in on.
  g_socket_set_option(sock, IPPROTO_IP, IP_PKTINFO, 1, nullptr);
  if (!bind_to_interface(sock, interface, &e)) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO, "Cannot search for cameras on %s: %s", interface.c_str(),
                e->message);
    g_error_free(e);
    g_object_unref(sock);
    return nullptr;
  }
  g_autoptr(GInetAddress) any = g_inet_address_new_any(G_SOCKET_FAMILY_IPV4);
  // No address reuse: with SO_REUSEPORT another program on the same port
  // could receive our answers.
  g_autoptr(GSocketAddress) wanted = g_inet_socket_address_new(any, source_port);
  if (g_socket_bind(sock, wanted, FALSE, &e)) return sock;
  g_debug("discovery: source port %u unavailable (%s), using any free port", source_port, e->message);
  g_clear_error(&e);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new(any, 0);
  if (g_socket_bind(sock, any_port, FALSE, &e)) return sock;
  g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO, "Cannot bind a UDP socket for discovery: %s", e->message);
  g_error_free(e);
  g_object_unref(sock);
  return nullptr;
}

}  // namespace

std::string parse_discovery_serial(ByteView answer) {
  ControlParseResult r = parse_control(answer);
  if (r.status == ControlParseStatus::kOk) return r.type == msg::kDiscoveryResponse ? leading_text(r.payload) : "";
  if (r.status == ControlParseStatus::kNeedMore && !answer.empty()) return "";  // a cut-off control message
  return leading_text(answer);
}

namespace {

// The socket addresses the request goes to, released with it.
struct Destinations {
  std::vector<GSocketAddress *> list;
  Destinations() = default;
  Destinations(const Destinations &) = delete;
  Destinations &operator=(const Destinations &) = delete;
  ~Destinations() {
    for (auto *d : list) g_object_unref(d);
  }
};

// Every target address × every port; fails on an address that is not IPv4
// or is 255.255.255.255.
bool make_destinations(const std::vector<std::string> &targets, const std::vector<uint16_t> &ports,
                       Destinations &destinations, GError **error) {
  for (const auto &t : targets) {
    g_autoptr(GInetAddress) a = g_inet_address_new_from_string(t.c_str());
    if (!a || g_inet_address_get_family(a) != G_SOCKET_FAMILY_IPV4) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                  "\"%s\" is not an IPv4 broadcast address (e.g. 192.168.1.255)", t.c_str());
      return false;
    }
    if (t == "255.255.255.255") {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT,
                  "255.255.255.255 is never used: give the broadcast address of the camera's network "
                  "(e.g. 192.168.1.255), or none to use each interface's own");
      return false;
    }
    for (uint16_t port : ports) destinations.list.push_back(g_inet_socket_address_new(a, port));
  }
  return true;
}

// Sends the request to every destination; fails only if none got it (or
// on a cancel).
bool send_request(GSocket *sock, const Bytes &request, const Destinations &destinations, const std::string &where,
                  GCancellable *cancellable, GError **error) {
  size_t sent = 0;
  std::string last_send_error;
  for (GSocketAddress *d : destinations.list) {
    GError *e = nullptr;
    if (g_socket_send_to(sock, d, reinterpret_cast<const gchar *>(request.data()), request.size(), cancellable, &e) >= 0) {
      sent++;
    } else {
      last_send_error = e->message;
      g_debug("discovery: sending failed: %s", e->message);
      g_error_free(e);
    }
  }
  if (g_cancellable_is_cancelled(cancellable)) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_CANCELLED, "Discovery was cancelled");
    return false;
  }
  if (sent == 0) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO, "Cannot send the discovery request to %s: %s", where.c_str(),
                last_send_error.c_str());
    return false;
  }
  return true;
}

// Lists an answer's sender, once per address and interface.
void record_answer(ByteView answer, const sockaddr_in &from, int ifindex, std::vector<DiscoveredCamera> &cameras) {
  char address[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &from.sin_addr, address, sizeof address);
  std::string interface = interface_name(ifindex);
  bool known = std::any_of(cameras.begin(), cameras.end(),
                           [&](const auto &c) { return c.address == address && c.interface == interface; });
  g_debug("discovery: %zu bytes from %s:%u on %s%s", answer.size(), address, ntohs(from.sin_port),
          interface.empty() ? "?" : interface.c_str(), known ? " (already listed)" : "");
  if (known) return;
  DiscoveredCamera cam;
  cam.address = address;
  cam.port = ntohs(from.sin_port);
  cam.interface = interface;
  cam.answer.assign(answer.begin(), answer.end());
  cam.serial = parse_discovery_serial(answer);
  cameras.push_back(std::move(cam));
}

// Collects answers until the timeout, or until max_cameras answered.
bool collect_answers(GSocket *sock, const DiscoveryConfig &config, const Bytes &request,
                     std::vector<DiscoveredCamera> &cameras, GCancellable *cancellable, GError **error) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(config.timeout_ms);
  uint8_t buf[2048];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()).count();
    if (left <= 0) return true;
    GError *e = nullptr;
    if (!g_socket_condition_timed_wait(sock, G_IO_IN, left, cancellable, &e)) {
      bool timed_out = g_error_matches(e, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
      if (!timed_out)
        g_set_error(error, IPCAM_ERROR,
                    g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? IPCAM_ERROR_CANCELLED : IPCAM_ERROR_IO,
                    "Discovery: %s", e->message);
      g_error_free(e);
      return timed_out;
    }
    sockaddr_in from{};
    socklen_t from_len = 0;
    int ifindex = 0;
    gssize n = receive_with_interface(sock, buf, sizeof buf, from, from_len, ifindex);
    if (n < 0) {
      g_debug("discovery: receive: %s", g_strerror(errno));
      continue;
    }
    ByteView answer(buf, size_t(n));
    // Our own request, looped back when a discovery port is also ours.
    if (std::equal(answer.begin(), answer.end(), request.begin(), request.end())) continue;
    if (from_len < sizeof from || from.sin_family != AF_INET) continue;
    record_answer(answer, from, ifindex, cameras);
    if (config.max_cameras && cameras.size() >= config.max_cameras) return true;
  }
}

bool discover_into(const DiscoveryConfig &config, std::vector<DiscoveredCamera> &cameras, GCancellable *cancellable,
                   std::string *where, GError **error) {
  std::vector<std::string> targets = config.broadcast_addresses;
  if (targets.empty()) targets = interface_broadcasts(config.interface);
  // An emulator on this machine is found too: a broadcast never reaches a
  // socket bound to loopback, and 127.0.0.1 reaches nobody else. Not when
  // the user named where to ask (addresses, or an interface).
  if (config.broadcast_addresses.empty() && config.interface.empty()) targets.push_back(kLoopbackDiscoveryAddress);
  if (where) *where = describe(targets, config.ports);
  if (targets.empty()) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO,
                "No network interface to search for cameras on (no up IPv4 interface has a broadcast "
                "address). Join the camera's WiFi, or give its address");
    return false;
  }
  if (config.ports.empty()) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT, "No discovery port given (cameras use %u and %u)",
                unsigned(kDiscoveryPorts[0]), unsigned(kDiscoveryPorts[1]));
    return false;
  }
  Destinations destinations;
  if (!make_destinations(targets, config.ports, destinations, error)) return false;
  GSocket *raw_sock = bind_socket(config.source_port, config.interface, error);
  if (!raw_sock) return false;
  g_autoptr(GSocket) sock = raw_sock;
  const Bytes request = encode_control(msg::kDiscoveryRequest);
  if (!send_request(sock, request, destinations, describe(targets, config.ports), cancellable, error)) return false;
  return collect_answers(sock, config, request, cameras, cancellable, error);
}

}  // namespace

std::optional<std::vector<DiscoveredCamera>> discover(const DiscoveryConfig &config, GCancellable *cancellable,
                                                      std::string *where, GError **error) {
  std::vector<DiscoveredCamera> cameras;
  if (!discover_into(config, cameras, cancellable, where, error)) return std::nullopt;
  return cameras;
}

}  // namespace ipcam
