// Discovery (UDP 22600 and 21600): answers each 0x0114 request to its
// source address and port, from the control address, and only when that
// address is on the network the request came from. Sockets bind the
// wildcard address, since a socket bound to 127.0.0.1 never receives a
// broadcast.
#pragma once

#include "camera-config.h"
#include "faults.h"

#include <gio/gio.h>
#include <netinet/in.h>

#include <vector>

namespace ipcam::sim {

class DiscoveryResponder {
 public:
  DiscoveryResponder(const CameraConfig &config, Stats &stats) : config_(config), stats_(stats) {}
  ~DiscoveryResponder();
  DiscoveryResponder(const DiscoveryResponder &) = delete;
  DiscoveryResponder &operator=(const DiscoveryResponder &) = delete;

  bool start(GError **error);
  void stop();
  std::vector<uint16_t> ports() const;

 private:
  struct Port {
    DiscoveryResponder *self;
    GSocket *socket;
    GSource *source;
    uint16_t port;
  };
  static gboolean on_readable(GSocket *socket, GIOCondition, gpointer port);
  void answer(Port &p);
  void send_from_bind(Port &p, const std::vector<uint8_t> &answer, const sockaddr_in &to);

  const CameraConfig &config_;
  Stats &stats_;
  std::vector<Port *> ports_;
};

}  // namespace ipcam::sim
