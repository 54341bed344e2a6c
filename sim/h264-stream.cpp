// Access units and the frame tag for the emulator (see h264-stream.h); the
// NAL scanning itself is libipcam's (ipcam/h264.h).
#include "h264-stream.h"

namespace ipcam::sim {
namespace {

using h264::is_slice;

// first_mb_in_slice is the first ue(v) of the slice header: it is 0 exactly
// when the first bit after the NAL header is 1.
bool first_slice_of_picture(ByteView s, const NalUnit &n) {
  return n.header + 1 < n.end && (s[n.header + 1] & 0x80) != 0;
}

}  // namespace

std::vector<NalUnit> find_nal_units(ByteView s) {
  std::vector<NalUnit> out;
  h264::NalReader reader(s);
  for (NalUnit n; reader.next(n);) out.push_back(n);
  return out;
}

std::vector<AccessUnit> split_access_units(ByteView s) {
  std::vector<AccessUnit> out;
  bool have_vcl = false;
  size_t au_start = 0;
  bool open = false;
  auto close_au = [&](size_t end) {
    if (!open || end <= au_start) return;
    AccessUnit au;
    au.data.assign(s.begin() + ptrdiff_t(au_start), s.begin() + ptrdiff_t(end));
    bool sps = false, pps = false;
    for (const auto &n : find_nal_units(au.data)) {
      if (n.type == h264::kNalIdr) au.keyframe = true;
      if (n.type == h264::kNalSps) sps = true;
      if (n.type == h264::kNalPps) pps = true;
    }
    au.has_sps = sps && pps;
    out.push_back(std::move(au));
  };
  for (const auto &n : find_nal_units(s)) {
    bool starts_new = false;
    if (n.type == h264::kNalAud) {
      starts_new = true;
    } else if (n.type == h264::kNalSei || n.type == h264::kNalSps || n.type == h264::kNalPps ||
               (n.type >= 14 && n.type <= 18)) {
      starts_new = have_vcl;
    } else if (is_slice(n.type)) {
      starts_new = have_vcl && first_slice_of_picture(s, n);
    }
    if (!open || starts_new) {
      close_au(n.start);
      au_start = n.start;
      open = true;
      have_vcl = false;
    }
    if (is_slice(n.type)) have_vcl = true;
  }
  close_au(s.size());
  return out;
}

Bytes make_tag_nal(uint32_t frame, uint32_t camera_ms) {
  Bytes rbsp;
  rbsp.push_back(5);   // payload type: user data unregistered
  rbsp.push_back(24);  // payload size: UUID + two u32
  rbsp.insert(rbsp.end(), std::begin(kTagUuid), std::end(kTagUuid));
  uint8_t be[8];
  store_be32(be, frame);
  store_be32(be + 4, camera_ms);
  rbsp.insert(rbsp.end(), be, be + 8);
  rbsp.push_back(0x80);  // rbsp trailing bits

  Bytes nal = {0, 0, 0, 1, h264::kNalSei};
  const Bytes payload = h264::add_emulation_prevention(rbsp);
  nal.insert(nal.end(), payload.begin(), payload.end());
  return nal;
}

Bytes tag_access_unit(ByteView au, uint32_t frame, uint32_t camera_ms) {
  size_t at = au.size();
  for (const auto &n : find_nal_units(au)) {
    if (is_slice(n.type)) {
      at = n.start;
      break;
    }
  }
  Bytes tag = make_tag_nal(frame, camera_ms);
  Bytes out;
  out.reserve(au.size() + tag.size());
  out.insert(out.end(), au.begin(), au.begin() + ptrdiff_t(at));
  out.insert(out.end(), tag.begin(), tag.end());
  out.insert(out.end(), au.begin() + ptrdiff_t(at), au.end());
  return out;
}

}  // namespace ipcam::sim
