// JpegEncoder: a decoded picture as a JPEG file's bytes, scaled on request.
//
// JPEG (JFIF) is full-range BT.601 YCbCr, and a camera's video is limited
// range (black at 16, white at 235): written as it is, its blacks show
// grey. jpegenc writes what it is given, and GstVideoConverter (1.22)
// keeps the range in a YUV to YUV conversion with the same matrix, so the
// range is stretched here after scaling (BT.601 video), or the picture
// goes to jpegenc as RGB (any other matrix), which libjpeg turns into
// JFIF's YCbCr itself.
//
// One jpegenc pipeline per camera, kept: a request then costs one
// conversion and one encode, not a pipeline's start and stop.
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <mutex>

namespace ipcam::server {

// Widths a client may ask for, in pixels.
constexpr int kMinJpegWidth = 16;
constexpr int kMaxJpegWidth = 4096;

class JpegEncoder {
 public:
  JpegEncoder() = default;
  ~JpegEncoder();
  JpegEncoder(const JpegEncoder &) = delete;
  JpegEncoder &operator=(const JpegEncoder &) = delete;

  // The picture in `sample` (raw video), `width` pixels wide (0: its own)
  // and as high as keeps its aspect (an even number), as JPEG; nullptr
  // with `error` set when it cannot be encoded. Any thread; one encode at
  // a time.
  GBytes *encode(GstSample *sample, int width, GError **error);

 private:
  bool start_locked(GError **error);
  void stop_locked();
  GBytes *run_locked(const GstVideoInfo &info, GstBuffer *picture, GError **error);

  std::mutex lock_;
  GstElement *pipeline_ = nullptr;  // appsrc ! jpegenc ! appsink, once started
  GstElement *src_ = nullptr, *sink_ = nullptr;
  GstCaps *caps_ = nullptr;  // what the appsrc was last told
};

}  // namespace ipcam::server
