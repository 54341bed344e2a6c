// The machine's network interfaces as ONVIF's GetNetworkInterfaces lists
// them: name, hardware (MAC) address, MTU, IPv4 addresses. Clients use the
// first one's MAC as the device's identity (Home Assistant does), so the
// interface the request came in on comes first.
#pragma once

#include <string>

namespace ipcam::server {

// The tds:NetworkInterfaces elements. `local_address`: the address the
// request reached (its interface first; loopback is listed only then).
std::string network_interfaces_xml(const std::string &local_address);

}  // namespace ipcam::server
