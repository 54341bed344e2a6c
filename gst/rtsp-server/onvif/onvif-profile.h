// OnvifProfile: a served camera as ONVIF's media service shows it (one
// member of Camera, made with --onvif only): one media profile per camera,
// its video source, that source's configuration and its H.264 encoder
// configuration, each with a token derived from the camera's name.
//
// The size and frame rate are those of the camera's stream as last seen
// (CameraHub::last_caps()); before any frame has come they are the
// preview these cameras send (640x360 at 30 frames per second), which
// docs/onvif.md names.
#pragma once

#include "config/server-options.h"
#include "media/camera-hub.h"

#include <memory>
#include <string>

namespace ipcam::server {

class OnvifProfile {
 public:
  static constexpr int kDefaultWidth = 640, kDefaultHeight = 360, kDefaultFps = 30;

  OnvifProfile(const ServerOptions &server, std::shared_ptr<CameraHub> hub);

  const ServerOptions &server() const { return server_; }

  struct Video {
    int width = kDefaultWidth, height = kDefaultHeight;
    int fps = kDefaultFps;  // rounded
    bool seen = false;      // from the stream's caps, else the defaults
  };
  // Any thread.
  Video video() const;

  // The tokens of a camera named `name` ([A-Za-z0-9_-]+, so a valid token).
  static std::string profile_token(const std::string &name) { return name; }
  static std::string source_token(const std::string &name) { return name + "_source"; }
  static std::string source_config_token(const std::string &name) { return name + "_source_config"; }
  static std::string encoder_token(const std::string &name) { return name + "_h264"; }

 private:
  const ServerOptions &server_;
  std::shared_ptr<CameraHub> hub_;
};

}  // namespace ipcam::server
