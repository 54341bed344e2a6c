// WebGuard: what keeps a hostile web page in the user's own browser away
// from the control port. Every request must name this server in its Host
// (its addresses, "localhost", this machine's name, the --allowed-host
// names: a DNS-rebound name is refused), and every request that changes something must come from the
// same origin or from no browser at all (no Origin header). It also ends
// every connection with its answer (Connection: close): libsoup 3.2 leaks
// a kept-alive connection its client closes.
#pragma once

#include <libsoup/soup.h>

#include <set>
#include <string>
#include <vector>

namespace ipcam::server {

// Request bodies are capped: an SDP offer is a few KB, the other requests
// have none. Past the cap the body is read and dropped as it comes (memory
// stays flat whatever a client sends) and the request is answered 413.
inline constexpr goffset kMaxRequestBody = 64 * 1024;

class WebGuard {
 public:
  // `bind` as given to --bind; an any-address accepts every address of
  // this machine's interfaces. `allowed`: more names (lower case), the
  // ones a reverse proxy or a scraper reach the server by. Watches the
  // bodies of `server`'s requests.
  void init(const std::string &bind, const std::vector<std::string> &allowed, SoupServer *server);
  // Empty = fine, else why the request is refused (403).
  std::string check_host(SoupServerMessage *msg) const;
  std::string check_origin(SoupServerMessage *msg) const;
  // Empty = fine, else why the request is refused (413).
  static std::string check_body(SoupServerMessage *msg);

 private:
  std::set<std::string> hosts_;  // lower case, no port, IPv6 without brackets
};

// The Host header's host part: lower case, without port or brackets.
std::string host_of(const char *host_header);

}  // namespace ipcam::server
