// What caps need from the stream: the picture size and, when the SPS's VUI
// carries timing, the frame rate, read from the first SPS of an access unit
// with libipcam's H.264 scanner (ipcam/h264.h). Pure; garbage in gives
// std::nullopt, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace ipcam::src {

struct H264StreamInfo {
  int width = 0;
  int height = 0;
  int fps_n = 0;  // 0 when the SPS has no timing info
  int fps_d = 1;
  int profile_idc = 0;
  int level_idc = 0;
};

// Parses the first SPS NAL in an Annex-B access unit.
std::optional<H264StreamInfo> h264_stream_info(const uint8_t *data, size_t size);

// True when `data` starts with an Annex-B start code (00 00 01 or 00 00 00 01).
bool h264_starts_with_start_code(const uint8_t *data, size_t size);

}  // namespace ipcam::src
