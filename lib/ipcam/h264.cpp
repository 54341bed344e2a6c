// H.264 Annex-B scanning and the SPS fields (see h264.h).
#include "ipcam/h264.h"

#include <cstring>

namespace ipcam::h264 {

namespace {

// The offset of the first 00 00 01 at or after `from`, or kNone.
size_t find_start_code(ByteView s, size_t from) {
  const uint8_t *b = s.data();
  size_t p = from + 2;
  while (p < s.size()) {
    auto *q = static_cast<const uint8_t *>(std::memchr(b + p, 1, s.size() - p));
    if (!q) return kNone;
    size_t i = size_t(q - b);
    if (b[i - 1] == 0 && b[i - 2] == 0) return i - 2;
    p = i + 1;
  }
  return kNone;
}

// Exp-Golomb bit reader over an RBSP. Reading past the end sets !ok() and
// yields zeros, so a parser checks once after a group of fields.
class BitReader {
 public:
  explicit BitReader(ByteView rbsp) : d_(rbsp) {}
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
  ByteView d_;
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

// The High profiles carry chroma format, bit depths and scaling matrices.
bool has_chroma_info(uint8_t p) {
  return p == 100 || p == 110 || p == 122 || p == 244 || p == 44 || p == 83 || p == 86 || p == 118 || p == 128 ||
         p == 138 || p == 139 || p == 134 || p == 135;
}

void read_chroma_info(BitReader &r, Sps &sps) {
  sps.chroma_format_idc = r.ue();
  if (sps.chroma_format_idc == 3) r.bits(1);  // separate_colour_plane_flag
  r.ue();                                     // bit_depth_luma_minus8
  r.ue();                                     // bit_depth_chroma_minus8
  r.bits(1);                                  // qpprime_y_zero_transform_bypass_flag
  if (r.bits(1)) {                            // seq_scaling_matrix_present_flag
    for (int i = 0; i < (sps.chroma_format_idc != 3 ? 8 : 12) && r.ok(); i++)
      if (r.bits(1)) skip_scaling_list(r, i < 6 ? 16 : 64);
  }
}

// pic_order_cnt fields; false when a cycle is longer than the standard allows.
bool skip_pic_order(BitReader &r) {
  uint32_t poc_type = r.ue();
  if (poc_type == 0) {
    r.ue();  // log2_max_pic_order_cnt_lsb_minus4
  } else if (poc_type == 1) {
    r.bits(1);
    r.se();
    r.se();
    uint32_t n = r.ue();  // num_ref_frames_in_pic_order_cnt_cycle
    if (n > 255) return false;
    for (uint32_t i = 0; i < n && r.ok(); i++) r.se();
  }
  return true;
}

// From frame_mbs_only_flag on; false when the size is cut short or out of bounds.
bool read_picture_size(BitReader &r, uint32_t width_mbs, uint32_t height_map_units, Sps &sps) {
  sps.frame_mbs_only = r.bits(1);
  if (!sps.frame_mbs_only) r.bits(1);  // mb_adaptive_frame_field_flag
  r.bits(1);                           // direct_8x8_inference_flag
  uint32_t crop_l = 0, crop_r = 0, crop_t = 0, crop_b = 0;
  if (r.bits(1)) {
    crop_l = r.ue();
    crop_r = r.ue();
    crop_t = r.ue();
    crop_b = r.ue();
  }
  if (!r.ok() || width_mbs > 1024 || height_map_units > 1024) return false;
  const uint32_t fields = sps.frame_mbs_only ? 1 : 2;
  const unsigned chroma = sps.chroma_format_idc;
  uint32_t crop_x = chroma == 0 || chroma == 3 ? 1 : 2;
  uint32_t crop_y = (chroma == 1 ? 2 : 1) * fields;
  int64_t w = int64_t(width_mbs) * 16 - int64_t(crop_l + crop_r) * crop_x;
  int64_t h = int64_t(height_map_units) * 16 * fields - int64_t(crop_t + crop_b) * crop_y;
  if (w <= 0 || h <= 0) return false;
  sps.width = int(w);
  sps.height = int(h);
  return true;
}

// The VUI up to its timing info, the one part read.
std::optional<VuiTiming> read_vui_timing(BitReader &r) {
  if (r.bits(1)) {  // aspect_ratio_info_present_flag
    if (r.bits(8) == 255) r.bits(32);  // Extended_SAR: sar_width, sar_height
  }
  if (r.bits(1)) r.bits(1);  // overscan_info_present_flag, overscan_appropriate_flag
  if (r.bits(1)) {           // video_signal_type_present_flag
    r.bits(4);
    if (r.bits(1)) r.bits(24);  // colour description
  }
  if (r.bits(1)) {  // chroma_loc_info_present_flag
    r.ue();
    r.ue();
  }
  if (!r.bits(1)) return std::nullopt;  // timing_info_present_flag
  VuiTiming t;
  t.num_units_in_tick = r.bits(32);
  t.time_scale = r.bits(32);
  if (!r.ok()) return std::nullopt;
  return t;
}

}  // namespace

bool NalReader::next(NalUnit &nal) {
  if (!started_) {
    started_ = true;
    pos_ = 0;
  }
  size_t from = pos_;
  size_t k = find_start_code(s_, from);
  if (k == kNone) {
    pos_ = s_.size();
    return false;
  }
  // A zero just before 00 00 01 belongs to a four-byte start code.
  nal.start = k > from && s_[k - 1] == 0 ? k - 1 : k;
  nal.header = k + 3;
  if (nal.header >= s_.size()) {
    pos_ = s_.size();
    return false;
  }
  nal.type = nal_type(s_[nal.header]);
  size_t next = find_start_code(s_, nal.header + 1);
  if (next == kNone) {
    nal.end = s_.size();
  } else {
    nal.end = next > nal.header + 1 && s_[next - 1] == 0 ? next - 1 : next;
  }
  pos_ = nal.header + 1;
  return true;
}

Bytes nal_rbsp(ByteView nal) {
  Bytes rbsp;
  size_t zeros = 0;
  for (size_t j = 1; j < nal.size(); j++) {
    uint8_t b = nal[j];
    if (zeros >= 2 && b == 1) break;  // the next NAL's start code
    if (zeros >= 2 && b == 3) {       // emulation prevention byte
      zeros = 0;
      continue;
    }
    rbsp.push_back(b);
    zeros = b == 0 ? zeros + 1 : 0;
  }
  return rbsp;
}

Bytes add_emulation_prevention(ByteView rbsp) {
  Bytes out;
  out.reserve(rbsp.size() + rbsp.size() / 64 + 1);
  int zeros = 0;
  for (uint8_t b : rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push_back(3);
      zeros = 0;
    }
    out.push_back(b);
    zeros = b == 0 ? zeros + 1 : 0;
  }
  return out;
}

std::optional<Sps> parse_sps(ByteView nal) {
  if (nal.empty()) return std::nullopt;
  const Bytes rbsp = nal_rbsp(nal);
  BitReader r(rbsp);
  Sps sps;
  sps.profile_idc = uint8_t(r.bits(8));
  sps.constraint_flags = uint8_t(r.bits(8));
  sps.level_idc = uint8_t(r.bits(8));
  r.ue();  // seq_parameter_set_id
  if (has_chroma_info(sps.profile_idc)) read_chroma_info(r, sps);
  r.ue();  // log2_max_frame_num_minus4
  if (!skip_pic_order(r)) return std::nullopt;
  r.ue();     // max_num_ref_frames
  r.bits(1);  // gaps_in_frame_num_value_allowed_flag
  const uint32_t width_mbs = r.ue() + 1;
  const uint32_t height_map_units = r.ue() + 1;
  if (!read_picture_size(r, width_mbs, height_map_units, sps)) return std::nullopt;
  if (r.bits(1)) sps.timing = read_vui_timing(r);  // vui_parameters_present_flag
  return sps;
}

}  // namespace ipcam::h264
