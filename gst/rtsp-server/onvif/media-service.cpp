// The ONVIF media service (http://www.onvif.org/ver10/media/wsdl): one
// profile per served camera (onvif-profile.h), each with its video source
// configuration (whose SourceToken is the camera's video source) and its
// H.264 encoder configuration, and the camera's stream and snapshot URIs.
#include "onvif/onvif-call.h"
#include "onvif/onvif-profile.h"

namespace ipcam::server {

namespace {

using Operation = OnvifAnswer (*)(const OnvifCall &);

struct CameraView {
  Camera *camera;
  OnvifProfile::Video video;
};

std::vector<CameraView> served(const OnvifCall &call) {
  std::vector<CameraView> out;
  for (Camera *c : call.cameras) out.push_back({c, c->onvif()->video()});
  return out;
}

// The camera whose token `name` is (by `token_of`), or a Sender fault.
Camera *by_token(const OnvifCall &call, const char *argument, std::string (*token_of)(const std::string &),
                 OnvifAnswer &fault) {
  const std::string token = element_text(call.argument(argument));
  for (Camera *c : call.cameras)
    if (token_of(c->name()) == token) return c;
  std::string known;
  for (Camera *c : call.cameras) known += (known.empty() ? "" : ", ") + token_of(c->name());
  const char *which = argument == std::string("ProfileToken") ? "ter:NoProfile" : "ter:NoConfig";
  const std::string why = "no " + std::string(argument) + " \"" + token + "\"; there are " + known;
  fault = OnvifAnswer::failed(SoapFault::sender("ter:InvalidArgVal", why, which));
  return nullptr;
}

std::string video_source(const CameraView &s) {
  return "token=\"" + xml_text(OnvifProfile::source_token(s.camera->name())) + "\">" +
         element("tt:Framerate", std::to_string(s.video.fps)) + "<tt:Resolution>" +
         element("tt:Width", std::to_string(s.video.width)) + element("tt:Height", std::to_string(s.video.height)) +
         "</tt:Resolution>";
}

// The attributes and children of a tt:VideoSourceConfiguration.
std::string source_config(const CameraView &s) {
  const std::string &name = s.camera->name();
  return "token=\"" + xml_text(OnvifProfile::source_config_token(name)) + "\">" + element("tt:Name", name) +
         element("tt:UseCount", "1") + element("tt:SourceToken", OnvifProfile::source_token(name)) +
         "<tt:Bounds x=\"0\" y=\"0\" width=\"" + std::to_string(s.video.width) + "\" height=\"" +
         std::to_string(s.video.height) + "\"/>";
}

// The attributes and children of a tt:VideoEncoderConfiguration, in the
// schema's order (strict clients read it as a sequence).
std::string encoder_config(const CameraView &s) {
  const std::string &name = s.camera->name();
  return "token=\"" + xml_text(OnvifProfile::encoder_token(name)) + "\">" + element("tt:Name", name + " H.264") +
         element("tt:UseCount", "1") + "<tt:Encoding>H264</tt:Encoding><tt:Resolution>" +
         element("tt:Width", std::to_string(s.video.width)) + element("tt:Height", std::to_string(s.video.height)) +
         "</tt:Resolution><tt:Quality>1</tt:Quality><tt:RateControl>" +
         element("tt:FrameRateLimit", std::to_string(s.video.fps)) +
         "<tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>0</tt:BitrateLimit></tt:RateControl>"
         "<tt:H264><tt:GovLength>" +
         std::to_string(s.video.fps) +
         "</tt:GovLength><tt:H264Profile>Baseline</tt:H264Profile></tt:H264>"
         "<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address>"
         "<tt:Port>0</tt:Port><tt:TTL>1</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>"
         "<tt:SessionTimeout>PT60S</tt:SessionTimeout>";
}

std::string profile(const char *element_name, const CameraView &s) {
  const std::string &name = s.camera->name();
  return std::string("<") + element_name + " token=\"" + xml_text(OnvifProfile::profile_token(name)) +
         "\" fixed=\"true\">" + element("tt:Name", name) + "<tt:VideoSourceConfiguration " + source_config(s) +
         "</tt:VideoSourceConfiguration><tt:VideoEncoderConfiguration " + encoder_config(s) +
         "</tt:VideoEncoderConfiguration></" + element_name + ">";
}

OnvifAnswer profiles(const OnvifCall &call) {
  std::string body = "<trt:GetProfilesResponse>";
  for (const CameraView &s : served(call)) body += profile("trt:Profiles", s);
  return OnvifAnswer::of(body + "</trt:GetProfilesResponse>");
}

OnvifAnswer one_profile(const OnvifCall &call) {
  OnvifAnswer fault;
  Camera *c = by_token(call, "ProfileToken", OnvifProfile::profile_token, fault);
  if (!c) return fault;
  return OnvifAnswer::of("<trt:GetProfileResponse>" + profile("trt:Profile", {c, c->onvif()->video()}) +
                         "</trt:GetProfileResponse>");
}

OnvifAnswer video_sources(const OnvifCall &call) {
  std::string body = "<trt:GetVideoSourcesResponse>";
  for (const CameraView &s : served(call)) body += "<trt:VideoSources " + video_source(s) + "</trt:VideoSources>";
  return OnvifAnswer::of(body + "</trt:GetVideoSourcesResponse>");
}

OnvifAnswer source_configs(const OnvifCall &call) {
  std::string body = "<trt:GetVideoSourceConfigurationsResponse>";
  for (const CameraView &s : served(call)) body += "<trt:Configurations " + source_config(s) + "</trt:Configurations>";
  return OnvifAnswer::of(body + "</trt:GetVideoSourceConfigurationsResponse>");
}

OnvifAnswer one_source_config(const OnvifCall &call) {
  OnvifAnswer fault;
  Camera *c = by_token(call, "ConfigurationToken", OnvifProfile::source_config_token, fault);
  if (!c) return fault;
  return OnvifAnswer::of("<trt:GetVideoSourceConfigurationResponse><trt:Configuration " +
                         source_config({c, c->onvif()->video()}) +
                         "</trt:Configuration></trt:GetVideoSourceConfigurationResponse>");
}

OnvifAnswer encoder_configs(const OnvifCall &call) {
  std::string body = "<trt:GetVideoEncoderConfigurationsResponse>";
  for (const CameraView &s : served(call)) body += "<trt:Configurations " + encoder_config(s) + "</trt:Configurations>";
  return OnvifAnswer::of(body + "</trt:GetVideoEncoderConfigurationsResponse>");
}

OnvifAnswer one_encoder_config(const OnvifCall &call) {
  OnvifAnswer fault;
  Camera *c = by_token(call, "ConfigurationToken", OnvifProfile::encoder_token, fault);
  if (!c) return fault;
  return OnvifAnswer::of("<trt:GetVideoEncoderConfigurationResponse><trt:Configuration " +
                         encoder_config({c, c->onvif()->video()}) +
                         "</trt:Configuration></trt:GetVideoEncoderConfigurationResponse>");
}

// What the encoder configuration can be: what it is (nothing here can
// change it). By ConfigurationToken or ProfileToken; neither: the first camera.
OnvifAnswer encoder_options(const OnvifCall &call) {
  OnvifAnswer fault;
  Camera *c = call.cameras.front();
  if (call.argument("ConfigurationToken")) c = by_token(call, "ConfigurationToken", OnvifProfile::encoder_token, fault);
  else if (call.argument("ProfileToken")) c = by_token(call, "ProfileToken", OnvifProfile::profile_token, fault);
  if (!c) return fault;
  const OnvifProfile::Video v = c->onvif()->video();
  const std::string fps = std::to_string(v.fps);
  return OnvifAnswer::of(
      "<trt:GetVideoEncoderConfigurationOptionsResponse><trt:Options><tt:QualityRange><tt:Min>1</tt:Min>"
      "<tt:Max>1</tt:Max></tt:QualityRange><tt:H264><tt:ResolutionsAvailable>" +
      element("tt:Width", std::to_string(v.width)) + element("tt:Height", std::to_string(v.height)) +
      "</tt:ResolutionsAvailable><tt:GovLengthRange>" + element("tt:Min", fps) + element("tt:Max", fps) +
      "</tt:GovLengthRange><tt:FrameRateRange>" + element("tt:Min", fps) + element("tt:Max", fps) +
      "</tt:FrameRateRange><tt:EncodingIntervalRange><tt:Min>1</tt:Min><tt:Max>1</tt:Max></tt:EncodingIntervalRange>"
      "<tt:H264ProfilesSupported>Baseline</tt:H264ProfilesSupported></tt:H264></trt:Options>"
      "</trt:GetVideoEncoderConfigurationOptionsResponse>");
}

std::string media_uri(const char *response, const std::string &uri) {
  return std::string("<") + response + "><trt:MediaUri>" + element("tt:Uri", uri) +
         "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false"
         "</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></" +
         response + ">";
}

// The camera's RTSP URL on the address the client reached: the server
// binds RTSP and the control port to the same address (--bind).
std::string rtsp_uri(const OnvifCall &call, Camera *camera) {
  g_autoptr(GUri) uri = g_uri_parse(camera->rtsp_url().c_str(), G_URI_FLAGS_NONE, nullptr);
  if (!uri) return camera->rtsp_url();
  return "rtsp://" + call.host + ":" + std::to_string(g_uri_get_port(uri)) + g_uri_get_path(uri);
}

// RTP unicast, over UDP, TCP or RTSP: the same URL, the client picks the
// transport in its RTSP SETUP. Multicast is not served.
OnvifAnswer stream_uri(const OnvifCall &call) {
  xmlNode *setup = call.argument("StreamSetup");
  const std::string stream = element_text(child_element(setup, nullptr, "Stream"));
  if (stream == "RTP-Multicast")
    return OnvifAnswer::failed(SoapFault::sender("ter:InvalidArgVal",
                                                 "RTP multicast is not served: ask for RTP-Unicast",
                                                 "ter:InvalidStreamSetup"));
  if (!stream.empty() && stream != "RTP-Unicast")
    return OnvifAnswer::failed(SoapFault::sender("ter:InvalidArgVal", "StreamSetup's Stream is RTP-Unicast",
                                                 "ter:InvalidStreamSetup"));
  OnvifAnswer fault;
  Camera *c = by_token(call, "ProfileToken", OnvifProfile::profile_token, fault);
  if (!c) return fault;
  return OnvifAnswer::of(media_uri("trt:GetStreamUriResponse", rtsp_uri(call, c)));
}

OnvifAnswer snapshot_uri(const OnvifCall &call) {
  OnvifAnswer fault;
  Camera *c = by_token(call, "ProfileToken", OnvifProfile::profile_token, fault);
  if (!c) return fault;
  g_autofree char *name = g_uri_escape_string(c->name().c_str(), nullptr, FALSE);
  return OnvifAnswer::of(
      media_uri("trt:GetSnapshotUriResponse", call.http_url("/api/cameras/" + std::string(name) + "/frame.jpeg")));
}

OnvifAnswer service_capabilities(const OnvifCall &call) {
  return OnvifAnswer::of("<trt:GetServiceCapabilitiesResponse>" + media_service_capabilities(call.cameras.size()) +
                         "</trt:GetServiceCapabilitiesResponse>");
}

struct Row {
  const char *name;
  Operation answer;
};

const Row kOperations[] = {
    {"GetProfiles", profiles},
    {"GetProfile", one_profile},
    {"GetVideoSources", video_sources},
    {"GetVideoSourceConfigurations", source_configs},
    {"GetVideoSourceConfiguration", one_source_config},
    {"GetVideoEncoderConfigurations", encoder_configs},
    {"GetVideoEncoderConfiguration", one_encoder_config},
    {"GetVideoEncoderConfigurationOptions", encoder_options},
    {"GetStreamUri", stream_uri},
    {"GetSnapshotUri", snapshot_uri},
    {"GetServiceCapabilities", service_capabilities},
};

}  // namespace

std::string media_service_capabilities(size_t profiles) {
  return "<trt:Capabilities SnapshotUri=\"true\" Rotation=\"false\"><trt:ProfileCapabilities "
         "MaximumNumberOfProfiles=\"" +
         std::to_string(profiles) +
         "\"/><trt:StreamingCapabilities RTPMulticast=\"false\" RTP_TCP=\"true\" RTP_RTSP_TCP=\"true\"/>"
         "</trt:Capabilities>";
}

OnvifAnswer answer_media(const OnvifCall &call) {
  if (call.request.ns() != kMediaNs) return {};
  for (const Row &row : kOperations)
    if (call.request.name() == row.name) return row.answer(call);
  return {};
}

}  // namespace ipcam::server
