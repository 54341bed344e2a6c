// The ONVIF services' HTTP side: see onvif-endpoint.h.
#include "onvif/onvif-endpoint.h"

#include "onvif/onvif-auth.h"
#include "onvif/onvif-call.h"
#include "onvif/onvif-profile.h"

#include <cstring>
#include <memory>

namespace ipcam::server {

namespace {

constexpr char kSoapType[] = "application/soap+xml; charset=utf-8";

void send_envelope(SoupServerMessage *msg, guint status, const std::string &xml) {
  soup_server_message_set_status(msg, status, nullptr);
  soup_server_message_set_response(msg, kSoapType, SOUP_MEMORY_COPY, xml.data(), xml.size());
}

void send_fault(SoupServerMessage *msg, const SoapFault &fault) {
  send_envelope(msg, fault.http_status(), fault_envelope(fault));
}

// One checker for the server's life: it keeps the nonces seen.
OnvifAuth &auth_of(const ServerOptions &options) {
  static OnvifAuth *auth = new OnvifAuth(options);
  return *auth;
}

// The address the client reached (an IPv4-mapped IPv6 address as IPv4)
// and its port.
void local_address(SoupServerMessage *msg, std::string &address, guint16 &port) {
  GSocketAddress *local = soup_server_message_get_local_address(msg);
  if (!G_IS_INET_SOCKET_ADDRESS(local)) return;
  GInetAddress *a = g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(local));
  port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
  g_autofree char *text = g_inet_address_to_string(a);
  address = text;
  if (address.rfind("::ffff:", 0) == 0 && address.find('.') != std::string::npos) address = address.substr(7);
}

}  // namespace

void answer_onvif(const std::vector<Camera *> &cameras, Camera *default_camera, SoupServerMessage *msg) {
  if (strcmp(soup_server_message_get_method(msg), "POST")) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "POST");
    send_fault(msg, SoapFault::sender("", "ONVIF's services take SOAP 1.2 requests by POST"));
    soup_server_message_set_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, nullptr);
    return;
  }
  SoupMessageBody *body = soup_server_message_get_request_body(msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten(body);
  gsize size = 0;
  const char *data = static_cast<const char *>(g_bytes_get_data(bytes, &size));
  SoapRequest request;
  SoapFault fault;
  if (!request.parse(data, size, fault)) return send_fault(msg, fault);
  const ServerOptions &options = default_camera->onvif()->server();
  OnvifAuth &auth = auth_of(options);
  std::string why;
  switch (auth.check(msg, request, why)) {
    case OnvifAuth::Verdict::kAllowed: break;
    case OnvifAuth::Verdict::kRefused:
      g_message("ONVIF: %s refused: %s", request.name().c_str(), why.c_str());
      return send_fault(msg, SoapFault::sender("ter:NotAuthorized", why));
    case OnvifAuth::Verdict::kChallenge:
      send_envelope(msg, SOUP_STATUS_UNAUTHORIZED,
                    fault_envelope(SoapFault::sender("ter:NotAuthorized", why)));
      return auth.challenge(msg);
  }
  OnvifCall call{msg, request, cameras, default_camera, options, {}, {}, 0};
  local_address(msg, call.local_address, call.control_port);
  call.host = call.local_address.find(':') != std::string::npos ? "[" + call.local_address + "]" : call.local_address;
  OnvifAnswer answer = answer_device(call);
  if (answer.kind == OnvifAnswer::Kind::kNotMine) answer = answer_media(call);
  switch (answer.kind) {
    case OnvifAnswer::Kind::kBody: return send_envelope(msg, SOUP_STATUS_OK, soap_envelope(answer.body));
    case OnvifAnswer::Kind::kFault: return send_fault(msg, answer.fault);
    case OnvifAnswer::Kind::kNotMine: break;
  }
  send_fault(msg, SoapFault::receiver("ter:ActionNotSupported",
                                      "this device does not support " + request.name() +
                                          " (docs/onvif.md lists what it does)",
                                      "ter:NoSuchService"));
}

}  // namespace ipcam::server
