// PreviewAssembler's reorder window: datagrams that Wi-Fi delays or
// reorders are put back in sequence order and cost nothing; a missing one
// is declared lost only when the window (a count of datagrams, or a time)
// passes it.
#include "assembler_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

using namespace ipcam;
using namespace ipcam::test;

namespace {

AssemblerConfig window(unsigned datagrams, uint32_t ms) {
  AssemblerConfig cfg;
  cfg.reorder_datagrams = datagrams;
  cfg.reorder_ms = ms;
  return cfg;
}

class Reorder : public Assembler {
 protected:
  Reorder() : Assembler(window(64, 40)) {}
  // Datagrams with arrival times, `step_us` apart from `t`.
  void push_at(const std::vector<Bytes> &d, uint64_t &t, uint64_t step_us = 1000) {
    for (const Bytes &b : d) a.push(b, t += step_us, c.emit);
  }
};

}  // namespace

TEST_F(Reorder, DefaultsAreTheDocumentedOnes) {
  EXPECT_EQ(AssemblerConfig{}.reorder_datagrams, 64u);
  EXPECT_EQ(AssemblerConfig{}.reorder_ms, 40u);
}

TEST_F(Reorder, SwappedPiecesArePutBackAndTheFrameIsWhole) {
  uint64_t t = 0;
  Bytes k = key_frame(2500), f = delta_frame(3500);
  push_at(cam.frame(0, k), t);
  auto d = cam.frame(33, f);
  std::swap(d[2], d[3]);
  push_at(d, t);
  ASSERT_EQ(c.frames.size(), 2u);  // early end: complete and in order, at once
  EXPECT_EQ(c.frames[1].data, f);
  EXPECT_FALSE(c.frames[1].discont);
  EXPECT_FALSE(c.frames[1].corrupted);
  EXPECT_EQ(a.stats().reordered, 1u);
  EXPECT_EQ(a.stats().lost, 0u);
  EXPECT_EQ(a.stats().late, 0u);
  EXPECT_EQ(a.stats().dropped_frames, 0u);
  EXPECT_EQ(a.deadline_us(), UINT64_MAX);  // nothing held
}

TEST_F(Reorder, AFrameComesOutWhenItsMissingPieceArrives) {
  uint64_t t = 0;
  Bytes k = key_frame(2500);
  auto d = cam.frame(0, k);  // time, 3 pieces (the last short)
  const Bytes second = d[2];
  d.erase(d.begin() + 2);
  push_at(d, t);
  EXPECT_TRUE(c.frames.empty());  // the short last piece is held, not an end
  EXPECT_EQ(a.deadline_us(), 3000u + 40000u);  // the oldest held arrived at 3 ms
  a.push(second, t += 1000, c.emit);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0].data, k);
  EXPECT_TRUE(c.frames[0].early);
}

TEST_F(Reorder, AGapIsLostWhenTheWindowTimePassesIt) {
  uint64_t t = 0;
  push_at(cam.frame(0, key_frame(2500)), t);
  auto d = cam.frame(33, delta_frame(2500));
  d.erase(d.begin() + 1);
  push_at(d, t);  // held behind the gap
  EXPECT_EQ(a.stats().lost, 0u);
  a.expire(t + 10000, c.emit);
  EXPECT_EQ(a.stats().lost, 0u);  // 10 ms: still waiting
  ASSERT_NE(a.deadline_us(), UINT64_MAX);
  a.expire(a.deadline_us(), c.emit);
  EXPECT_EQ(a.stats().lost, 1u);
  EXPECT_EQ(a.deadline_us(), UINT64_MAX);
  // The damaged delta is dropped; the stream resumes at the next keyframe.
  expect_restart_at_keyframe(a, c, cam, 66, key_frame(2000, 40), 2);
}

TEST_F(Reorder, ArrivalsAgeTheWindowToo) {
  uint64_t t = 0;
  push_at(cam.frame(0, key_frame(2500)), t);
  cam.seq++;  // one datagram lost
  push_at(cam.frame(33, delta_frame(2500)), t);
  EXPECT_EQ(a.stats().lost, 0u);
  push_at(cam.frame(66, key_frame(2000, 40)), t, 20000);  // 20 ms apart
  EXPECT_EQ(a.stats().lost, 1u);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_TRUE(c.frames[1].keyframe);
  EXPECT_TRUE(c.frames[1].discont);
}

TEST(AssemblerReorder, AGapIsLostWhenTheCountPassesIt) {
  PreviewAssembler a(window(8, 40));
  Collector c;
  Camera cam;
  cam.piece = 100;
  push_all(a, c, cam.frame(0, key_frame(2500)));
  cam.seq++;  // lost; no time is given, so only the count can pass it
  auto d = cam.frame(33, delta_frame(1000));  // 11 datagrams
  for (size_t i = 0; i < d.size(); i++) {
    a.push(d[i], c.emit);
    EXPECT_EQ(a.stats().lost, i < 7 ? 0u : 1u) << i;
  }
}

TEST_F(Reorder, LateAfterTheWindowIsDroppedAndStaysLost) {
  uint64_t t = 0;
  push_at(cam.frame(0, key_frame(2500)), t);
  auto d = cam.frame(33, delta_frame(2500));
  const Bytes missing = d[1];
  d.erase(d.begin() + 1);
  push_at(d, t);
  a.expire(t + 100000, c.emit);
  a.push(missing, t + 101000, c.emit);
  EXPECT_EQ(a.stats().lost, 1u);
  EXPECT_EQ(a.stats().late, 1u);
  EXPECT_EQ(a.stats().reordered, 1u);
  a.push(missing, t + 102000, c.emit);
  EXPECT_EQ(a.stats().duplicates, 1u);
}

TEST_F(Reorder, DuplicateOfAHeldDatagramIsADuplicate) {
  uint64_t t = 0;
  auto d = cam.frame(0, key_frame(2500));
  std::vector<Bytes> order = {d[0], d[2], d[2], d[1], d[3]};
  push_at(order, t);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0].data, key_frame(2500));
  EXPECT_EQ(a.stats().duplicates, 1u);
  EXPECT_EQ(a.stats().lost, 0u);
}

TEST_F(Reorder, ReorderAcrossTheSequenceWrap) {
  cam.seq = 65530;
  uint64_t t = 0;
  std::vector<Bytes> frames = {key_frame(4000, 1), delta_frame(5000, 2), delta_frame(3000, 3)};
  std::vector<Bytes> all;
  for (size_t i = 0; i < frames.size(); i++)
    for (Bytes &b : cam.frame(uint32_t(i * 33), frames[i])) all.push_back(std::move(b));
  for (size_t i = 1; i + 1 < all.size(); i += 3) std::swap(all[i], all[i + 1]);
  push_at(all, t);
  a.flush(c.emit);
  ASSERT_EQ(c.frames.size(), 3u);
  for (size_t i = 0; i < 3; i++) EXPECT_EQ(c.frames[i].data, frames[i]);
  EXPECT_EQ(a.stats().lost, 0u);
  EXPECT_GT(a.stats().reordered, 3u);
}

TEST_F(Reorder, FlushAssemblesWhatIsHeld) {
  uint64_t t = 0;
  Bytes k = key_frame(2500);
  auto d = cam.frame(0, k);
  std::swap(d[2], d[3]);
  d.pop_back();  // the middle piece never comes: held behind it, the short last one
  push_at(d, t);
  EXPECT_TRUE(c.frames.empty());
  a.flush(c.emit);
  EXPECT_EQ(a.stats().lost, 1u);
  EXPECT_TRUE(c.frames.empty());  // damaged, dropped
  EXPECT_EQ(a.stats().dropped_frames, 1u);
}

TEST_F(Reorder, ResetForgetsWhatIsHeld) {
  uint64_t t = 0;
  auto d = cam.frame(0, key_frame(2500));
  d.erase(d.begin() + 1);
  push_at(d, t);
  a.reset();
  EXPECT_EQ(a.deadline_us(), UINT64_MAX);
  cam.seq = 9000;
  Bytes k = key_frame(1800, 5);
  push_at(cam.frame(33, k), t);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_EQ(c.frames[0].data, k);
}

// Jitter: each datagram delayed by a random 10..30 ms at 1 ms spacing, so
// up to 20 datagrams arrive out of order; every frame must come out whole,
// in order, with nothing counted lost.
TEST(AssemblerReorder, JitterLosesNothing) {
  std::mt19937 rng(23);
  for (TimePosition pos : {TimePosition::kBefore, TimePosition::kAfter}) {
    AssemblerConfig cfg = window(64, 40);
    cfg.time_position = pos;
    PreviewAssembler a(cfg);
    Collector c;
    Camera cam;
    cam.seq = 65000;
    std::vector<Bytes> frames;
    std::vector<std::pair<uint64_t, Bytes>> sent;
    uint64_t t = 0;
    for (uint32_t i = 0; i < 90; i++) {
      frames.push_back(i % 30 == 0 ? key_frame(6000, i) : delta_frame(1000 + rng() % 3000, i));
      // The session starts at the first datagram that arrives: the first
      // frame comes in order, so the test is about the window, not the start.
      for (Bytes &b : cam.frame(i * 33, frames.back(), pos))
        sent.push_back({(t += 1000) + (i == 0 ? 0 : 10000 + rng() % 20001), b});
    }
    std::stable_sort(sent.begin(), sent.end(), [](auto &x, auto &y) { return x.first < y.first; });
    for (auto &[at, b] : sent) a.push(b, at, c.emit);
    a.flush(c.emit);
    ASSERT_EQ(c.frames.size(), frames.size());
    for (size_t i = 0; i < frames.size(); i++) EXPECT_EQ(c.frames[i].data, frames[i]) << i;
    EXPECT_EQ(a.stats().lost, 0u);
    EXPECT_EQ(a.stats().discontinuities, 1u);
    EXPECT_GT(a.stats().reordered, 100u);
  }
}

// When the count bound gives up a gap, what was held right behind it is
// assembled at once (found by the fuzzer: it stayed held behind `next`, and
// the window could never empty).
TEST(AssemblerReorder, CountBoundAssemblesWhatWasHeldBehindTheGap) {
  PreviewAssembler a(window(8, 40));
  Collector c;
  Camera cam;
  cam.piece = 100;
  auto d = cam.frame(0, key_frame(1500));  // time + 16 pieces
  a.push(d[0], c.emit);
  for (size_t i = 2; i < 4; i++) a.push(d[i], c.emit);  // d[1] lost: 2 and 3 held
  a.push(d[10], c.emit);  // 9 past the gap: it is given up, 2 and 3 assembled
  EXPECT_EQ(a.stats().lost, 1u);
  a.push(d[3], c.emit);  // a second copy: nothing held behind `next` any more
  EXPECT_EQ(a.stats().duplicates, 1u);
  a.expire(1000000, c.emit);
  EXPECT_EQ(a.deadline_us(), UINT64_MAX);
}
