// H.264 Annex-B scanning, the project's one: where NAL units start (a whole
// stream at once, or a buffer that grows piece by piece, as the preview
// assembler fills a frame from datagrams), and what an SPS says (profile,
// level, picture size, VUI timing). The cameras send a plain byte stream,
// so this is all the H.264 the library needs. Pure: no GIO, no GStreamer,
// no allocation while scanning; garbage in gives "nothing found", never a
// read past the bytes given.
#pragma once

#include "ipcam/wire.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

namespace ipcam::h264 {

inline constexpr uint8_t kNalSlice = 1;  // non-IDR slice
inline constexpr uint8_t kNalIdr = 5;    // IDR slice: a keyframe
inline constexpr uint8_t kNalSei = 6;
inline constexpr uint8_t kNalSps = 7;
inline constexpr uint8_t kNalPps = 8;
inline constexpr uint8_t kNalAud = 9;  // access unit delimiter

inline constexpr size_t kNone = static_cast<size_t>(-1);

inline uint8_t nal_type(uint8_t header) { return header & 0x1F; }
// Slices of every kind (1..5): the picture data itself.
inline bool is_slice(uint8_t type) { return type >= 1 && type <= 5; }

// True when `data` starts with 00 00 01 or 00 00 00 01.
inline bool starts_with_start_code(ByteView d) {
  if (d.size() >= 3 && d[0] == 0 && d[1] == 0 && d[2] == 1) return true;
  return d.size() >= 4 && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 1;
}

// One NAL unit in a stream: [start, end) includes its start code (four bytes
// when a zero precedes 00 00 01), `header` is the NAL header byte's offset.
struct NalUnit {
  size_t start = 0;
  size_t header = 0;
  size_t end = 0;
  uint8_t type = 0;
};

// The NAL units of a whole stream, in order. Bytes before the first start
// code are skipped; a start code with no header byte after it ends the stream.
//
//   ipcam::h264::NalReader reader(stream);
//   for (ipcam::h264::NalUnit nal; reader.next(nal);) ...
class NalReader {
 public:
  explicit NalReader(ByteView stream) : s_(stream) {}
  bool next(NalUnit &nal);

 private:
  ByteView s_;
  size_t pos_ = 0;      // where the next start code search begins
  bool started_ = false;
};

// The NAL header bytes of a buffer that grows: each call looks only at the
// bytes after where the last one stopped (plus the two before them, so a
// start code split across pieces is found once its last byte arrives).
// memchr for the 0x01, then the two zeros before it: a slice costs one
// memchr pass, not a byte loop. No allocation.
class NalHeaderScanner {
 public:
  // For a new buffer.
  void reset() { pos_ = 0; }
  // The offset of the next NAL header byte in `data` (the whole buffer so
  // far, the same bytes as before and maybe more), or kNone when none is
  // complete yet: a start code whose header byte has not arrived is found
  // again on the next call.
  size_t next(ByteView data);

 private:
  size_t pos_ = 0;  // the search resumes at pos_ + 2
};

// Inline: the assembler calls it once per datagram.
inline size_t NalHeaderScanner::next(ByteView data) {
  const uint8_t *b = data.data();
  const size_t size = data.size();
  size_t p = pos_ + 2;
  while (p < size) {
    auto *q = static_cast<const uint8_t *>(std::memchr(b + p, 1, size - p));
    if (!q) break;
    size_t i = size_t(q - b);
    if (b[i - 1] == 0 && b[i - 2] == 0) {
      if (i + 1 >= size) {  // the header byte has not arrived yet
        pos_ = i - 2;
        return kNone;
      }
      pos_ = i - 1;  // resume after this 0x01
      return i + 1;
    }
    p = i + 1;
  }
  pos_ = size >= 2 ? size - 2 : 0;
  return kNone;
}

// The RBSP of the NAL whose header byte is nal[0]: the bytes after the
// header up to the next start code (or the end of `nal`), with each
// emulation prevention byte (the 03 of 00 00 03) removed.
Bytes nal_rbsp(ByteView nal);
// The inverse, for a writer: a 03 inserted wherever two zeros are followed
// by a byte of 0..3, so the payload can never look like a start code.
Bytes add_emulation_prevention(ByteView rbsp);

struct VuiTiming {
  uint32_t num_units_in_tick = 0;
  uint32_t time_scale = 0;  // a progressive frame lasts 2 ticks: fps = time_scale / (2 * units)
};

// What an SPS says that a reader of the stream cares about.
struct Sps {
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;  // constraint_set0_flag is the top bit
  uint8_t level_idc = 0;         // level × 10 (31 = 3.1)
  unsigned chroma_format_idc = 1;
  bool frame_mbs_only = true;
  int width = 0;  // cropped, in pixels
  int height = 0;
  std::optional<VuiTiming> timing;  // when the VUI carries timing info
};

// Parses an SPS NAL (nal[0] is its header byte; it runs to the next start
// code or the end of `nal`). std::nullopt when it is cut short before the
// picture size, or the size is out of bounds (over 1024 macroblocks a side,
// or cropped to nothing). A VUI cut short just leaves `timing` unset.
std::optional<Sps> parse_sps(ByteView nal);

}  // namespace ipcam::h264
