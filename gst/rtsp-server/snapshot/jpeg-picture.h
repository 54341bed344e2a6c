// A decoded picture as a JPEG file's bytes, scaled on request.
//
// JPEG (JFIF) is full-range YCbCr, and a camera's video is limited range
// (black at 16, white at 235): written as it is, its blacks show grey.
// The picture goes to jpegenc as RGB (at the width asked), which libjpeg
// turns into full-range YCbCr: black stays 0, white 255.
#pragma once

#include <gst/gst.h>

namespace ipcam::server {

// Widths a client may ask for, in pixels.
constexpr int kMinJpegWidth = 16;
constexpr int kMaxJpegWidth = 4096;

// The picture in `sample` (raw video), `width` pixels wide (0: its own)
// and as high as keeps its aspect (an even number), as JPEG; nullptr with
// `error` set when it cannot be encoded. Any thread; costs one conversion
// and one encode.
GBytes *encode_jpeg(GstSample *sample, int width, GError **error);

}  // namespace ipcam::server
