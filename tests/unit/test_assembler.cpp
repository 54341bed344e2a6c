// PreviewAssembler: datagram sequences in, access units out. Every edge case
// of docs/preview.md, checked on the bytes and flags a consumer sees.
#include "preview_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

using namespace ipcam;
using namespace ipcam::test;

namespace {

void push_all(PreviewAssembler &a, Collector &c, const std::vector<Bytes> &dgrams) {
  for (const Bytes &d : dgrams) a.push(d, c.emit);
}

AssemblerConfig no_early() {
  AssemblerConfig cfg;
  cfg.early_end = false;
  return cfg;
}

AssemblerConfig pass_corrupted() {
  AssemblerConfig cfg;
  cfg.loss_policy = LossPolicy::kPassCorrupted;
  return cfg;
}

}  // namespace

TEST(Assembler, HandWrittenDatagramLayout) {
  // time (ms 1000 = e8 03 00 00 LE at payload bytes 12..15), then one frame
  // in two data pieces: SPS-less IDR split inside its start code.
  const uint8_t time0[] = {0xBC, 0xDE, 0x00, 0x10, 0x00, 0x07, 0x00, 0x02,
                           1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0xE8, 0x03, 0x00, 0x00};
  const uint8_t data1[] = {0xBC, 0xDE, 0x00, 0x03, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00};
  const uint8_t data2[] = {0xBC, 0xDE, 0x00, 0x04, 0x00, 0x09, 0x00, 0x01, 0x01, 0x65, 0x88, 0x84,
                           0xFF, 0xFF};  // two trailing bytes past the length: ignored
  const uint8_t time1[] = {0xBC, 0xDE, 0x00, 0x10, 0x00, 0x0A, 0x00, 0x02,
                           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x21, 0x04, 0x00, 0x00};
  PreviewAssembler a(no_early());
  Collector c;
  a.push(time0, c.emit);
  a.push(data1, c.emit);
  a.push(data2, c.emit);
  EXPECT_TRUE(c.frames.empty());
  a.push(time1, c.emit);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0].data, (Bytes{0, 0, 0, 1, 0x65, 0x88, 0x84}));
  EXPECT_EQ(c.frames[0].ms, 1000u);
  EXPECT_TRUE(c.frames[0].keyframe);
  EXPECT_TRUE(c.frames[0].discont);  // first frame of a session
  EXPECT_FALSE(c.frames[0].corrupted);
  EXPECT_FALSE(c.frames[0].early);
  EXPECT_EQ(a.stats().datagrams, 4u);
  EXPECT_EQ(a.stats().bytes, 7u);
  EXPECT_EQ(a.stats().lost, 0u);
}

TEST(Assembler, TimeBeforeFramesEndAtNextTime) {
  PreviewAssembler a(no_early());
  Collector c;
  Camera cam;
  Bytes f0 = key_frame(2500), f1 = delta_frame(1700), f2 = delta_frame(300, 9);
  push_all(a, c, cam.frame(100, f0));
  push_all(a, c, cam.frame(133, f1));
  ASSERT_EQ(c.frames.size(), 1u);  // f1 ends only at the next boundary
  push_all(a, c, cam.frame(166, f2));
  a.flush(c.emit);
  ASSERT_EQ(c.frames.size(), 3u);
  EXPECT_EQ(c.frames[0].data, f0);
  EXPECT_EQ(c.frames[1].data, f1);
  EXPECT_EQ(c.frames[2].data, f2);
  EXPECT_EQ(c.frames[0].ms, 100u);
  EXPECT_EQ(c.frames[1].ms, 133u);
  EXPECT_EQ(c.frames[2].ms, 166u);
  EXPECT_TRUE(c.frames[0].keyframe);
  EXPECT_FALSE(c.frames[1].keyframe);
  EXPECT_FALSE(c.frames[1].discont);
  for (uint32_t i = 0; i < 3; i++) EXPECT_EQ(c.frames[i].index, i);
  EXPECT_EQ(a.stats().frames, 3u);
  EXPECT_EQ(a.stats().keyframes, 1u);
  EXPECT_EQ(a.stats().discontinuities, 1u);
  EXPECT_EQ(a.stats().dropped_frames, 0u);
}

TEST(Assembler, TimeAfterEndsFrameWithItsTime) {
  AssemblerConfig cfg;
  cfg.time_position = TimePosition::kAfter;
  PreviewAssembler a(cfg);
  Collector c;
  Camera cam;
  Bytes f0 = key_frame(2000), f1 = delta_frame(999);
  // A short last piece never ends a frame in `after` mode: its time follows.
  push_all(a, c, cam.data(f0));
  EXPECT_TRUE(c.frames.empty());
  a.push(cam.time(40), c.emit);
  ASSERT_EQ(c.frames.size(), 1u);
  push_all(a, c, cam.frame(73, f1, TimePosition::kAfter));
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(c.frames[0].data, f0);
  EXPECT_EQ(c.frames[0].ms, 40u);
  EXPECT_TRUE(c.frames[0].keyframe);
  EXPECT_EQ(c.frames[1].data, f1);
  EXPECT_EQ(c.frames[1].ms, 73u);
  EXPECT_FALSE(c.frames[1].early);
  // Data without its time datagram at the end of the stream has no time.
  push_all(a, c, cam.data(delta_frame(100)));
  a.flush(c.emit);
  EXPECT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(a.stats().dropped_frames, 1u);
}

TEST(Assembler, EarlyEndOnShortLastPiece) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  Bytes f0 = key_frame(2500), f1 = delta_frame(1200);
  push_all(a, c, cam.frame(10, f0));
  ASSERT_EQ(c.frames.size(), 1u);  // no need to wait for the next time datagram
  EXPECT_TRUE(c.frames[0].early);
  EXPECT_EQ(c.frames[0].data, f0);
  push_all(a, c, cam.frame(43, f1));
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_TRUE(c.frames[1].early);
  EXPECT_EQ(c.frames[1].data, f1);
  EXPECT_EQ(c.frames[1].ms, 43u);
  a.push(cam.time(76), c.emit);
  a.flush(c.emit);
  EXPECT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(a.stats().dropped_frames, 0u);
}

TEST(Assembler, NoEarlyEndWhenLastPieceIsFull) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  push_all(a, c, cam.frame(10, key_frame(2500)));  // teaches the 1000-byte piece size
  Bytes f1 = delta_frame(1995);                      // 2000 bytes: two full pieces
  push_all(a, c, cam.frame(43, f1));
  ASSERT_EQ(c.frames.size(), 1u);
  a.push(cam.time(76), c.emit);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(c.frames[1].data, f1);
  EXPECT_FALSE(c.frames[1].early);
}

TEST(Assembler, NoEarlyEndWithoutSlice) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  push_all(a, c, cam.frame(10, key_frame(2500)));
  // SPS + PPS alone in a short piece: not a picture yet.
  Bytes f1 = cat({nal(0x67, 12, 3), nal(0x68, 4, 4)});
  push_all(a, c, cam.frame(43, f1));
  EXPECT_EQ(c.frames.size(), 1u);
  a.push(cam.time(76), c.emit);
  ASSERT_EQ(c.frames.size(), 2u);  // ended by the boundary, not early
  EXPECT_EQ(c.frames[1].data, f1);
  EXPECT_FALSE(c.frames[1].early);
}

TEST(Assembler, NoEarlyEndWhenSequenceNotContiguous) {
  PreviewAssembler a(pass_corrupted());
  Collector c;
  Camera cam;
  push_all(a, c, cam.frame(10, key_frame(2500)));
  auto d = cam.frame(43, delta_frame(2500));
  d.erase(d.begin() + 1);  // the first data piece is lost
  push_all(a, c, d);
  EXPECT_EQ(c.frames.size(), 1u);
  a.push(cam.time(76), c.emit);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_FALSE(c.frames[1].early);
  EXPECT_TRUE(c.frames[1].corrupted);
  EXPECT_TRUE(c.frames[1].discont);
  EXPECT_EQ(a.stats().lost, 1u);
}

TEST(Assembler, EarlyEndWithConfiguredPieceSizeAndOff) {
  {
    AssemblerConfig cfg;
    cfg.data_payload_size = 1000;
    PreviewAssembler a(cfg);
    Collector c;
    Camera cam;
    // One short piece: learning alone could not know it is short.
    push_all(a, c, cam.frame(10, key_frame(300)));
    ASSERT_EQ(c.frames.size(), 1u);
    EXPECT_TRUE(c.frames[0].early);
  }
  {
    PreviewAssembler a(no_early());
    Collector c;
    Camera cam;
    push_all(a, c, cam.frame(10, key_frame(2500)));
    EXPECT_TRUE(c.frames.empty());
  }
}

TEST(Assembler, ContinuationAfterEarlyEndIsDamagedAndStopsEarlyEnd) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  Bytes f0 = key_frame(2500);
  push_all(a, c, cam.frame(10, f0));
  ASSERT_EQ(c.frames.size(), 1u);
  // Next frame: a short piece mid-frame (first slice), then more data.
  Bytes s1 = nal(0x41, 400, 21), s2 = nal(0x41, 1500, 22, false);
  a.push(cam.time(43), c.emit);
  a.push(cam.datagram(datagram::kData, s1), c.emit);
  ASSERT_EQ(c.frames.size(), 2u);  // looked like a whole frame
  EXPECT_TRUE(c.frames[1].early);
  push_all(a, c, cam.data(s2));    // continuation: dropped, not emitted as a frame
  a.push(cam.time(76), c.emit);
  EXPECT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(a.stats().dropped_frames, 1u);
  // From now on frames end at the next boundary, and the stream restarts at
  // a keyframe with discont.
  push_all(a, c, cam.data(delta_frame(500)));
  Bytes k = key_frame(1200, 30);
  push_all(a, c, cam.frame(109, k));
  EXPECT_EQ(c.frames.size(), 2u);
  a.push(cam.time(142), c.emit);
  ASSERT_EQ(c.frames.size(), 3u);
  EXPECT_EQ(c.frames[2].data, k);
  EXPECT_FALSE(c.frames[2].early);
  EXPECT_TRUE(c.frames[2].discont);
  EXPECT_TRUE(c.frames[2].keyframe);
}

TEST(Assembler, KeyframeFlagFromIdrWhereverStartCodeIsSplit) {
  Bytes f = key_frame(3000);
  // Split points inside and around every start code and NAL header.
  for (size_t piece = 1; piece <= 40; piece++) {
    PreviewAssembler a(no_early());
    Collector c;
    Camera cam;
    cam.piece = piece;
    push_all(a, c, cam.frame(1, f));
    push_all(a, c, cam.frame(2, delta_frame(50)));
    a.flush(c.emit);
    ASSERT_EQ(c.frames.size(), 2u) << piece;
    EXPECT_TRUE(c.frames[0].keyframe) << piece;
    EXPECT_FALSE(c.frames[1].keyframe) << piece;
    EXPECT_EQ(c.frames[0].data, f);
  }
}

TEST(Assembler, LossDropsUntilKeyframe) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  std::vector<Bytes> frames = {key_frame(2500, 1), delta_frame(2500, 2), delta_frame(2500, 3),
                               delta_frame(800, 4), key_frame(2600, 5), delta_frame(900, 6)};
  for (size_t i = 0; i < frames.size(); i++) {
    auto d = cam.frame(uint32_t(i * 33), frames[i]);
    if (i == 2) d.erase(d.begin() + 2);  // one piece of frame 2 lost
    push_all(a, c, d);
  }
  ASSERT_EQ(c.frames.size(), 4u);
  EXPECT_EQ(c.frames[0].data, frames[0]);
  EXPECT_EQ(c.frames[1].data, frames[1]);
  EXPECT_EQ(c.frames[2].data, frames[4]);
  EXPECT_EQ(c.frames[3].data, frames[5]);
  EXPECT_TRUE(c.frames[2].discont);
  EXPECT_TRUE(c.frames[2].keyframe);
  EXPECT_FALSE(c.frames[3].discont);
  for (const Seen &s : c.frames) EXPECT_FALSE(s.corrupted);
  EXPECT_EQ(a.stats().lost, 1u);
  EXPECT_EQ(a.stats().dropped_frames, 2u);
  EXPECT_EQ(a.stats().discontinuities, 2u);  // session start, then after the loss
}

TEST(Assembler, LostTimeDatagramDamagesBothFrames) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  push_all(a, c, cam.frame(0, key_frame(2500)));
  auto d = cam.frame(33, delta_frame(2500));
  d.erase(d.begin());  // the boundary itself is lost
  push_all(a, c, d);
  Bytes k = key_frame(2000, 40);
  push_all(a, c, cam.frame(66, k));
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(c.frames[1].data, k);
  EXPECT_TRUE(c.frames[1].discont);
  EXPECT_EQ(a.stats().lost, 1u);
}

TEST(Assembler, PassCorruptedEmitsDamagedFramesFlagged) {
  PreviewAssembler a(pass_corrupted());
  Collector c;
  Camera cam;
  std::vector<Bytes> frames = {key_frame(2500, 1), delta_frame(2500, 2), delta_frame(2500, 3),
                               delta_frame(800, 4)};
  Bytes damaged;
  for (size_t i = 0; i < frames.size(); i++) {
    auto d = cam.frame(uint32_t(i * 33), frames[i]);
    if (i == 2) {
      d.erase(d.begin() + 2);
      damaged = cat({frames[i]});
      damaged.erase(damaged.begin() + 1000, damaged.begin() + 2000);
    }
    push_all(a, c, d);
  }
  a.push(cam.time(200), c.emit);
  ASSERT_EQ(c.frames.size(), 4u);
  EXPECT_TRUE(c.frames[2].corrupted);
  EXPECT_TRUE(c.frames[2].discont);
  EXPECT_FALSE(c.frames[2].early);
  EXPECT_EQ(c.frames[2].data, damaged);  // what arrived, nothing invented
  EXPECT_FALSE(c.frames[3].corrupted);
  EXPECT_FALSE(c.frames[3].discont);
  EXPECT_EQ(c.frames[3].data, frames[3]);
  EXPECT_EQ(a.stats().dropped_frames, 0u);
}

TEST(Assembler, DuplicatesDroppedAndCountedNotLoss) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  std::vector<Bytes> frames = {key_frame(2500, 1), delta_frame(3100, 2), delta_frame(10, 3)};
  size_t n = 0;
  for (size_t i = 0; i < frames.size(); i++) {
    for (const Bytes &d : cam.frame(uint32_t(i), frames[i])) {
      a.push(d, c.emit);
      a.push(d, c.emit);
      n++;
    }
  }
  ASSERT_EQ(c.frames.size(), 3u);
  for (size_t i = 0; i < 3; i++) EXPECT_EQ(c.frames[i].data, frames[i]);
  EXPECT_EQ(a.stats().duplicates, n);
  EXPECT_EQ(a.stats().lost, 0u);
  EXPECT_EQ(a.stats().discontinuities, 1u);
}

TEST(Assembler, ReorderCountedAndFrameDropped) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  push_all(a, c, cam.frame(0, key_frame(2500)));
  auto d = cam.frame(33, delta_frame(3500));
  std::swap(d[2], d[3]);
  push_all(a, c, d);
  EXPECT_EQ(a.stats().reordered, 1u);
  EXPECT_EQ(a.stats().lost, 0u);  // counted lost at the gap, then found
  EXPECT_EQ(a.stats().duplicates, 0u);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(a.stats().dropped_frames, 0u);  // still open: ends at the next boundary
  a.push(cam.time(66), c.emit);
  EXPECT_EQ(a.stats().dropped_frames, 1u);
}

TEST(Assembler, SequenceWrapIsNotAGap) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  cam.seq = 65530;
  std::vector<Bytes> frames = {key_frame(4000, 1), delta_frame(5000, 2), delta_frame(3000, 3)};
  for (size_t i = 0; i < frames.size(); i++) push_all(a, c, cam.frame(uint32_t(i), frames[i]));
  ASSERT_LT(cam.seq, 100);
  ASSERT_EQ(c.frames.size(), 3u);
  for (size_t i = 0; i < 3; i++) EXPECT_EQ(c.frames[i].data, frames[i]);
  EXPECT_EQ(a.stats().lost, 0u);
  EXPECT_EQ(a.stats().discontinuities, 1u);
}

TEST(Assembler, MalformedCountedAndDamaging) {
  const Bytes garbage[] = {
      {0xBC, 0xDE, 0x00},                                      // shorter than a header
      {0xAB, 0xCD, 0x00, 0x02, 0x00, 0x05, 0x00, 0x01, 1, 1},  // bad magic
      {0xBC, 0xDE, 0x03, 0xE8, 0x00, 0x05, 0x00, 0x01, 1, 1},  // length past the end
      {0xBC, 0xDE, 0x00, 0x02, 0x00, 0x05, 0x00, 0x02, 1, 1},  // time with 2 payload bytes
      {},
  };
  for (const Bytes &g : garbage) {
    PreviewAssembler a;
    Collector c;
    Camera cam;
    push_all(a, c, cam.frame(0, key_frame(2500)));
    auto d = cam.frame(33, delta_frame(2500));
    d.insert(d.begin() + 2, g);  // no sequence number used: no gap
    push_all(a, c, d);
    Bytes k = key_frame(1500, 9);
    push_all(a, c, cam.frame(66, k));
    EXPECT_EQ(a.stats().malformed, 1u);
    EXPECT_EQ(a.stats().lost, 0u);
    ASSERT_EQ(c.frames.size(), 2u) << hex_dump(g);
    EXPECT_EQ(a.stats().dropped_frames, 1u);
    EXPECT_EQ(c.frames[1].data, k);
    EXPECT_TRUE(c.frames[1].discont);
  }
}

TEST(Assembler, UnknownTypesIgnoredButSequenced) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  Bytes f0 = key_frame(2500);
  auto d = cam.frame(0, f0);
  const uint8_t five[] = {1, 2, 3, 4};
  Bytes t5 = cam.datagram(datagram::kUnknown5, five);
  Bytes t9 = cam.datagram(9, five);
  d.insert(d.begin() + 2, t5);  // between pieces, in sequence
  d.insert(d.begin() + 3, t9);
  // Renumber so the unknown types take their own sequence numbers.
  for (size_t i = 0; i < d.size(); i++) store_be16(d[i].data() + 4, uint16_t(100 + i));
  push_all(a, c, d);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0].data, f0);
  EXPECT_EQ(a.stats().ignored, 2u);
  EXPECT_EQ(a.stats().lost, 0u);
  // Dropping a type-5 datagram is a gap like any other.
  PreviewAssembler b;
  Collector cb;
  d.erase(d.begin() + 2);
  push_all(b, cb, d);
  EXPECT_EQ(b.stats().lost, 1u);
  EXPECT_TRUE(cb.frames.empty());
}

TEST(Assembler, OversizeBounded) {
  for (LossPolicy policy : {LossPolicy::kDropUntilKeyframe, LossPolicy::kPassCorrupted}) {
    AssemblerConfig cfg;
    cfg.max_frame_size = 5000;
    cfg.loss_policy = policy;
    PreviewAssembler a(cfg);
    Collector c;
    Camera cam;
    Bytes big = key_frame(12000, 2);
    push_all(a, c, cam.frame(0, big));
    Bytes k = key_frame(3000, 3);
    push_all(a, c, cam.frame(33, k));
    EXPECT_EQ(a.stats().oversize, 1u);
    for (const Seen &s : c.frames) {
      EXPECT_LE(s.data.size(), 5000u);
      EXPECT_LE(s.capacity, 5000u);
    }
    if (policy == LossPolicy::kDropUntilKeyframe) {
      ASSERT_EQ(c.frames.size(), 1u);
      EXPECT_EQ(c.frames[0].data, k);
      EXPECT_TRUE(c.frames[0].discont);
    } else {
      ASSERT_EQ(c.frames.size(), 2u);
      EXPECT_TRUE(c.frames[0].corrupted);
      EXPECT_EQ(c.frames[0].data, Bytes(big.begin(), big.begin() + 5000));
      EXPECT_EQ(c.frames[1].data, k);
    }
  }
}

TEST(Assembler, FrameWithoutStartCodeIsDamaged) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  push_all(a, c, cam.frame(0, key_frame(2500)));
  Bytes bad = delta_frame(1500);
  bad.erase(bad.begin(), bad.begin() + 4);  // no start code in front
  push_all(a, c, cam.frame(33, bad));
  Bytes k = key_frame(2000, 5);
  push_all(a, c, cam.frame(66, k));
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(c.frames[1].data, k);
  EXPECT_TRUE(c.frames[1].discont);
  EXPECT_EQ(a.stats().dropped_frames, 1u);
  EXPECT_EQ(a.stats().lost, 0u);
}

TEST(Assembler, JoinedMidStreamWaitsForTimeAndKeyframe) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  cam.seq = 4000;
  push_all(a, c, cam.data(delta_frame(2500, 1)));  // tail of a frame: no time yet
  push_all(a, c, cam.frame(33, delta_frame(800, 2)));
  Bytes k = key_frame(900, 3);
  push_all(a, c, cam.frame(66, k));
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0].data, k);
  EXPECT_TRUE(c.frames[0].discont);
  EXPECT_EQ(c.frames[0].index, 0u);
  EXPECT_EQ(a.stats().dropped_frames, 2u);
}

TEST(Assembler, ResetStartsNewSession) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  cam.seq = 30000;
  push_all(a, c, cam.frame(0, key_frame(2500)));
  push_all(a, c, cam.frame(33, delta_frame(800)));
  auto partial = cam.frame(66, delta_frame(3000));
  partial.resize(2);
  push_all(a, c, partial);
  ASSERT_EQ(c.frames.size(), 2u);
  a.reset();
  cam.seq = 0;  // the camera starts its sequence again
  Bytes k = key_frame(1500, 8);
  push_all(a, c, cam.frame(5, k));
  ASSERT_EQ(c.frames.size(), 3u);
  EXPECT_EQ(c.frames[2].data, k);
  EXPECT_TRUE(c.frames[2].discont);
  EXPECT_EQ(c.frames[2].index, 0u);
  EXPECT_EQ(a.stats().frames, 3u);  // stats survive a reset
  EXPECT_EQ(a.stats().lost, 0u);
}

TEST(Assembler, FarBehindJumpResyncs) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  cam.seq = 5000;
  push_all(a, c, cam.frame(0, key_frame(2500)));
  push_all(a, c, cam.frame(33, delta_frame(1500)));
  cam.seq = 100;  // restarted without a reset()
  push_all(a, c, cam.frame(66, delta_frame(1500, 4)));
  Bytes k = key_frame(1500, 9);
  push_all(a, c, cam.frame(99, k));
  ASSERT_EQ(c.frames.size(), 3u);
  EXPECT_EQ(c.frames[2].data, k);
  EXPECT_TRUE(c.frames[2].discont);
  EXPECT_EQ(a.stats().duplicates, 0u);
  EXPECT_EQ(a.stats().reordered, 0u);
}

TEST(Assembler, CameraTimePassedThroughEvenBackwards) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  const uint32_t times[] = {5000, 5033, 10, 0xFFFFFFF0u, 7};
  for (size_t i = 0; i < 5; i++)
    push_all(a, c, cam.frame(times[i], i == 0 ? key_frame(1500) : delta_frame(1500, uint32_t(i))));
  ASSERT_EQ(c.frames.size(), 5u);
  for (size_t i = 0; i < 5; i++) EXPECT_EQ(c.frames[i].ms, times[i]);
}

TEST(Assembler, FrameMemorySizedFromRecentFrames) {
  PreviewAssembler a;
  Collector c;
  Camera cam;
  push_all(a, c, cam.frame(0, key_frame(200)));
  push_all(a, c, cam.frame(1, delta_frame(300000)));  // grows by g_realloc
  push_all(a, c, cam.frame(2, delta_frame(100)));
  ASSERT_EQ(c.frames.size(), 3u);
  EXPECT_GE(c.frames[0].capacity, 64u * 1024);
  EXPECT_GE(c.frames[2].capacity, 2u * 300005);  // estimate from the largest recent frame
  EXPECT_EQ(c.frames[1].data, delta_frame(300000));
}

TEST(Assembler, NullCallbackFreesFrames) {
  PreviewAssembler a;
  Camera cam;
  for (const Bytes &d : cam.frame(0, key_frame(1500))) a.push(d, nullptr);
  EXPECT_EQ(a.stats().frames, 1u);  // and ASan sees no leak
}

// ---------------------------------------------------------------- properties

namespace {

struct Checker {
  const AssemblerConfig &cfg;
  const std::map<uint32_t, std::pair<size_t, Bytes>> &originals;  // ms -> (index, bytes)

  // What must hold for any sequence of whole camera datagrams with loss,
  // duplicates and reorder: intact frames are byte-exact; after any skip
  // the next frame is discont (and in drop mode a keyframe).
  void check(const Collector &c, const AssemblerStats &st) const {
    ASSERT_EQ(c.frames.size(), st.frames);
    uint64_t keys = 0, disconts = 0;
    long prev = -1;
    for (size_t i = 0; i < c.frames.size(); i++) {
      const Seen &f = c.frames[i];
      keys += f.keyframe;
      disconts += f.discont;
      EXPECT_EQ(f.index, i);
      ASSERT_FALSE(f.data.empty());
      EXPECT_LE(f.data.size(), cfg.max_frame_size);
      if (f.corrupted) {
        EXPECT_EQ(cfg.loss_policy, LossPolicy::kPassCorrupted);
        EXPECT_TRUE(f.discont);
        prev = -2;  // whatever follows needs no discont, but is not "next"
        continue;
      }
      auto it = originals.find(f.ms);
      ASSERT_NE(it, originals.end()) << f.ms;
      EXPECT_EQ(f.data, it->second.second) << "frame " << it->second.first;
      EXPECT_EQ(f.keyframe, it->second.first % 10 == 0);
      long idx = long(it->second.first);
      if (i == 0) { EXPECT_TRUE(f.discont); }
      if (prev >= 0 && idx != prev + 1) {
        EXPECT_TRUE(f.discont) << "frame " << idx << " after " << prev;
        if (cfg.loss_policy == LossPolicy::kDropUntilKeyframe) { EXPECT_TRUE(f.keyframe); }
      }
      prev = idx;
    }
    EXPECT_EQ(keys, st.keyframes);
    EXPECT_EQ(disconts, st.discontinuities);
  }
};

AssemblerConfig random_config(std::mt19937 &rng) {
  AssemblerConfig cfg;
  cfg.time_position = rng() % 2 ? TimePosition::kBefore : TimePosition::kAfter;
  cfg.loss_policy = rng() % 2 ? LossPolicy::kDropUntilKeyframe : LossPolicy::kPassCorrupted;
  cfg.early_end = rng() % 4 != 0;
  if (rng() % 4 == 0) cfg.max_frame_size = 2000 + rng() % 20000;
  return cfg;
}

}  // namespace

TEST(AssemblerProperty, LossDuplicatesReorderNeverCorruptIntactFrames) {
  std::mt19937 rng(20261125);
  uint64_t emitted = 0, dropped = 0, lost = 0, dups = 0, late = 0;
  for (int round = 0; round < 200; round++) {
    SCOPED_TRACE(round);
    AssemblerConfig cfg = random_config(rng);
    Camera cam;
    cam.seq = uint16_t(rng());
    cam.piece = 1 + rng() % 1400;
    std::map<uint32_t, std::pair<size_t, Bytes>> originals;
    std::vector<Bytes> stream;
    size_t nframes = 5 + rng() % 40;
    for (size_t i = 0; i < nframes; i++) {
      size_t n = rng() % 8 == 0 ? 1 + rng() % 30 : 100 + rng() % 6000;
      Bytes f = i % 10 == 0 ? key_frame(n, uint32_t(i)) : delta_frame(n, uint32_t(i));
      uint32_t ms = 1000 + uint32_t(i) * 33;
      originals[ms] = {i, f};
      for (Bytes &d : cam.frame(ms, f, cfg.time_position)) stream.push_back(std::move(d));
    }
    // Faults, each rare enough that whole frames still get through.
    unsigned p = rng() % 4 == 0 ? 0 : 1 + rng() % 30;  // per mille
    std::vector<Bytes> faulty;
    size_t malformed = 0;
    for (size_t i = 0; i < stream.size(); i++) {
      unsigned r = unsigned(rng() % 1000);
      if (r < p) continue;  // lost
      if (r < 2 * p && i + 1 < stream.size()) {
        faulty.push_back(stream[i + 1]);  // swapped with the next
        faulty.push_back(stream[i]);
        i++;
        continue;
      }
      faulty.push_back(stream[i]);
      if (r < 3 * p) faulty.push_back(stream[i]);  // duplicated
      if (r >= 3 * p && r < 4 * p) {
        faulty.push_back(Bytes(stream[i].begin(), stream[i].begin() + 5));  // cut short
        malformed++;
      }
    }
    PreviewAssembler a(cfg);
    Collector c;
    for (const Bytes &d : faulty) a.push(d, c.emit);
    a.flush(c.emit);
    EXPECT_EQ(a.stats().datagrams, faulty.size());
    EXPECT_EQ(a.stats().malformed, malformed);
    Checker{cfg, originals}.check(c, a.stats());
    emitted += a.stats().frames;
    dropped += a.stats().dropped_frames;
    lost += a.stats().lost;
    dups += a.stats().duplicates;
    late += a.stats().reordered;
    if (p == 0 && cfg.max_frame_size == AssemblerConfig{}.max_frame_size) {
      // A clean stream: every frame out, byte-exact, only the first discont.
      EXPECT_EQ(a.stats().lost, 0u);
      EXPECT_EQ(c.frames.size(), nframes);
      EXPECT_EQ(a.stats().discontinuities, 1u);
      EXPECT_EQ(a.stats().dropped_frames, 0u);
    }
  }
  EXPECT_GT(emitted, 1000u);
  EXPECT_GT(dropped, 100u);
  EXPECT_GT(lost, 100u);
  EXPECT_GT(dups, 100u);
  EXPECT_GT(late, 100u);
}

TEST(AssemblerProperty, GarbageNeverCrashesAndStaysBounded) {
  std::mt19937 rng(7);
  uint64_t emitted = 0, corrupted = 0, malformed = 0;
  for (int round = 0; round < 100; round++) {
    SCOPED_TRACE(round);
    AssemblerConfig cfg = random_config(rng);
    cfg.max_frame_size = 1 + rng() % 30000;
    cfg.data_payload_size = rng() % 3 == 0 ? rng() % 2000 : 0;
    PreviewAssembler a(cfg);
    Collector c;
    Camera cam;
    cam.seq = uint16_t(rng());
    size_t pushed = 0;
    for (int i = 0; i < 300; i++) {
      Bytes d;
      switch (rng() % 5) {
        case 0: {  // random bytes
          d.resize(rng() % 64);
          for (auto &b : d) b = uint8_t(rng());
          break;
        }
        case 1: {  // a valid header with random fields and payload
          Bytes payload(rng() % 1500);
          for (auto &b : payload) b = uint8_t(rng() % 4 == 0 ? rng() % 2 : rng());
          cam.seq = uint16_t(rng() % 3 == 0 ? rng() : cam.seq);
          d = cam.datagram(uint16_t(rng() % 7), payload);
          break;
        }
        case 2:  // a time datagram
          d = cam.time(uint32_t(rng()));
          break;
        default: {  // plausible H.264 data, sometimes mutated
          Bytes f = rng() % 3 == 0 ? key_frame(rng() % 3000, uint32_t(i)) : delta_frame(rng() % 3000);
          for (Bytes &x : cam.data(f)) {
            if (rng() % 10 == 0) x[rng() % x.size()] ^= uint8_t(1 + rng() % 255);
            a.push(x, c.emit);
            pushed++;
          }
          continue;
        }
      }
      a.push(d, c.emit);
      pushed++;
      if (rng() % 100 == 0) a.reset();
    }
    a.flush(c.emit);
    const AssemblerStats &st = a.stats();
    EXPECT_EQ(st.datagrams, pushed);
    EXPECT_EQ(c.frames.size(), st.frames);
    emitted += st.frames;
    malformed += st.malformed;
    EXPECT_LE(st.malformed + st.ignored + st.duplicates, st.datagrams);
    for (const Seen &f : c.frames) {
      ASSERT_FALSE(f.data.empty());
      EXPECT_LE(f.data.size(), cfg.max_frame_size);
      EXPECT_LE(f.capacity, std::max<size_t>(cfg.max_frame_size, 1));
      if (cfg.loss_policy == LossPolicy::kDropUntilKeyframe) { EXPECT_FALSE(f.corrupted); }
      corrupted += f.corrupted;
      if (!f.corrupted) {
        bool sc3 = f.data.size() >= 3 && f.data[0] == 0 && f.data[1] == 0 && f.data[2] == 1;
        bool sc4 = f.data.size() >= 4 && f.data[0] == 0 && f.data[1] == 0 && f.data[2] == 0 &&
                   f.data[3] == 1;
        EXPECT_TRUE(sc3 || sc4);
      }
    }
  }
  // The generator must reach every path it is meant to test.
  EXPECT_GT(emitted, 100u);
  EXPECT_GT(corrupted, 10u);
  EXPECT_GT(malformed, 100u);
}
