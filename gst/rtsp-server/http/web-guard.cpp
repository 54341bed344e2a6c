// WebGuard: see web-guard.h.
#include "http/web-guard.h"

#include <gio/gio.h>
#include <ifaddrs.h>
#include <netinet/in.h>

namespace ipcam::server {

std::string host_of(const char *header) {
  if (!header) return {};
  g_autofree char *lower = g_ascii_strdown(header, -1);
  std::string h = lower;
  if (!h.empty() && h[0] == '[') {
    const size_t end = h.find(']');
    return end == std::string::npos ? std::string() : h.substr(1, end - 1);
  }
  const size_t colon = h.find(':');
  return colon == std::string::npos ? h : h.substr(0, colon);
}

namespace {

const char kTooLarge[] = "ipcam-body-too-large";

// From then on the body's bytes are dropped as libsoup reads them.
void drop_body(SoupServerMessage *msg) {
  SoupMessageBody *body = soup_server_message_get_request_body(msg);
  g_object_set_data(G_OBJECT(msg), kTooLarge, GINT_TO_POINTER(1));
  soup_message_body_set_accumulate(body, FALSE);
  soup_message_body_truncate(body);
}

void on_got_headers(SoupServerMessage *msg, gpointer) {
  SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
  if (soup_message_headers_get_encoding(h) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length(h) > kMaxRequestBody)
    drop_body(msg);
}

// A chunked body, whose length nobody announced.
void on_got_chunk(SoupServerMessage *msg, GBytes *, gpointer) {
  if (g_object_get_data(G_OBJECT(msg), kTooLarge)) return;
  if (soup_server_message_get_request_body(msg)->length > kMaxRequestBody) drop_body(msg);
}

void on_request_started(SoupServer *, SoupServerMessage *msg, gpointer) {
  // libsoup 3.2 never lets go of a kept-alive connection that its client
  // closes between requests (one descriptor each, for good): every answer
  // ends its connection instead. The page's and WHEP's few requests do not
  // need them kept.
  soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection", "close");
  g_signal_connect(msg, "got-headers", G_CALLBACK(on_got_headers), nullptr);
  g_signal_connect(msg, "got-chunk", G_CALLBACK(on_got_chunk), nullptr);
}

}  // namespace

std::string WebGuard::check_body(SoupServerMessage *msg) {
  if (!g_object_get_data(G_OBJECT(msg), kTooLarge)) return {};
  return "the request body is over " + std::to_string(kMaxRequestBody) + " bytes";
}

void WebGuard::init(const std::string &bind, const std::vector<std::string> &allowed, SoupServer *server) {
  g_signal_connect(server, "request-started", G_CALLBACK(on_request_started), nullptr);
  hosts_ = {"localhost", "127.0.0.1", "::1"};
  hosts_.insert(allowed.begin(), allowed.end());
  g_autofree char *name = g_ascii_strdown(g_get_host_name(), -1);
  hosts_.insert(name);
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string(bind.c_str());
  if (address) {
    g_autofree char *text = g_inet_address_to_string(address);
    hosts_.insert(text);
  }
  if (address && !g_inet_address_get_is_any(address)) return;
  struct ifaddrs *list = nullptr;
  if (getifaddrs(&list) != 0) return;
  for (struct ifaddrs *i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6)) continue;
    const gsize len = i->ifa_addr->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    g_autoptr(GSocketAddress) sa = g_socket_address_new_from_native(i->ifa_addr, len);
    if (!sa) continue;
    g_autofree char *text = g_inet_address_to_string(g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(sa)));
    g_autofree char *lower = g_ascii_strdown(text, -1);
    std::string s = lower;
    if (const size_t pct = s.find('%'); pct != std::string::npos) s.erase(pct);  // fe80::1%eth0
    hosts_.insert(s);
  }
  freeifaddrs(list);
}

std::string WebGuard::check_host(SoupServerMessage *msg) const {
  const char *host = soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Host");
  if (!host) return "a request without Host is refused";
  if (hosts_.count(host_of(host))) return {};
  return "Host is not this server (use its address, e.g. http://127.0.0.1:PORT/)";
}

std::string WebGuard::check_origin(SoupServerMessage *msg) const {
  SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
  const char *origin = soup_message_headers_get_one(h, "Origin");
  if (!origin) return {};  // not a browser, or a same-origin GET
  const char *host = soup_message_headers_get_one(h, "Host");
  if (host && !g_ascii_strcasecmp(origin, (std::string("http://") + host).c_str())) return {};
  return "cross-origin request refused: only this server's own page may change things";
}

}  // namespace ipcam::server
