// Access unit splitting and the SEI tag, checked against bytes by hand.
#include "h264_stream.h"

#include <gtest/gtest.h>

using ipcam::Bytes;
using namespace ipcam::sim;

namespace {

Bytes nal(uint8_t header, std::initializer_list<uint8_t> body, bool four = true) {
  Bytes b = four ? Bytes{0, 0, 0, 1} : Bytes{0, 0, 1};
  b.push_back(header);
  b.insert(b.end(), body);
  return b;
}
void add(Bytes &to, const Bytes &b) { to.insert(to.end(), b.begin(), b.end()); }

}  // namespace

TEST(H264, SplitsAtAudAndFirstSlice) {
  Bytes s;
  add(s, nal(0x09, {0xF0}));        // AUD
  add(s, nal(0x67, {0x42, 0xC0}));  // SPS
  add(s, nal(0x68, {0xCE}));        // PPS
  add(s, nal(0x65, {0x88, 0x11}));  // IDR slice, first_mb 0
  add(s, nal(0x65, {0x40, 0x22}, false));  // IDR slice, first_mb != 0: same frame
  add(s, nal(0x41, {0x9A, 0x33}));  // no AUD: a new picture by first_mb 0
  add(s, nal(0x09, {0xF0}));
  add(s, nal(0x41, {0x9A, 0x44}));
  auto aus = split_access_units(s);
  ASSERT_EQ(aus.size(), 3u);
  EXPECT_TRUE(aus[0].keyframe);
  EXPECT_TRUE(aus[0].has_sps);
  EXPECT_FALSE(aus[1].keyframe);
  EXPECT_EQ(aus[1].data, nal(0x41, {0x9A, 0x33}));
  Bytes joined;
  for (auto &a : aus) add(joined, a.data);
  EXPECT_EQ(joined, s) << "splitting loses nothing";
}

TEST(H264, TagGoesBeforeTheFirstSliceWithEmulationPrevention) {
  Bytes au;
  add(au, nal(0x09, {0xF0}));
  add(au, nal(0x67, {0x42}));
  add(au, nal(0x68, {0xCE}));
  add(au, nal(0x65, {0x88}));
  Bytes tagged = tag_access_unit(au, 0x00000001, 0x00000300);
  Bytes expected;
  add(expected, nal(0x09, {0xF0}));
  add(expected, nal(0x67, {0x42}));
  add(expected, nal(0x68, {0xCE}));
  // 00 00 00 01 | 06 | 05 18 | UUID | frame 00 00 03 00 01 | ms 00 00 03 03 00 | 80
  Bytes sei = {0, 0, 0, 1, 0x06, 0x05, 0x18};
  for (char ch : std::string("IPCAMSIM-FRAME-1")) sei.push_back(uint8_t(ch));
  add(sei, {0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x03, 0x00, 0x80});
  add(expected, sei);
  add(expected, nal(0x65, {0x88}));
  EXPECT_EQ(tagged, expected);
}

TEST(H264, SampleStreamHasKeyframesWithParameterSets) {
  const char *path = g_getenv("IPCAM_SAMPLE_H264");
  ASSERT_TRUE(path);
  g_autofree char *data = nullptr;
  gsize len = 0;
  ASSERT_TRUE(g_file_get_contents(path, &data, &len, nullptr));
  auto aus = split_access_units(ipcam::ByteView(reinterpret_cast<uint8_t *>(data), len));
  EXPECT_EQ(aus.size(), 90u);
  int keys = 0;
  for (size_t i = 0; i < aus.size(); ++i) {
    if (aus[i].keyframe) {
      ++keys;
      EXPECT_TRUE(aus[i].has_sps) << "SPS/PPS precede each IDR (frame " << i << ")";
      EXPECT_EQ(i % 30, 0u);
    }
  }
  EXPECT_EQ(keys, 3);
}
