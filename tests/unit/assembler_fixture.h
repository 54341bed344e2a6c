// What PreviewAssembler's tests share (on top of preview_stream.h, which the
// receiver's tests use too): feeding a camera's datagrams, the configs most
// tests vary, the fixtures built on them, and the check that a stream
// restarts cleanly after damage.
#pragma once

#include "preview_stream.h"

#include <gtest/gtest.h>

#include <vector>

namespace ipcam::test {

inline void push_all(PreviewAssembler &a, Collector &c, const std::vector<Bytes> &dgrams) {
  for (const Bytes &d : dgrams) a.push(d, c.emit);
}

// Most rules are about what follows once a datagram is declared lost: with
// the reorder window off, a gap is a loss at once. The window's own tests
// (test_assembler_reorder.cpp) turn it on.
inline AssemblerConfig no_window() {
  AssemblerConfig cfg;
  cfg.reorder_datagrams = 0;
  return cfg;
}

inline AssemblerConfig no_early() {
  AssemblerConfig cfg = no_window();
  cfg.early_end = false;
  return cfg;
}

inline AssemblerConfig pass_corrupted() {
  AssemblerConfig cfg = no_window();
  cfg.loss_policy = LossPolicy::kPassCorrupted;
  return cfg;
}

// The setup most assembler tests share: an assembler, a collector for what
// it emits, and the camera that writes the datagrams. Assembler uses the
// default config; AssemblerNoEarly and AssemblerPassCorrupted the two most
// tests vary, all with the reorder window off.
class Assembler : public ::testing::Test {
 protected:
  explicit Assembler(AssemblerConfig config = no_window()) : a(config) {}
  // One frame as the camera sends it at `ms`.
  void send(uint32_t ms, const Bytes &frame) { push_all(a, c, cam.frame(ms, frame)); }
  void push(const std::vector<Bytes> &datagrams) { push_all(a, c, datagrams); }

  PreviewAssembler a;
  Collector c;
  Camera cam;
};

class AssemblerNoEarly : public Assembler {
 protected:
  AssemblerNoEarly() : Assembler(no_early()) {}
};

class AssemblerPassCorrupted : public Assembler {
 protected:
  AssemblerPassCorrupted() : Assembler(pass_corrupted()) {}
};

class AssemblerJunk : public Assembler {};

// After damage the stream must start again at the next keyframe, marked
// discont: sends keyframe `k` at camera time `ms` and checks that it came out
// whole as frame number `count`.
inline void expect_restart_at_keyframe(PreviewAssembler &a, Collector &c, Camera &cam, uint32_t ms,
                                       const Bytes &k, size_t count) {
  push_all(a, c, cam.frame(ms, k));
  ASSERT_EQ(c.frames.size(), count);
  EXPECT_EQ(c.frames.back().data, k);
  EXPECT_TRUE(c.frames.back().discont);
}

}  // namespace ipcam::test
