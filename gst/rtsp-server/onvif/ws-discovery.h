// WsDiscovery: how NVRs find the server. It answers WS-Discovery Probes
// for an ONVIF NetworkVideoTransmitter on UDP 3702 (multicast group
// 239.255.255.250) with a ProbeMatch naming the device service on the
// address the probe arrived at, says Hello when it starts and Bye when it
// stops. Only on the interfaces the server listens on: --bind 0.0.0.0 is
// every IPv4 interface that is up but loopback, an address is its
// interface, loopback is none. The socket is shared, so several servers on
// one machine all answer; floods and junk cost little and block nothing.
#pragma once

#include "config/server-options.h"
#include "onvif/ws-discovery-message.h"

#include <glib.h>
#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace ipcam::server {

class WsDiscovery {
 public:
  // `control_port`: where the device service is (the control API's port);
  // the endpoint's UUID is derived from it and this machine's id.
  WsDiscovery(const ServerOptions &options, uint16_t control_port, std::vector<std::string> scopes);
  ~WsDiscovery();
  WsDiscovery(const WsDiscovery &) = delete;
  WsDiscovery &operator=(const WsDiscovery &) = delete;

  // Joins the group on the served interfaces, answers on the default main
  // context and says Hello; logs once why when it serves none.
  void start();
  // Says Bye on every served interface and closes; never blocks. Again: nothing.
  void stop();

  const std::string &uuid() const { return self_.uuid; }

 private:
  struct Interface {
    unsigned index = 0;
    std::string name;
    in_addr address{};    // its (first) IPv4 address
    in_addr broadcast{};  // its subnet's broadcast address, never answered
  };
  struct Bucket {
    double tokens = 0;
    gint64 at_us = 0;
  };
  struct Drops {
    unsigned oversized = 0, malformed = 0, limited = 0, foreign = 0, unanswerable = 0;
  };

  bool choose_interfaces();
  bool open_socket();
  static gboolean on_readable(gint fd, GIOCondition condition, gpointer self);
  bool receive_one();
  void answer(const sockaddr_in &from, const Interface &iface, in_addr local, const char *data, size_t size);
  bool allowed(in_addr source, gint64 now_us);
  void send(const sockaddr_in &to, const Interface &iface, in_addr local, const std::string &message);
  void dropped(unsigned Drops::*kind);
  std::string xaddr(in_addr local) const;

  const ServerOptions &options_;
  const uint16_t control_port_;
  DiscoveryEndpoint self_;
  bool every_interface_ = false;  // --bind 0.0.0.0: answer on the probe's own address
  std::vector<Interface> interfaces_;
  int fd_ = -1;
  guint watch_ = 0;
  uint64_t message_number_ = 0;
  std::vector<char> datagram_;
  std::unordered_map<uint32_t, Bucket> buckets_;  // per source address
  Bucket all_;                                    // every source together
  Drops drops_;
  gint64 drops_logged_us_ = 0;
};

}  // namespace ipcam::server
