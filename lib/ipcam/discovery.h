// Discovery: broadcast 0x0114 to the discovery ports, collect every answer
// until the timeout. Never sends to 255.255.255.255: with no broadcast
// address given it asks each up IPv4 interface for its own broadcast address,
// and 127.0.0.1 directly, so that an emulator on this machine is found.
#pragma once

#include "ipcam/endpoint.h"
#include "ipcam/wire.h"

#include <gio/gio.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ipcam {

struct DiscoveryConfig {
  // Where to send; empty = the broadcast address of each up IPv4 interface,
  // and 127.0.0.1 (an emulator on this machine) unless `interface` is set.
  std::vector<std::string> broadcast_addresses;
  std::vector<uint16_t> ports{kDiscoveryPorts.begin(), kDiscoveryPorts.end()};
  // Local port the request is sent from (the apps use 22601). If it is
  // taken, any free port is used instead.
  uint16_t source_port = 22601;
  unsigned timeout_ms = 2000;
  // Stop as soon as this many cameras answered (1: take the first one, as a
  // source that just wants a camera does); 0 = every answer until the timeout.
  size_t max_cameras = 0;
  // Ask only through this network interface (SO_BINDTODEVICE); empty = all.
  std::string interface;
};

struct DiscoveredCamera {
  std::string address;  // numeric IPv4 of the answer's sender
  uint16_t port = 0;    // the port it answered from
  Bytes answer;         // the raw answer
  std::string serial;   // where the answer parses, else empty
  std::string interface;  // the local interface the answer came in on
};

// Serial from an answer: a 0x0115 control message whose payload is (or
// starts with) printable text, or a bare printable answer. Empty if none.
std::string parse_discovery_serial(ByteView answer);

// Blocks up to config.timeout_ms (cancellable). One entry per camera
// address and interface (cameras that are their own access point share an
// address, one per adapter), in order of first answer. Fails (std::nullopt) only on a local
// error (no socket, no interface to send on); finding nothing is success
// with an empty list. `where` (optional) receives a description of where it
// asked, e.g. "127.255.255.255 ports P1, P2", for "no camera" messages.
std::optional<std::vector<DiscoveredCamera>> discover(const DiscoveryConfig &config, GCancellable *cancellable,
                                                      std::string *where, GError **error);

}  // namespace ipcam
