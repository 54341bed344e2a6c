// Discovery (UDP 22600 and 21600): answers each 0x0114 request to its
// source address and port. Sockets bind the wildcard address, since a
// socket bound to 127.0.0.1 never receives a broadcast.
#pragma once

#include "camera_config.h"
#include "faults.h"

#include <gio/gio.h>

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

  const CameraConfig &config_;
  Stats &stats_;
  std::vector<Port *> ports_;
};

}  // namespace ipcam::sim
