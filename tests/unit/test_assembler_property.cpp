// PreviewAssembler properties over random streams: loss, duplicates and
// reorder never corrupt an intact frame; garbage never crashes and every
// frame stays within its bounds.
#include "assembler_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

using namespace ipcam;
using namespace ipcam::test;

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
  // Half the rounds put swapped datagrams back (no time is given: only the
  // window's count bound, or the flush at the end, declares a loss).
  if (rng() % 2) cfg.reorder_datagrams = 0;
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
