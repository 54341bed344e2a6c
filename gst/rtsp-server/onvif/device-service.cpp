// The ONVIF device service (http://www.onvif.org/ver10/device/wsdl): what
// the device is, its clock, its services and their capabilities, its
// scopes, host name and network interfaces. The device is the server; its
// information is the default camera's (firmware, serial).
#include "onvif/network-interfaces.h"
#include "onvif/onvif-call.h"

#include <cstring>

namespace ipcam::server {

namespace {

using Operation = OnvifAnswer (*)(const OnvifCall &);

// The ONVIF version the services claim (GetServices, GetCapabilities).
constexpr const char *kVersion = "<tt:Major>2</tt:Major><tt:Minor>5</tt:Minor>";

std::string date_time(GDateTime *t) {
  return "<tt:Time>" + element("tt:Hour", std::to_string(g_date_time_get_hour(t))) +
         element("tt:Minute", std::to_string(g_date_time_get_minute(t))) +
         element("tt:Second", std::to_string(g_date_time_get_second(t))) + "</tt:Time><tt:Date>" +
         element("tt:Year", std::to_string(g_date_time_get_year(t))) +
         element("tt:Month", std::to_string(g_date_time_get_month(t))) +
         element("tt:Day", std::to_string(g_date_time_get_day_of_month(t))) + "</tt:Date>";
}

// Local time is given as UTC, with the time zone that says so.
OnvifAnswer system_date_and_time(const OnvifCall &) {
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  const std::string t = date_time(now);
  return OnvifAnswer::of(
      "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>"
      "<tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>"
      "<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone><tt:UTCDateTime>" +
      t + "</tt:UTCDateTime><tt:LocalDateTime>" + t +
      "</tt:LocalDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>");
}

OnvifAnswer device_information(const OnvifCall &call) {
  const CameraStatus s = call.default_camera->status();
  return OnvifAnswer::of("<tds:GetDeviceInformationResponse>" + element("tds:Manufacturer", kOnvifManufacturer) +
                         element("tds:Model", kOnvifModel) +
                         element("tds:FirmwareVersion", s.firmware.empty() ? "unknown" : s.firmware) +
                         element("tds:SerialNumber", s.serial.empty() ? s.name : s.serial) +
                         element("tds:HardwareId", "ipcam-rtsp-server") + "</tds:GetDeviceInformationResponse>");
}

std::string device_capabilities(const OnvifCall &call) {
  return "<tt:Device>" + element("tt:XAddr", call.http_url("/onvif/device_service")) +
         "<tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration>"
         "<tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network>"
         "<tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>true</tt:DiscoveryBye>"
         "<tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup>"
         "<tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>"
         "<tt:SupportedVersions>" +
         std::string(kVersion) + "</tt:SupportedVersions></tt:System></tt:Device>";
}

std::string media_capabilities(const OnvifCall &call) {
  return "<tt:Media>" + element("tt:XAddr", call.http_url("/onvif/media_service")) +
         "<tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP>"
         "<tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>";
}

// Category: All (or none), Device, Media; the others are services this
// device has not.
OnvifAnswer capabilities(const OnvifCall &call) {
  bool device = false, media = false, other = false;
  for (xmlNode *n = call.request.operation()->children; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE || strcmp(reinterpret_cast<const char *>(n->name), "Category")) continue;
    const std::string c = element_text(n);
    device |= c == "All" || c == "Device";
    media |= c == "All" || c == "Media";
    other |= c != "All" && c != "Device" && c != "Media";
  }
  if (!device && !media && other)
    return OnvifAnswer::failed(SoapFault::receiver("ter:ActionNotSupported",
                                                   "this device has only the device and media services",
                                                   "ter:NoSuchService"));
  if (!device && !media) device = media = true;
  return OnvifAnswer::of("<tds:GetCapabilitiesResponse><tds:Capabilities>" +
                         (device ? device_capabilities(call) : std::string()) +
                         (media ? media_capabilities(call) : std::string()) +
                         "</tds:Capabilities></tds:GetCapabilitiesResponse>");
}

const char kDeviceServiceCapabilities[] =
    "<tds:Capabilities>"
    "<tds:Network IPFilter=\"false\" ZeroConfiguration=\"false\" IPVersion6=\"false\" DynDNS=\"false\"/>"
    "<tds:Security UsernameToken=\"true\" HttpDigest=\"true\"/>"
    "<tds:System DiscoveryResolve=\"false\" DiscoveryBye=\"true\" RemoteDiscovery=\"false\""
    " SystemBackup=\"false\" SystemLogging=\"false\" FirmwareUpgrade=\"false\"/>"
    "</tds:Capabilities>";

OnvifAnswer services(const OnvifCall &call) {
  const bool with = element_text(call.argument("IncludeCapability")) == "true";
  std::string body = "<tds:GetServicesResponse><tds:Service>" + element("tds:Namespace", kDeviceNs) +
                     element("tds:XAddr", call.http_url("/onvif/device_service"));
  if (with) body += std::string("<tds:Capabilities>") + kDeviceServiceCapabilities + "</tds:Capabilities>";
  body += "<tds:Version>" + std::string(kVersion) + "</tds:Version></tds:Service><tds:Service>" +
          element("tds:Namespace", kMediaNs) + element("tds:XAddr", call.http_url("/onvif/media_service"));
  if (with) body += "<tds:Capabilities>" + media_service_capabilities(call.cameras.size()) + "</tds:Capabilities>";
  body += "<tds:Version>" + std::string(kVersion) + "</tds:Version></tds:Service></tds:GetServicesResponse>";
  return OnvifAnswer::of(body);
}

OnvifAnswer service_capabilities(const OnvifCall &) {
  return OnvifAnswer::of(std::string("<tds:GetServiceCapabilitiesResponse>") + kDeviceServiceCapabilities +
                         "</tds:GetServiceCapabilitiesResponse>");
}

OnvifAnswer scopes(const OnvifCall &call) {
  std::string body = "<tds:GetScopesResponse>";
  for (const std::string &scope : onvif_scopes(call.default_camera))
    body += "<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef>" + element("tt:ScopeItem", scope) + "</tds:Scopes>";
  return OnvifAnswer::of(body + "</tds:GetScopesResponse>");
}

OnvifAnswer network_interfaces(const OnvifCall &call) {
  return OnvifAnswer::of("<tds:GetNetworkInterfacesResponse>" + network_interfaces_xml(call.local_address) +
                         "</tds:GetNetworkInterfacesResponse>");
}

OnvifAnswer hostname(const OnvifCall &) {
  return OnvifAnswer::of("<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP>" +
                         element("tt:Name", g_get_host_name()) +
                         "</tds:HostnameInformation></tds:GetHostnameResponse>");
}

OnvifAnswer wsdl_url(const OnvifCall &) {
  return OnvifAnswer::of(
      "<tds:GetWsdlUrlResponse><tds:WsdlUrl>https://www.onvif.org/profiles/specifications/</tds:WsdlUrl>"
      "</tds:GetWsdlUrlResponse>");
}

struct Row {
  const char *name;
  Operation answer;
};

const Row kOperations[] = {
    {"GetSystemDateAndTime", system_date_and_time},
    {"GetDeviceInformation", device_information},
    {"GetCapabilities", capabilities},
    {"GetServices", services},
    {"GetServiceCapabilities", service_capabilities},
    {"GetScopes", scopes},
    {"GetNetworkInterfaces", network_interfaces},
    {"GetHostname", hostname},
    {"GetWsdlUrl", wsdl_url},
};

// A scope's last part: percent-encoded, as a URI path segment.
std::string segment(const std::string &text) {
  g_autofree char *escaped = g_uri_escape_string(text.c_str(), nullptr, FALSE);
  return escaped;
}

}  // namespace

std::vector<std::string> onvif_scopes(Camera *default_camera) {
  return {
      "onvif://www.onvif.org/type/video_encoder",
      "onvif://www.onvif.org/Profile/Streaming",
      "onvif://www.onvif.org/name/" + segment(default_camera->name()),
      "onvif://www.onvif.org/hardware/" + segment(kOnvifModel),
  };
}

OnvifAnswer answer_device(const OnvifCall &call) {
  if (call.request.ns() != kDeviceNs) return {};
  for (const Row &row : kOperations)
    if (call.request.name() == row.name) return row.answer(call);
  return {};
}

}  // namespace ipcam::server
