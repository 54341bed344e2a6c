// --paint-frame-number: the live encoder's pictures carry the time they
// were taken, painted as a row of 16 large blocks (white = 1, black = 0,
// most significant first: the wall clock in ms, modulo 65536) across the
// top of the picture. The pattern survives H.264, so a player that decodes
// a picture can read when the camera took it and measure the latency from
// glass to glass on the same machine (tests/bench).
#pragma once

#include <gst/gst.h>

#include <cstdint>

namespace ipcam::sim {

constexpr int kStampBits = 16;
constexpr int kStampRows = 48;  // the blocks' height, in pixels

// Paints every raw I420 picture that leaves `element`'s src pad.
void install_frame_stamp(GstElement *element);

}  // namespace ipcam::sim
