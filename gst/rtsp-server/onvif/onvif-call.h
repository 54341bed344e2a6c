// One ONVIF call as the device and media services see it (made by
// onvif-endpoint.cpp once the envelope is parsed and the caller allowed),
// and what a service makes of it.
#pragma once

#include "camera/camera.h"
#include "config/server-options.h"
#include "onvif/soap-envelope.h"

#include <libsoup/soup.h>

#include <string>
#include <vector>

namespace ipcam::server {

struct OnvifCall {
  SoupServerMessage *msg;
  const SoapRequest &request;
  const std::vector<Camera *> &cameras;
  Camera *default_camera;
  const ServerOptions &options;
  // The address the client reached this server at, as a URL's host
  // ("192.168.1.20", "[fe80::1]"), and the control port there: every
  // URL the services give (service addresses, stream and snapshot URIs)
  // is on it, so that it works from where the client is.
  std::string host;
  std::string local_address;  // the same without brackets
  guint16 control_port = 0;

  std::string http_url(const std::string &path) const {
    return "http://" + host + ":" + std::to_string(control_port) + path;
  }
  // The operation's child element `name` (in the operation's namespace,
  // or in ONVIF's schema namespace), or nullptr.
  xmlNode *argument(const char *name) const { return child_element(request.operation(), nullptr, name); }
};

// A service's answer: a response body (the elements inside env:Body), a
// fault, or nothing when the operation is not the service's.
struct OnvifAnswer {
  enum class Kind { kNotMine, kBody, kFault };
  Kind kind = Kind::kNotMine;
  std::string body;
  SoapFault fault;

  static OnvifAnswer of(std::string body) { return {Kind::kBody, std::move(body), {}}; }
  static OnvifAnswer failed(SoapFault fault) { return {Kind::kFault, {}, std::move(fault)}; }
};

// The device service's operations (device-service.cpp) and the media
// service's (media-service.cpp); each keys on the operation's namespace
// and name.
OnvifAnswer answer_device(const OnvifCall &call);
OnvifAnswer answer_media(const OnvifCall &call);
// The media service's trt:Capabilities (GetServiceCapabilities, GetServices).
std::string media_service_capabilities(size_t profiles);

// The device's WS-Discovery scopes (GetScopes, and a ProbeMatch's):
// type, profile, name (the default camera's) and hardware.
std::vector<std::string> onvif_scopes(Camera *default_camera);
// What GetDeviceInformation and the hardware scope call the device.
inline constexpr const char kOnvifManufacturer[] = "ipcam";
inline constexpr const char kOnvifModel[] = "WiFi action camera";

}  // namespace ipcam::server
