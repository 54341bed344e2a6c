// libipcam's H.264 scanner on bytes built by hand: NAL units behind 3- and
// 4-byte start codes, a start code split across pieces of a growing buffer,
// emulation prevention, the SPS fields of two real encoder SPSs, and SPSs
// cut short or made of garbage.
#include "ipcam/h264.h"

#include <gtest/gtest.h>

#include <vector>

using namespace ipcam;
using namespace ipcam::h264;

namespace {

// A 640x360 Constrained Baseline SPS as x264 writes it, 30 fps VUI timing,
// with an emulation prevention byte inside the timing (00 00 03 00).
const Bytes kBaselineSps = {0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xa0, 0x2f, 0xf9, 0x70, 0x16, 0xa0,
                            0xc0, 0xc0, 0xd4, 0xa0, 0x00, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x07,
                            0x91, 0xe2, 0xc5, 0xc9};
// A 1920x1080 High profile SPS from x264 (1088 lines cropped to 1080), 25 fps.
const Bytes kHighSps = {0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x02, 0x27, 0xe5, 0xc0, 0x5a, 0x80, 0x80,
                        0x80, 0xa0, 0x00, 0x00, 0x03, 0x00, 0x20, 0x00, 0x00, 0x06, 0x51, 0xe3, 0x06, 0x32, 0xc0};

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto &p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Writes an SPS bit by bit, the fields in the standard's order.
class SpsWriter {
 public:
  void bits(uint32_t v, int n) {
    for (int i = n - 1; i >= 0; i--) bit((v >> i) & 1);
  }
  void ue(uint32_t v) {
    const uint64_t x = uint64_t(v) + 1;
    int len = 0;
    while ((x >> len) > 1) len++;
    bits(0, len);
    for (int i = len; i >= 0; i--) bit(uint32_t(x >> i) & 1);
  }
  // A Baseline SPS (no VUI) of the given size in macroblocks, frame or field
  // coded, with a crop of `crop_bottom` units at the bottom.
  static Bytes Baseline(uint32_t width_mbs, uint32_t height_map_units, bool frame_mbs_only = true,
                        uint32_t crop_bottom = 0) {
    SpsWriter w;
    w.bits(66, 8);
    w.bits(0, 8);
    w.bits(30, 8);
    w.ue(0);  // seq_parameter_set_id
    w.ue(0);  // log2_max_frame_num_minus4
    w.ue(2);  // pic_order_cnt_type
    w.ue(1);  // max_num_ref_frames
    w.bits(0, 1);
    w.ue(width_mbs - 1);
    w.ue(height_map_units - 1);
    w.bits(frame_mbs_only, 1);
    if (!frame_mbs_only) w.bits(0, 1);
    w.bits(1, 1);  // direct_8x8_inference_flag
    w.bits(crop_bottom ? 1 : 0, 1);
    if (crop_bottom) {
      w.ue(0);
      w.ue(0);
      w.ue(0);
      w.ue(crop_bottom);
    }
    w.bits(0, 1);  // no VUI
    w.bits(1, 1);  // rbsp_stop_one_bit
    Bytes nal = {0x67};
    const Bytes payload = add_emulation_prevention(w.bytes());
    nal.insert(nal.end(), payload.begin(), payload.end());
    return nal;
  }
  Bytes bytes() const {
    Bytes out = out_;
    if (n_) out.push_back(uint8_t(cur_ << (8 - n_)));
    return out;
  }

 private:
  void bit(uint32_t b) {
    cur_ = uint8_t(cur_ << 1 | b);
    if (++n_ == 8) {
      out_.push_back(cur_);
      cur_ = 0;
      n_ = 0;
    }
  }
  Bytes out_;
  uint8_t cur_ = 0;
  int n_ = 0;
};

std::vector<NalUnit> AllNals(const Bytes &stream) {
  std::vector<NalUnit> out;
  NalReader reader(stream);
  for (NalUnit n; reader.next(n);) out.push_back(n);
  return out;
}

}  // namespace

TEST(H264Nal, ThreeAndFourByteStartCodes) {
  // AUD behind 4 bytes, SPS behind 3, an IDR slice behind 4.
  const Bytes s = {0, 0, 0, 1, 0x09, 0x10, 0, 0, 1, 0x67, 0x42, 0, 0, 0, 1, 0x65, 0x88, 0x84};
  const auto nals = AllNals(s);
  ASSERT_EQ(nals.size(), 3u);
  EXPECT_EQ(nals[0].start, 0u);
  EXPECT_EQ(nals[0].header, 4u);
  EXPECT_EQ(nals[0].end, 6u);
  EXPECT_EQ(nals[0].type, kNalAud);
  EXPECT_EQ(nals[1].start, 6u);
  EXPECT_EQ(nals[1].header, 9u);
  EXPECT_EQ(nals[1].end, 11u);  // the zero before 00 00 01 is the next start code's
  EXPECT_EQ(nals[1].type, kNalSps);
  EXPECT_EQ(nals[2].start, 11u);
  EXPECT_EQ(nals[2].header, 15u);
  EXPECT_EQ(nals[2].end, s.size());
  EXPECT_EQ(nals[2].type, kNalIdr);
  EXPECT_TRUE(is_slice(nals[2].type));
  EXPECT_FALSE(is_slice(nals[1].type));
}

TEST(H264Nal, BytesBeforeTheFirstStartCodeAndABareStartCodeAtTheEnd) {
  const Bytes s = {0xff, 0x01, 0x00, 0x00, 0x01, 0x41, 0x9a, 0x00, 0x00, 0x01};
  const auto nals = AllNals(s);
  ASSERT_EQ(nals.size(), 1u);
  EXPECT_EQ(nals[0].start, 2u);
  EXPECT_EQ(nals[0].header, 5u);
  EXPECT_EQ(nals[0].end, 7u);
  EXPECT_EQ(nals[0].type, kNalSlice);
  EXPECT_TRUE(AllNals({}).empty());
  EXPECT_TRUE(AllNals({0, 0, 1}).empty());
  EXPECT_TRUE(AllNals({1, 2, 3, 0, 0, 2, 0, 0}).empty());
}

TEST(H264Nal, StartsWithStartCode) {
  EXPECT_TRUE(starts_with_start_code(Bytes{0, 0, 1, 0x65}));
  EXPECT_TRUE(starts_with_start_code(Bytes{0, 0, 0, 1, 0x65}));
  EXPECT_FALSE(starts_with_start_code(Bytes{0, 1, 0x65}));
  EXPECT_FALSE(starts_with_start_code(Bytes{0, 0, 0, 0, 1}));
  EXPECT_FALSE(starts_with_start_code(Bytes{0, 0}));
}

TEST(H264Scanner, FindsEachHeaderOnceWhateverThePieces) {
  const Bytes s = Concat({{0, 0, 0, 1, 0x09, 0x10}, {0, 0, 1}, kBaselineSps, {0, 0, 0, 1, 0x68, 0xce},
                          {0, 0, 1, 0x65, 0x88, 0x00, 0x00, 0x03, 0x01}});
  std::vector<size_t> whole;
  NalHeaderScanner scan;
  for (size_t h; (h = scan.next(s)) != kNone;) whole.push_back(h);
  const std::vector<size_t> expected = {4, 9, 9 + kBaselineSps.size() + 4, 9 + kBaselineSps.size() + 9};
  ASSERT_EQ(whole, expected);
  // Every piece size, down to one byte: a start code and its header byte
  // split anywhere across pieces is found once, when its header arrives.
  for (size_t piece = 1; piece <= 7; piece++) {
    std::vector<size_t> found;
    NalHeaderScanner grow;
    for (size_t size = 0; size < s.size();) {
      size = std::min(s.size(), size + piece);
      for (size_t h; (h = grow.next(ByteView(s.data(), size))) != kNone;) {
        EXPECT_LT(h, size);
        found.push_back(h);
      }
    }
    EXPECT_EQ(found, expected) << "pieces of " << piece;
  }
}

TEST(H264Scanner, SplitStartCodeAtEachByte) {
  const Bytes s = {0xaa, 0x00, 0x00, 0x01, 0x65};
  for (size_t cut = 1; cut < s.size(); cut++) {
    NalHeaderScanner scan;
    EXPECT_EQ(scan.next(ByteView(s.data(), cut)), kNone) << cut;
    EXPECT_EQ(scan.next(s), 4u) << cut;
    EXPECT_EQ(scan.next(s), kNone) << cut;
  }
  NalHeaderScanner scan;
  EXPECT_EQ(scan.next(s), 4u);
  scan.reset();  // a new frame in the same buffer
  EXPECT_EQ(scan.next(s), 4u);
}

TEST(H264Rbsp, EmulationPreventionIsRemovedAndAddedBack) {
  // Header, then 00 00 03 before each of 00, 01, 02, 03; then the next start code.
  const Bytes nal = {0x06, 0x11, 0, 0, 3, 0, 0x22, 0, 0, 3, 1, 0x22, 0, 0, 3, 2, 0x22, 0, 0, 3, 3, 0x80,
                     0,    0,    1, 0x65};
  const Bytes rbsp = nal_rbsp(nal);
  const Bytes expected = {0x11, 0, 0, 0, 0x22, 0, 0, 1, 0x22, 0, 0, 2, 0x22, 0, 0, 3, 0x80, 0, 0};
  EXPECT_EQ(rbsp, expected);
  // The writer's side gives the escaped bytes back; 00 00 04 needs no escape.
  const Bytes payload(nal.begin() + 1, nal.begin() + 22);
  EXPECT_EQ(add_emulation_prevention(Bytes(expected.begin(), expected.end() - 2)), payload);
  EXPECT_EQ(add_emulation_prevention(Bytes{0, 0, 4, 0, 0}), (Bytes{0, 0, 4, 0, 0}));
  EXPECT_EQ(add_emulation_prevention(Bytes{0, 0, 0}), (Bytes{0, 0, 3, 0}));
  EXPECT_TRUE(nal_rbsp(Bytes{0x67}).empty());
}

TEST(H264Sps, BaselineFields) {
  const auto sps = parse_sps(kBaselineSps);
  ASSERT_TRUE(sps.has_value());
  EXPECT_EQ(sps->profile_idc, 66);
  EXPECT_EQ(sps->constraint_flags, 0xc0);  // constraint_set0 and set1: Constrained Baseline
  EXPECT_EQ(sps->level_idc, 30);
  EXPECT_EQ(sps->chroma_format_idc, 1u);
  EXPECT_TRUE(sps->frame_mbs_only);
  EXPECT_EQ(sps->width, 640);
  EXPECT_EQ(sps->height, 360);
  ASSERT_TRUE(sps->timing.has_value());  // read across the 00 00 03 in it
  EXPECT_EQ(sps->timing->num_units_in_tick, 1u);
  EXPECT_EQ(sps->timing->time_scale, 60u);
}

TEST(H264Sps, HighProfileWithCropping) {
  // Followed by the next NAL's start code: parsing stops there.
  const auto sps = parse_sps(Concat({kHighSps, {0, 0, 0, 1, 0x68, 0xeb}}));
  ASSERT_TRUE(sps.has_value());
  EXPECT_EQ(sps->profile_idc, 100);
  EXPECT_EQ(sps->constraint_flags, 0);
  EXPECT_EQ(sps->level_idc, 40);
  EXPECT_EQ(sps->width, 1920);
  EXPECT_EQ(sps->height, 1080);
  ASSERT_TRUE(sps->timing.has_value());
  EXPECT_EQ(sps->timing->num_units_in_tick, 1u);
  EXPECT_EQ(sps->timing->time_scale, 50u);
}

TEST(H264Sps, SizesFromHandBuiltSps) {
  auto sps = parse_sps(SpsWriter::Baseline(80, 45));
  ASSERT_TRUE(sps.has_value());
  EXPECT_EQ(sps->width, 1280);
  EXPECT_EQ(sps->height, 720);
  EXPECT_FALSE(sps->timing.has_value());
  // Field coded: map units are pairs of macroblock rows, crop units two lines.
  sps = parse_sps(SpsWriter::Baseline(120, 34, false, 4));
  ASSERT_TRUE(sps.has_value());
  EXPECT_FALSE(sps->frame_mbs_only);
  EXPECT_EQ(sps->width, 1920);
  EXPECT_EQ(sps->height, 34 * 32 - 4 * 4);
  // 1024 macroblocks a side is the most; more, or cropped to nothing, is refused.
  EXPECT_TRUE(parse_sps(SpsWriter::Baseline(1024, 1024)).has_value());
  EXPECT_FALSE(parse_sps(SpsWriter::Baseline(1025, 45)).has_value());
  EXPECT_FALSE(parse_sps(SpsWriter::Baseline(80, 1025)).has_value());
  EXPECT_FALSE(parse_sps(SpsWriter::Baseline(80, 1, true, 8)).has_value());
}

TEST(H264Sps, TruncatedSps) {
  // Cut before the picture size is known: nothing. Cut in the VUI: the
  // size, without timing.
  for (size_t n = 0; n < kBaselineSps.size(); n++) {
    const auto sps = parse_sps(ByteView(kBaselineSps.data(), n));
    if (n <= 9) {
      EXPECT_FALSE(sps.has_value()) << n;
    } else if (sps) {
      EXPECT_EQ(sps->width, 640) << n;
      EXPECT_EQ(sps->height, 360) << n;
      if (n < 24) {
        EXPECT_FALSE(sps->timing.has_value()) << n;
      }
    }
  }
  EXPECT_FALSE(parse_sps(ByteView(kBaselineSps.data(), 5)).has_value());
  EXPECT_TRUE(parse_sps(ByteView(kBaselineSps.data(), 16)).has_value());
}

TEST(H264Sps, GarbageGivesNothing) {
  EXPECT_FALSE(parse_sps(Bytes{}).has_value());
  EXPECT_FALSE(parse_sps(Bytes(64, 0x00)).has_value());  // ue(v) with no end
  // All ones: every ue(v) is 0, so a 16x16 picture, and no read past the end.
  const auto ones = parse_sps(Bytes(64, 0xff));
  ASSERT_TRUE(ones.has_value());
  EXPECT_EQ(ones->width, 16);
  EXPECT_EQ(ones->height, 16);
  // Pseudo-random bytes never read past the end (ASan would say so).
  uint32_t x = 12345;
  for (int i = 0; i < 2000; i++) {
    Bytes b(1 + i % 40);
    for (auto &c : b) c = uint8_t((x = x * 1103515245 + 12345) >> 16);
    (void)parse_sps(b);
    (void)nal_rbsp(b);
    for (NalHeaderScanner scan; scan.next(b) != kNone;) {
    }
  }
}
