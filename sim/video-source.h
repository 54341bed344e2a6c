// Where the camera's frames come from: live encoding (GStreamer test
// pattern + x264enc) or replay of a stored H.264 byte stream in a loop.
// Frames are delivered on the camera thread's main context.
#pragma once

#include "camera-config.h"
#include "h264-stream.h"

#include <gio/gio.h>

#include <functional>
#include <memory>

namespace ipcam::sim {

class VideoSource {
 public:
  using FrameFn = std::function<void(const AccessUnit &)>;
  virtual ~VideoSource() = default;
  // Starts delivering frames to `fn` on the thread-default main context.
  virtual bool start(FrameFn fn, GError **error) = 0;
  virtual void stop() = 0;
  virtual bool running() const = 0;
  // The next frame delivered should be a keyframe with SPS/PPS.
  virtual void request_keyframe() = 0;
};

// Loads and splits the file; error if it holds no keyframe with SPS/PPS.
std::unique_ptr<VideoSource> make_replay_source(const CameraConfig &config, GError **error);
std::unique_ptr<VideoSource> make_live_source(const CameraConfig &config);

// The live encoding pipeline's description (also used for sample clips).
std::string live_pipeline_description(const CameraConfig &config, bool live, int num_buffers);

}  // namespace ipcam::sim
