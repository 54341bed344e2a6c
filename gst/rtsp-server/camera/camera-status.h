// CameraStatus: what one served camera is doing, read in one go on the
// main thread (Camera::status()); the HTTP side writes it as JSON
// (GET /api/status, one entry of GET /api/cameras) and changes nothing.
#pragma once

#include "media/publisher.h"

#include <gst/gst.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ipcam::server {

struct CameraStatus {
  std::string name;
  std::string rtsp_url;
  std::string whep_path;  // "/whep/NAME", below the control port's URL
  std::string address;    // the camera's; empty while unknown
  uint16_t control_port = 0;
  std::string firmware, serial;  // as read at start; empty if unknown
  bool connected = false;        // the camera pipeline runs
  unsigned clients = 0;          // RTSP connections holding this camera's mount
  unsigned status_clients = 0;   // what the status shows: with one camera, every RTSP connection
  size_t viewers = 0;            // medias fed from the camera
  uint64_t dropped_gops = 0;     // groups of pictures dropped for viewers behind
  size_t webrtc_viewers = 0;
  bool recording = false;        // since this server started it
  gint64 recording_seconds = 0;
  std::vector<Publisher::Status> publish;
  std::shared_ptr<GstStructure> stats;  // ipcamsrc's while it runs, else null
};

}  // namespace ipcam::server
