// Stream info for caps from libipcam's SPS parser (see ipcam-h264-info.h).
#include "ipcam-h264-info.h"

#include "ipcam/h264.h"

#include <climits>

namespace ipcam::src {

namespace {

// A progressive frame lasts two ticks: fps = time_scale / (2 × units),
// reduced; absurd rates (over 1000 fps) are left out of the caps.
void set_frame_rate(const ipcam::h264::VuiTiming &t, H264StreamInfo &info) {
  const uint32_t units = t.num_units_in_tick, scale = t.time_scale;
  if (units == 0 || scale == 0 || scale / 2 / units > 1000) return;
  uint64_t n = scale, d = uint64_t(units) * 2;
  while (n % 2 == 0 && d % 2 == 0) n /= 2, d /= 2;
  if (n <= INT32_MAX && d <= INT32_MAX) {
    info.fps_n = int(n);
    info.fps_d = int(d);
  }
}

}  // namespace

bool h264_starts_with_start_code(const uint8_t *data, size_t size) {
  return data && ipcam::h264::starts_with_start_code(ipcam::ByteView(data, size));
}

std::optional<H264StreamInfo> h264_stream_info(const uint8_t *data, size_t size) {
  if (!data) return std::nullopt;
  const ipcam::ByteView au(data, size);
  // The SPS precedes the picture's slices, so the search stops at the first
  // slice NAL: a P frame costs a few bytes of scanning, not a pass over its
  // whole payload.
  ipcam::h264::NalHeaderScanner scan;
  for (size_t h; (h = scan.next(au)) != ipcam::h264::kNone;) {
    const uint8_t type = ipcam::h264::nal_type(au[h]);
    if (ipcam::h264::is_slice(type)) break;
    if (type != ipcam::h264::kNalSps) continue;
    const auto sps = ipcam::h264::parse_sps(au.subspan(h));
    if (!sps) return std::nullopt;
    H264StreamInfo info;
    info.width = sps->width;
    info.height = sps->height;
    info.profile_idc = sps->profile_idc;
    info.level_idc = sps->level_idc;
    if (sps->timing) set_frame_rate(*sps->timing, info);
    return info;
  }
  return std::nullopt;
}

}  // namespace ipcam::src
