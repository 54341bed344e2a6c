// GetNetworkInterfaces: see network-interfaces.h.
#include "onvif/network-interfaces.h"

#include "onvif/soap-envelope.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <glib.h>

#include <algorithm>
#include <map>
#include <vector>

namespace ipcam::server {

namespace {

struct Interface {
  std::string name, mac;
  bool up = false, loopback = false, has_local = false;
  std::vector<std::pair<std::string, int>> ipv4;  // address, prefix length
};

int prefix_length(const sockaddr *mask) {
  if (!mask) return 32;
  return __builtin_popcount(reinterpret_cast<const sockaddr_in *>(mask)->sin_addr.s_addr);
}

std::string mtu_of(const std::string &name) {
  g_autofree char *text = nullptr;
  const std::string path = "/sys/class/net/" + name + "/mtu";
  if (!g_file_get_contents(path.c_str(), &text, nullptr, nullptr)) return {};
  return g_strstrip(text);
}

std::vector<Interface> interfaces(const std::string &local_address) {
  std::map<std::string, Interface> by_name;
  ifaddrs *list = nullptr;
  if (getifaddrs(&list) != 0) return {};
  for (ifaddrs *a = list; a; a = a->ifa_next) {
    if (!a->ifa_name || !a->ifa_addr) continue;
    Interface &i = by_name[a->ifa_name];
    i.name = a->ifa_name;
    i.up = a->ifa_flags & IFF_UP;
    i.loopback = a->ifa_flags & IFF_LOOPBACK;
    if (a->ifa_addr->sa_family == AF_PACKET) {
      const auto *ll = reinterpret_cast<const sockaddr_ll *>(a->ifa_addr);
      char mac[18] = "";
      if (ll->sll_halen == 6)
        g_snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", ll->sll_addr[0], ll->sll_addr[1],
                   ll->sll_addr[2], ll->sll_addr[3], ll->sll_addr[4], ll->sll_addr[5]);
      i.mac = mac;
    } else if (a->ifa_addr->sa_family == AF_INET) {
      char text[INET_ADDRSTRLEN] = "";
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in *>(a->ifa_addr)->sin_addr, text, sizeof text);
      i.ipv4.emplace_back(text, prefix_length(a->ifa_netmask));
      if (local_address == text) i.has_local = true;
    }
  }
  freeifaddrs(list);
  std::vector<Interface> out;
  for (auto &[name, i] : by_name)
    if (!i.ipv4.empty() && (!i.loopback || i.has_local)) out.push_back(i);
  std::stable_partition(out.begin(), out.end(), [](const Interface &i) { return i.has_local; });
  return out;
}

}  // namespace

std::string network_interfaces_xml(const std::string &local_address) {
  std::string xml;
  for (const Interface &i : interfaces(local_address)) {
    xml += "<tds:NetworkInterfaces token=\"" + xml_text(i.name) + "\">";
    xml += element("tt:Enabled", i.up ? "true" : "false");
    xml += "<tt:Info>" + element("tt:Name", i.name) +
           element("tt:HwAddress", i.mac.empty() ? "00:00:00:00:00:00" : i.mac);
    const std::string mtu = mtu_of(i.name);
    if (!mtu.empty()) xml += element("tt:MTU", mtu);
    xml += "</tt:Info><tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config>";
    for (const auto &[address, prefix] : i.ipv4)
      xml += "<tt:Manual>" + element("tt:Address", address) + element("tt:PrefixLength", std::to_string(prefix)) +
             "</tt:Manual>";
    xml += "<tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4></tds:NetworkInterfaces>";
  }
  return xml;
}

}  // namespace ipcam::server
