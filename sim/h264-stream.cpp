#include "h264-stream.h"

namespace ipcam::sim {
namespace {

bool is_vcl(uint8_t type) { return type >= 1 && type <= 5; }

// first_mb_in_slice is the first ue(v) of the slice header: it is 0 exactly
// when the first bit after the NAL header is 1.
bool first_slice_of_picture(ByteView s, const NalUnit &n) {
  return n.header + 1 < n.end && (s[n.header + 1] & 0x80) != 0;
}

}  // namespace

std::vector<NalUnit> find_nal_units(ByteView s) {
  std::vector<NalUnit> out;
  size_t i = 0;
  auto next_start = [&](size_t from, size_t &code_len) -> size_t {
    for (size_t k = from; k + 2 < s.size(); ++k) {
      if (s[k] == 0 && s[k + 1] == 0 && s[k + 2] == 1) {
        bool four = k > from && s[k - 1] == 0;
        code_len = four ? 4 : 3;
        return four ? k - 1 : k;
      }
    }
    return s.size();
  };
  size_t code_len = 0;
  i = next_start(0, code_len);
  while (i < s.size()) {
    NalUnit n;
    n.start = i;
    n.header = i + code_len;
    if (n.header >= s.size()) break;
    n.type = s[n.header] & 0x1F;
    size_t next_len = 0;
    size_t next = next_start(n.header + 1, next_len);
    n.end = next;
    out.push_back(n);
    i = next;
    code_len = next_len;
  }
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
      if (n.type == 5) au.keyframe = true;
      if (n.type == 7) sps = true;
      if (n.type == 8) pps = true;
    }
    au.has_sps = sps && pps;
    out.push_back(std::move(au));
  };
  for (const auto &n : find_nal_units(s)) {
    bool starts_new = false;
    if (n.type == 9) {
      starts_new = true;
    } else if (n.type == 6 || n.type == 7 || n.type == 8 || (n.type >= 14 && n.type <= 18)) {
      starts_new = have_vcl;
    } else if (is_vcl(n.type)) {
      starts_new = have_vcl && first_slice_of_picture(s, n);
    }
    if (!open || starts_new) {
      close_au(n.start);
      au_start = n.start;
      open = true;
      have_vcl = false;
    }
    if (is_vcl(n.type)) have_vcl = true;
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

  Bytes nal = {0, 0, 0, 1, 0x06};
  int zeros = 0;
  for (uint8_t b : rbsp) {
    if (zeros >= 2 && b <= 3) {  // emulation prevention
      nal.push_back(3);
      zeros = 0;
    }
    nal.push_back(b);
    zeros = b == 0 ? zeros + 1 : 0;
  }
  return nal;
}

Bytes tag_access_unit(ByteView au, uint32_t frame, uint32_t camera_ms) {
  size_t at = au.size();
  for (const auto &n : find_nal_units(au)) {
    if (is_vcl(n.type)) {
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
