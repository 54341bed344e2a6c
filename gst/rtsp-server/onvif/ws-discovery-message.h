// WS-Discovery's messages as ONVIF uses them (SOAP 1.2 over UDP, the
// 2005/04 discovery and 2004/08 addressing namespaces): a Probe read with
// libxml2, and the ProbeMatches, Hello and Bye texts built for it. Pure
// functions, no sockets, so every hostile datagram is a unit of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ipcam::server {

// Who this device is on the wire: the same in every message.
struct DiscoveryEndpoint {
  std::string uuid;                 // "urn:uuid:…", stable across restarts
  std::vector<std::string> scopes;  // GetScopes' (onvif_scopes())
  unsigned metadata_version = 1;
  uint64_t instance_id = 0;  // AppSequence InstanceId: grows at each start
};

// What a datagram asks: a Probe, or another message of the group (a
// Hello or Bye of another device, this server's own looped back).
struct Probe {
  bool is_probe = false;
  std::string message_id;
  bool matches = false;  // its Types and Scopes both match this device
};

// The message in `data`, or nothing when it is malformed: not XML, a
// DOCTYPE (refused before its internal subset is read), not a SOAP
// envelope with a header and a body, a Probe without a MessageID.
std::optional<Probe> parse_probe(const char *data, size_t size, const DiscoveryEndpoint &self);

// The answer to `probe`, with the device service at `xaddr`.
std::string probe_matches_message(const DiscoveryEndpoint &self, const std::string &relates_to,
                                  const std::string &xaddr, uint64_t message_number);
std::string hello_message(const DiscoveryEndpoint &self, const std::string &xaddr, uint64_t message_number);
std::string bye_message(const DiscoveryEndpoint &self, uint64_t message_number);

// A name-based UUID (SHA-1, RFC 4122 version 5 layout) of `name`, in
// urn:uuid form: the same name gives the same endpoint at every start.
std::string endpoint_uuid(const std::string &name);

}  // namespace ipcam::server
