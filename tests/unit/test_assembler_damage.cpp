// PreviewAssembler: a damaged datagram sequence. Loss (drop until keyframe
// or pass corrupted), duplicates, reorder, sequence wrap and jumps, malformed
// and unknown datagrams, oversize frames, frames without a start code,
// joining mid-stream and reset. See docs/preview.md.
#include "assembler_fixture.h"

#include <gtest/gtest.h>

#include <utility>

using namespace ipcam;
using namespace ipcam::test;

namespace {

// Sends `frames` 33 ms apart as the camera cuts them, with one piece (the
// third datagram) of frame number `lost` lost on the way.
void send_losing_a_piece(PreviewAssembler &a, Collector &c, Camera &cam, const std::vector<Bytes> &frames,
                         size_t lost) {
  for (size_t i = 0; i < frames.size(); i++) {
    auto d = cam.frame(uint32_t(i * 33), frames[i]);
    if (i == lost) d.erase(d.begin() + 2);
    push_all(a, c, d);
  }
}

}  // namespace

TEST_F(Assembler, LossDropsUntilKeyframe) {
  std::vector<Bytes> frames = {key_frame(2500, 1), delta_frame(2500, 2), delta_frame(2500, 3),
                               delta_frame(800, 4), key_frame(2600, 5), delta_frame(900, 6)};
  send_losing_a_piece(a, c, cam, frames, 2);
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

TEST_F(Assembler, LostTimeDatagramDamagesBothFrames) {
  send(0, key_frame(2500));
  auto d = cam.frame(33, delta_frame(2500));
  d.erase(d.begin());  // the boundary itself is lost
  push(d);
  ASSERT_NO_FATAL_FAILURE(expect_restart_at_keyframe(a, c, cam, 66, key_frame(2000, 40), 2));
  EXPECT_EQ(a.stats().lost, 1u);
}

TEST_F(AssemblerPassCorrupted, PassCorruptedEmitsDamagedFramesFlagged) {
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
    push(d);
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

TEST_F(Assembler, DuplicatesDroppedAndCountedNotLoss) {
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

// With the window off, a datagram that comes after a later one is late: its
// gap was a loss at once, so its frame is damaged and it is dropped.
TEST_F(Assembler, WithoutWindowReorderIsLateAndFrameDropped) {
  send(0, key_frame(2500));
  auto d = cam.frame(33, delta_frame(3500));
  std::swap(d[2], d[3]);
  push(d);
  EXPECT_EQ(a.stats().reordered, 1u);
  EXPECT_EQ(a.stats().late, 1u);
  EXPECT_EQ(a.stats().lost, 1u);  // it cost its frame
  EXPECT_EQ(a.stats().duplicates, 0u);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(a.stats().dropped_frames, 0u);  // still open: ends at the next boundary
  a.push(cam.time(66), c.emit);
  EXPECT_EQ(a.stats().dropped_frames, 1u);
}

TEST_F(Assembler, SequenceWrapIsNotAGap) {
  cam.seq = 65530;
  std::vector<Bytes> frames = {key_frame(4000, 1), delta_frame(5000, 2), delta_frame(3000, 3)};
  for (size_t i = 0; i < frames.size(); i++) push_all(a, c, cam.frame(uint32_t(i), frames[i]));
  ASSERT_LT(cam.seq, 100);
  ASSERT_EQ(c.frames.size(), 3u);
  for (size_t i = 0; i < 3; i++) EXPECT_EQ(c.frames[i].data, frames[i]);
  EXPECT_EQ(a.stats().lost, 0u);
  EXPECT_EQ(a.stats().discontinuities, 1u);
}

TEST_F(Assembler, MalformedCountedNotDamaging) {
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
    // A lost piece shows as a gap; junk never damages the frame around it.
    ASSERT_EQ(c.frames.size(), 3u) << hex_dump(g);
    EXPECT_EQ(a.stats().dropped_frames, 0u);
    EXPECT_FALSE(c.frames[1].discont);
    EXPECT_EQ(c.frames[2].data, k);
  }
}

TEST_F(Assembler, Type5SequencedOtherTypesIgnored) {
  Bytes f0 = key_frame(2500);
  auto d = cam.frame(0, f0);
  const uint8_t five[] = {1, 2, 3, 4};
  Bytes t5 = cam.datagram(datagram::kUnknown5, five);
  Bytes t9 = cam.datagram(9, five);
  d.insert(d.begin() + 2, t5);  // between pieces, in sequence
  d.insert(d.begin() + 3, t9);
  // Renumber so type 5 takes its own sequence number; a type cameras never
  // send is not part of the stream: its number must not count.
  uint16_t seq = 100;
  for (size_t i = 0; i < d.size(); i++) store_be16(d[i].data() + 4, i == 3 ? uint16_t(7) : seq++);
  push(d);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0].data, f0);
  EXPECT_EQ(a.stats().ignored, 1u);
  EXPECT_EQ(a.stats().malformed, 1u);
  EXPECT_EQ(a.stats().lost, 0u);
  // Dropping a type-5 datagram is a gap like any other.
  PreviewAssembler b(no_window());
  Collector cb;
  d.erase(d.begin() + 2);
  push_all(b, cb, d);
  EXPECT_EQ(b.stats().lost, 1u);
  EXPECT_TRUE(cb.frames.empty());
}

TEST_F(Assembler, OversizeBounded) {
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

TEST_F(Assembler, FrameWithoutStartCodeIsDamaged) {
  send(0, key_frame(2500));
  Bytes bad = delta_frame(1500);
  bad.erase(bad.begin(), bad.begin() + 4);  // no start code in front
  send(33, bad);
  ASSERT_NO_FATAL_FAILURE(expect_restart_at_keyframe(a, c, cam, 66, key_frame(2000, 5), 2));
  EXPECT_EQ(a.stats().dropped_frames, 1u);
  EXPECT_EQ(a.stats().lost, 0u);
}

TEST_F(Assembler, JoinedMidStreamWaitsForTimeAndKeyframe) {
  cam.seq = 4000;
  push_all(a, c, cam.data(delta_frame(2500, 1)));  // tail of a frame: no time yet
  send(33, delta_frame(800, 2));
  Bytes k = key_frame(900, 3);
  send(66, k);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0].data, k);
  EXPECT_TRUE(c.frames[0].discont);
  EXPECT_EQ(c.frames[0].index, 0u);
  EXPECT_EQ(a.stats().dropped_frames, 2u);
}

TEST_F(Assembler, ResetStartsNewSession) {
  cam.seq = 30000;
  send(0, key_frame(2500));
  send(33, delta_frame(800));
  auto partial = cam.frame(66, delta_frame(3000));
  partial.resize(2);
  push(partial);
  ASSERT_EQ(c.frames.size(), 2u);
  a.reset();
  cam.seq = 0;  // the camera starts its sequence again
  Bytes k = key_frame(1500, 8);
  send(5, k);
  ASSERT_EQ(c.frames.size(), 3u);
  EXPECT_EQ(c.frames[2].data, k);
  EXPECT_TRUE(c.frames[2].discont);
  EXPECT_EQ(c.frames[2].index, 0u);
  EXPECT_EQ(a.stats().frames, 3u);  // stats survive a reset
  EXPECT_EQ(a.stats().lost, 0u);
}

TEST_F(Assembler, FarBehindJumpResyncs) {
  cam.seq = 5000;
  send(0, key_frame(2500));
  send(33, delta_frame(1500));
  cam.seq = 100;  // restarted without a reset()
  send(66, delta_frame(1500, 4));
  ASSERT_NO_FATAL_FAILURE(expect_restart_at_keyframe(a, c, cam, 99, key_frame(1500, 9), 3));
  EXPECT_EQ(a.stats().duplicates, 0u);
  EXPECT_EQ(a.stats().reordered, 0u);
}

// drop-damaged: only the damaged frame goes; the next whole frame follows at
// once, flagged discont (the decoder predicts it from an older picture).
TEST(AssemblerDropDamaged, OnlyTheDamagedFrameIsDropped) {
  AssemblerConfig cfg = no_window();
  cfg.loss_policy = LossPolicy::kDropDamaged;
  PreviewAssembler a(cfg);
  Collector c;
  Camera cam;
  std::vector<Bytes> frames = {delta_frame(900, 9), key_frame(2500, 1), delta_frame(2500, 2),
                               delta_frame(2500, 3), delta_frame(800, 4)};
  send_losing_a_piece(a, c, cam, frames, 2);
  a.flush(c.emit);
  ASSERT_EQ(c.frames.size(), 3u);  // a session starts at a keyframe: frame 0 waits
  EXPECT_EQ(c.frames[0].data, frames[1]);
  EXPECT_EQ(c.frames[1].data, frames[3]);
  EXPECT_EQ(c.frames[2].data, frames[4]);
  EXPECT_TRUE(c.frames[1].discont);
  EXPECT_FALSE(c.frames[1].keyframe);
  EXPECT_FALSE(c.frames[2].discont);
  for (const Seen &s : c.frames) EXPECT_FALSE(s.corrupted);
  EXPECT_EQ(a.stats().dropped_frames, 2u);
}
