#include "ipcam-h264-info.h"

#include <cstring>
#include <vector>

namespace ipcamsrc {

namespace {

// Exp-Golomb bit reader over an RBSP (emulation prevention bytes removed).
class BitReader {
 public:
  explicit BitReader(const std::vector<uint8_t> &rbsp) : d_(rbsp) {}
  bool ok() const { return ok_; }
  uint32_t bits(int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; i++) {
      if (pos_ >= d_.size() * 8) {
        ok_ = false;
        return 0;
      }
      v = v << 1 | ((d_[pos_ / 8] >> (7 - pos_ % 8)) & 1);
      pos_++;
    }
    return v;
  }
  uint32_t ue() {
    int zeros = 0;
    while (ok_ && bits(1) == 0) {
      if (++zeros > 31) {
        ok_ = false;
        return 0;
      }
    }
    if (!ok_) return 0;
    return (uint32_t(1) << zeros) - 1 + bits(zeros);
  }
  int32_t se() {
    uint32_t k = ue();
    return (k & 1) ? int32_t((k + 1) / 2) : -int32_t(k / 2);
  }

 private:
  const std::vector<uint8_t> &d_;
  size_t pos_ = 0;
  bool ok_ = true;
};

void skip_scaling_list(BitReader &r, int size) {
  int last = 8, next = 8;
  for (int j = 0; j < size && r.ok(); j++) {
    if (next != 0) next = (last + r.se() + 256) % 256;
    last = next == 0 ? last : next;
  }
}

std::optional<H264StreamInfo> parse_sps(const std::vector<uint8_t> &rbsp) {
  BitReader r(rbsp);
  H264StreamInfo info;
  info.profile_idc = int(r.bits(8));
  r.bits(8);  // constraint flags
  info.level_idc = int(r.bits(8));
  r.ue();  // seq_parameter_set_id
  uint32_t chroma_format_idc = 1;
  int p = info.profile_idc;
  if (p == 100 || p == 110 || p == 122 || p == 244 || p == 44 || p == 83 || p == 86 ||
      p == 118 || p == 128 || p == 138 || p == 139 || p == 134 || p == 135) {
    chroma_format_idc = r.ue();
    if (chroma_format_idc == 3) r.bits(1);
    r.ue();
    r.ue();
    r.bits(1);
    if (r.bits(1)) {
      for (int i = 0; i < (chroma_format_idc != 3 ? 8 : 12) && r.ok(); i++)
        if (r.bits(1)) skip_scaling_list(r, i < 6 ? 16 : 64);
    }
  }
  r.ue();  // log2_max_frame_num_minus4
  uint32_t poc_type = r.ue();
  if (poc_type == 0) {
    r.ue();
  } else if (poc_type == 1) {
    r.bits(1);
    r.se();
    r.se();
    uint32_t n = r.ue();
    if (n > 255) return std::nullopt;
    for (uint32_t i = 0; i < n && r.ok(); i++) r.se();
  }
  r.ue();    // max_num_ref_frames
  r.bits(1);  // gaps_in_frame_num_allowed
  uint32_t width_mbs = r.ue() + 1;
  uint32_t height_map_units = r.ue() + 1;
  uint32_t frame_mbs_only = r.bits(1);
  if (!frame_mbs_only) r.bits(1);
  r.bits(1);  // direct_8x8_inference
  uint32_t crop_l = 0, crop_r = 0, crop_t = 0, crop_b = 0;
  if (r.bits(1)) {
    crop_l = r.ue();
    crop_r = r.ue();
    crop_t = r.ue();
    crop_b = r.ue();
  }
  if (!r.ok() || width_mbs > 1024 || height_map_units > 1024) return std::nullopt;
  uint32_t crop_x = chroma_format_idc == 0 || chroma_format_idc == 3 ? 1 : 2;
  uint32_t crop_y = (chroma_format_idc == 1 ? 2 : 1) * (2 - frame_mbs_only);
  int64_t w = int64_t(width_mbs) * 16 - int64_t(crop_l + crop_r) * crop_x;
  int64_t h = int64_t(height_map_units) * 16 * (2 - frame_mbs_only) - int64_t(crop_t + crop_b) * crop_y;
  if (w <= 0 || h <= 0) return std::nullopt;
  info.width = int(w);
  info.height = int(h);

  if (r.bits(1)) {  // vui_parameters_present
    if (r.bits(1)) {  // aspect_ratio_info_present
      if (r.bits(8) == 255) r.bits(32);
    }
    if (r.bits(1)) r.bits(1);  // overscan
    if (r.bits(1)) {  // video_signal_type
      r.bits(4);
      if (r.bits(1)) r.bits(24);
    }
    if (r.bits(1)) {  // chroma_loc
      r.ue();
      r.ue();
    }
    if (r.bits(1)) {  // timing_info_present
      uint32_t units = r.bits(32);
      uint32_t scale = r.bits(32);
      // Frame rate = time_scale / (2 * num_units_in_tick) for progressive.
      if (r.ok() && units > 0 && scale > 0 && scale / 2 / units <= 1000) {
        uint64_t n = scale, d = uint64_t(units) * 2;
        while (n % 2 == 0 && d % 2 == 0) n /= 2, d /= 2;
        if (n <= INT32_MAX && d <= INT32_MAX) {
          info.fps_n = int(n);
          info.fps_d = int(d);
        }
      }
    }
  }
  return info;
}

}  // namespace

bool h264_starts_with_start_code(const uint8_t *data, size_t size) {
  if (size >= 3 && data[0] == 0 && data[1] == 0 && data[2] == 1) return true;
  return size >= 4 && data[0] == 0 && data[1] == 0 && data[2] == 0 && data[3] == 1;
}

std::optional<H264StreamInfo> h264_stream_info(const uint8_t *data, size_t size) {
  // memchr for the 0x01 of each start code. The SPS precedes the picture's
  // slices, so the search stops at the first slice NAL: a P frame costs a
  // few bytes of scanning, not a pass over its whole payload.
  size_t i = 2;
  while (data && i + 1 < size) {
    auto *q = static_cast<const uint8_t *>(std::memchr(data + i, 1, size - 1 - i));
    if (!q) break;
    size_t one = size_t(q - data);
    i = one + 1;
    if (data[one - 1] != 0 || data[one - 2] != 0) continue;
    size_t nal = one + 1;
    uint8_t type = data[nal] & 0x1f;
    if (type >= 1 && type <= 5) break;  // slice data: no SPS in this access unit
    if (type != 7) continue;
    std::vector<uint8_t> rbsp;
    size_t zeros = 0;
    for (size_t j = nal + 1; j < size; j++) {
      uint8_t b = data[j];
      if (zeros >= 2 && b == 1) break;  // the next NAL's start code
      if (zeros >= 2 && b == 3) {  // emulation prevention byte
        zeros = 0;
        continue;
      }
      rbsp.push_back(b);
      zeros = b == 0 ? zeros + 1 : 0;
    }
    return parse_sps(rbsp);
  }
  return std::nullopt;
}

}  // namespace ipcamsrc
