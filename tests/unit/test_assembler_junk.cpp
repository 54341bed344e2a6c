// Datagrams that are not part of the stream (a noisy network, or someone
// spraying the preview port with the camera's address) cost nothing: each
// is counted and ignored, and no frame is damaged or dropped. A sequence
// jump is a restart only when the next datagram continues it.
#include "assembler_fixture.h"

#include <gtest/gtest.h>

#include <vector>

using namespace ipcam;
using namespace ipcam::test;

namespace {

// Every kind of junk, each with a sequence number a real datagram also uses
// or one far from the stream's.
std::vector<Bytes> junk(uint16_t next_seq) {
  auto with_seq = [](Bytes b, uint16_t seq) {
    store_be16(b.data() + 4, seq);
    return b;
  };
  return {
      {},                                                      // empty
      {0xBC, 0xDE, 0x00},                                      // shorter than a header
      {0xAB, 0xCD, 0x00, 0x02, 0x00, 0x05, 0x00, 0x01, 1, 1},  // bad magic
      with_seq({0xBC, 0xDE, 0x03, 0xE8, 0, 0, 0x00, 0x01, 1, 1}, next_seq),  // length past the end
      with_seq({0xBC, 0xDE, 0x00, 0x02, 0, 0, 0x00, 0x02, 1, 1}, next_seq),  // time with 2 bytes
      with_seq({0xBC, 0xDE, 0x00, 0x02, 0, 0, 0x00, 0x09, 1, 1}, next_seq),  // unknown type
      with_seq({0xBC, 0xDE, 0x00, 0x00, 0, 0, 0x00, 0x01}, next_seq),        // empty data piece
      with_seq({0xBC, 0xDE, 0x00, 0x02, 0, 0, 0x00, 0x01, 1, 1}, uint16_t(next_seq + 30000)),  // stray
  };
}

}  // namespace

TEST_F(AssemblerJunk, JunkAfterEveryFrameCostsNoFrame) {
  std::vector<Bytes> sent;
  for (uint32_t i = 0; i < 30; i++) {
    Bytes f = i % 10 == 0 ? key_frame(2500, i) : delta_frame(2500, i);
    sent.push_back(f);
    send(i * 33, f);
    push(junk(cam.seq));
  }
  ASSERT_EQ(c.frames.size(), sent.size());
  for (size_t i = 0; i < sent.size(); i++) {
    EXPECT_EQ(c.frames[i].data, sent[i]) << "frame " << i;
    EXPECT_EQ(c.frames[i].discont, i == 0) << "frame " << i;
  }
  EXPECT_EQ(a.stats().malformed, 30u * 7);
  EXPECT_EQ(a.stats().strays, 29u);  // the last one is still on probation
  EXPECT_EQ(a.stats().lost, 0u);
  EXPECT_EQ(a.stats().dropped_frames, 0u);
}

TEST_F(AssemblerJunk, RestartKeepsTheFirstDatagramOfTheNewSequence) {
  for (uint16_t restart_at : {uint16_t(100), uint16_t(40000)}) {  // behind, then ahead
    PreviewAssembler a;
    Collector c;
    Camera cam;
    cam.seq = 5000;
    push_all(a, c, cam.frame(0, key_frame(2500)));
    push_all(a, c, cam.frame(33, delta_frame(1500)));
    cam.seq = restart_at;
    // Its time datagram comes first: dropping it would lose the keyframe.
    ASSERT_NO_FATAL_FAILURE(expect_restart_at_keyframe(a, c, cam, 66, key_frame(1500, 9), 3));
    EXPECT_EQ(a.stats().strays, 0u);
  }
}

TEST_F(AssemblerJunk, LoneFarSequenceNumberIsAStrayNotALoss) {
  Bytes k = key_frame(2500), d = delta_frame(2500);
  auto first = cam.frame(0, k);
  auto second = cam.frame(33, d);
  uint16_t real = cam.seq;
  cam.seq = uint16_t(real + 20000);
  Bytes stray = cam.datagram(datagram::kData, Bytes(10, 0x41));
  cam.seq = real;
  second.insert(second.begin() + 1, stray);
  push(first);
  push(second);
  ASSERT_EQ(c.frames.size(), 2u);  // each ends early, at its short last piece
  EXPECT_EQ(c.frames[1].data, d);
  EXPECT_FALSE(c.frames[1].discont);
  EXPECT_EQ(a.stats().strays, 1u);
  EXPECT_EQ(a.stats().lost, 0u);
}

TEST_F(AssemblerJunk, BurstLongerThanTheWindowIsCountedLost) {
  send(0, key_frame(2500));
  cam.seq = uint16_t(cam.seq + 100);  // 100 datagrams lost in a row
  ASSERT_NO_FATAL_FAILURE(expect_restart_at_keyframe(a, c, cam, 33, key_frame(1500, 9), 2));
  EXPECT_EQ(a.stats().lost, 100u);
  EXPECT_EQ(a.stats().strays, 0u);
}
