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

// The server's archive of this camera (archive/): "state" is "off" (no
// --archive), "waiting" (no camera stream yet), "writing", or "failed"
// (disk full, --archive-min-free reached, folder not writable: `error`
// says which; it retries every 30 s).
struct ArchiveStatus {
  std::string dir;  // DIR/NAME; empty when off
  std::string state = "off";
  std::string error;
  uint64_t segments = 0;  // on disk, the one being written included
  uint64_t bytes = 0;
  uint64_t dropped_gops = 0;  // groups of pictures lost because the disk fell behind
};

// Counters for /metrics (metrics/): they only grow while the server runs,
// across the camera's reconnects and releases.
struct CameraCounters {
  uint64_t frames = 0;             // access units received from the camera
  uint64_t bytes = 0;              // their bytes
  uint64_t datagrams_lost = 0;     // preview datagrams that never came
  uint64_t frames_dropped = 0;     // incomplete frames dropped before a viewer saw them
  uint64_t reconnects = 0;         // ipcamsrc's reconnects after a drop
  uint64_t connects = 0;           // camera sessions started (first viewer, snapshot, archive)
  uint64_t snapshots = 0;          // frame.jpeg answers served
};

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
  ArchiveStatus archive;
  CameraCounters counters;
};

}  // namespace ipcam::server
