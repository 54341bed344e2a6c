// Media files the camera writes: stills (JPEG of the current frame),
// recordings (MP4 of what it streamed) and the sample files of a new store.
// Synchronous GStreamer pipelines: call them from a worker thread.
#pragma once

#include "ipcam/wire.h"

#include <glib.h>

#include <string>
#include <vector>

namespace ipcam::sim {

// Decodes `frames` (access units from a keyframe with SPS/PPS on) and writes
// the last decoded picture as JPEG to `path`.
bool write_still_from_frames(const std::vector<Bytes> &frames, const std::string &path,
                             GError **error);
// A JPEG of a test pattern (when the camera has no frame yet).
bool write_test_still(const std::string &path, int width, int height, GError **error);
// Muxes access units (first one a keyframe with SPS/PPS) into an MP4 at `fps`.
bool write_mp4(const std::vector<Bytes> &frames, double fps, const std::string &path,
               GError **error);
// 24 small JPEGs and 4 short MP4 clips: enough for a file list of several
// parts at the default part size.
bool write_samples(const std::string &dir, GError **error);

}  // namespace ipcam::sim
