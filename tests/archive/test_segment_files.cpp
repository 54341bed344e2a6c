// The archive's names and its reading of MP4 boxes, with files built by
// hand: what a name says, which paths are the archive's, what a segment
// cut by a crash holds and how it is cut back.
#include "archive/segment-file.h"
#include "archive/segment-names.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ipcam::server {
namespace {

using Bytes = std::vector<uint8_t>;

void u32(Bytes &b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
}

Bytes box(const char *type, const Bytes &body) {
  Bytes b;
  u32(b, uint32_t(8 + body.size()));
  b.insert(b.end(), type, type + 4);
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto &p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes full(uint32_t version_flags, std::initializer_list<uint32_t> words) {
  Bytes b;
  u32(b, version_flags);
  for (uint32_t w : words) u32(b, w);
  return b;
}

// ftyp, moov (timescale 90000; trex default duration 3000), as mp4mux writes them.
Bytes head() {
  const Bytes mdhd = box("mdhd", full(0, {0, 0, 90000, 0, 0}));
  const Bytes trak = box("trak", box("mdia", mdhd));
  const Bytes mvex = box("mvex", box("trex", full(0, {1, 1, 3000, 0, 0})));
  return cat({box("ftyp", {'i', 's', 'o', 'm', 0, 0, 0, 0}), box("moov", cat({trak, mvex}))});
}

// A moof with `n` samples of 3000 (per-sample durations and sizes, the
// first a sync sample), and its mdat of n * 10 bytes.
Bytes fragment(uint32_t n) {
  Bytes trun = full(0x000305, {n, 0, 0x02000000});  // data offset, first-sample flags
  for (uint32_t i = 0; i < n; i++) u32(trun, 3000), u32(trun, 10);
  const Bytes traf = box("traf", cat({box("tfhd", full(0x020000, {1})), box("tfdt", full(0, {0})),
                                      box("trun", Bytes(trun.begin(), trun.end()))}));
  return cat({box("moof", cat({box("mfhd", full(0, {1})), traf})), box("mdat", Bytes(n * 10, 0xAB))});
}

class SegmentFile : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = g_dir_make_tmp("ipcam-archive-unit-XXXXXX", nullptr); }
  void TearDown() override {
    g_unlink(path().c_str());
    g_rmdir(dir_);
    g_free(dir_);
  }
  std::string path() const { return std::string(dir_) + "/segment.mp4"; }
  void write(const Bytes &b) { ASSERT_TRUE(g_file_set_contents(path().c_str(), (const char *)b.data(), gssize(b.size()), nullptr)); }
  char *dir_ = nullptr;
};

TEST_F(SegmentFile, ClosedSegment) {
  const Bytes b = cat({head(), fragment(30), fragment(30), box("mfra", {})});
  write(b);
  const SegmentScan s = scan_segment(path());
  EXPECT_TRUE(s.readable);
  EXPECT_EQ(s.frames, 60u);
  EXPECT_DOUBLE_EQ(s.seconds, 2.0);
  EXPECT_EQ(s.bytes, b.size());
  EXPECT_EQ(s.whole_bytes, b.size());
  EXPECT_TRUE(s.keyframe_first);
  std::string error;
  EXPECT_TRUE(repair_segment(path(), error));
  EXPECT_EQ(scan_segment(path()).bytes, b.size());  // nothing to cut
}

TEST_F(SegmentFile, CutInsideAFragmentIsCutBackToTheLastWholeOne) {
  const Bytes whole = cat({head(), fragment(30)});
  Bytes cut = cat({whole, fragment(30)});
  cut.resize(cut.size() - 100);  // the second mdat is short
  write(cut);
  SegmentScan s = scan_segment(path());
  EXPECT_EQ(s.frames, 30u);
  EXPECT_EQ(s.whole_bytes, whole.size());
  std::string error;
  ASSERT_TRUE(repair_segment(path(), error)) << error;
  s = scan_segment(path());
  EXPECT_EQ(s.bytes, whole.size());
  EXPECT_EQ(s.frames, 30u);
  // A moof cut in its middle is no fragment either.
  Bytes half_moof = cat({whole, fragment(30)});
  half_moof.resize(whole.size() + 20);
  write(half_moof);
  ASSERT_TRUE(repair_segment(path(), error)) << error;
  EXPECT_EQ(scan_segment(path()).bytes, whole.size());
}

TEST_F(SegmentFile, NoWholeFragmentIsRemoved) {
  write(head());
  EXPECT_EQ(scan_segment(path()).frames, 0u);
  std::string error;
  ASSERT_TRUE(repair_segment(path(), error)) << error;
  EXPECT_FALSE(g_file_test(path().c_str(), G_FILE_TEST_EXISTS));
}

TEST_F(SegmentFile, SizesThatCannotBeAreNotFollowed) {
  Bytes b = head();
  u32(b, 0xFFFFFFF0);  // a box far past the end
  b.insert(b.end(), {'m', 'o', 'o', 'f', 0, 0, 0, 0});
  write(b);
  const SegmentScan s = scan_segment(path());
  EXPECT_TRUE(s.readable);
  EXPECT_EQ(s.frames, 0u);
  EXPECT_EQ(s.whole_bytes, head().size());
  write(Bytes{0, 0, 0, 4, 'f', 't', 'y', 'p'});  // a size below its own header
  EXPECT_FALSE(scan_segment(path()).readable);
}

// Cut at every length, and every byte of the first fragment's moof
// spoilt: never a read past a box, never more frames than were whole.
TEST_F(SegmentFile, EveryCutAndEverySpoiltByte) {
  const Bytes b = cat({head(), fragment(3), fragment(2), box("mfra", {})});
  const size_t first_end = head().size() + fragment(3).size();
  uint64_t last_frames = 0;
  for (size_t n = 0; n <= b.size(); n++) {
    write(Bytes(b.begin(), b.begin() + n));
    const SegmentScan s = scan_segment(path());
    EXPECT_LE(s.whole_bytes, n);
    EXPECT_GE(s.frames, last_frames) << n;
    EXPECT_EQ(s.frames, n >= first_end + fragment(2).size() ? 5u : n >= first_end ? 3u : 0u) << n;
    last_frames = s.frames;
  }
  const Bytes moof = fragment(3);
  for (size_t i = 0; i < moof.size(); i++)
    for (uint8_t v : {0x00, 0x07, 0xFF}) {
      Bytes spoilt = b;
      spoilt[head().size() + i] = v;
      write(spoilt);
      EXPECT_LE(scan_segment(path()).frames, 5u);
    }
}

TEST(SegmentNames, LocalTimeWithItsOffsetStaysUniqueWhenTheClockGoesBack) {
  // Central Europe, 2026-10-25: 03:00 summer time is 02:00 again.
  GTimeZone *tz = g_time_zone_new_identifier("CET-1CEST,M3.5.0,M10.5.0/3");
  ASSERT_NE(tz, nullptr);
  const gint64 summer = 1792888200;  // 2026-10-25T00:30:00Z: 02:30+0200
  const gint64 winter = summer + 3600;  // 01:30Z: 02:30+0100
  EXPECT_EQ(segment_path(summer * G_USEC_PER_SEC, 1, tz), "2026-10-25/02-30-00+0200.mp4");
  EXPECT_EQ(segment_path(winter * G_USEC_PER_SEC, 1, tz), "2026-10-25/02-30-00+0100.mp4");
  EXPECT_EQ(segment_path(winter * G_USEC_PER_SEC, 3, tz), "2026-10-25/02-30-00+0100-3.mp4");
  for (gint64 t : {summer, winter}) {
    GDateTime *start = segment_start(segment_path(t * G_USEC_PER_SEC, 1, tz));
    ASSERT_NE(start, nullptr);
    EXPECT_EQ(g_date_time_to_unix(start), t);
    g_date_time_unref(start);
  }
  GDateTime *start = segment_start("2026-10-25/02-30-00+0100.mp4");
  EXPECT_EQ(iso8601(start), "2026-10-25T02:30:00+01:00");
  g_date_time_unref(start);
  g_time_zone_unref(tz);
}

TEST(SegmentNames, OnlyTheArchivesShapes) {
  for (const char *ok : {"2026-12-07/14-03-09+0100.mp4", "2026-12-07/14-03-09-0530.mp4",
                         "2026-12-07/14-03-09+0000-2.mp4", "2026-12-07/14-03-09+0000-17.mp4"})
    EXPECT_TRUE(is_segment_path(ok)) << ok;
  for (const char *bad :
       {"", "/2026-12-07/14-03-09+0100.mp4", "../2026-12-07/14-03-09+0100.mp4", "2026-12-07/../14-03-09+0100.mp4",
        "2026-12-07/14-03-09+0100.mp4/x", "2026-12-07//14-03-09+0100.mp4", "2026-12-7/14-03-09+0100.mp4",
        "2026-12-07/14-03-09+0100.MP4", "2026-12-07/14-03-09 0100.mp4", "2026-12-07/14-03-09+0100-1.mp4",
        "2026-12-07/14-03-09+0100-02.mp4", "2026-12-07/14-03-09+0100-.mp4", "2026-12-07/14-03-09.mp4",
        "2026-12-07/14-03-09+0100.mp4.part", "x/2026-12-07/14-03-09+0100.mp4", "2026-12-07"})
    EXPECT_FALSE(is_segment_path(bad)) << bad;
  EXPECT_EQ(segment_start("2026-02-30/14-03-09+0100.mp4"), nullptr);  // no such day
}

}  // namespace
}  // namespace ipcam::server
