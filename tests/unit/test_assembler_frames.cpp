// PreviewAssembler: where a frame ends and what it carries. Time datagrams
// before or after the data, ending early on a short last piece (and when
// not to), the keyframe flag wherever the start code is split, the camera's
// time passed through, and the frame memory. See docs/preview.md.
#include "assembler_fixture.h"

#include <gtest/gtest.h>


using namespace ipcam;
using namespace ipcam::test;

TEST_F(Assembler, HandWrittenDatagramLayout) {
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

TEST_F(AssemblerNoEarly, TimeBeforeFramesEndAtNextTime) {
  Bytes f0 = key_frame(2500), f1 = delta_frame(1700), f2 = delta_frame(300, 9);
  send(100, f0);
  send(133, f1);
  ASSERT_EQ(c.frames.size(), 1u);  // f1 ends only at the next boundary
  send(166, f2);
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

TEST_F(Assembler, TimeAfterEndsFrameWithItsTime) {
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

TEST_F(Assembler, EarlyEndOnShortLastPiece) {
  Bytes f0 = key_frame(2500), f1 = delta_frame(1200);
  send(10, f0);
  ASSERT_EQ(c.frames.size(), 1u);  // no need to wait for the next time datagram
  EXPECT_TRUE(c.frames[0].early);
  EXPECT_EQ(c.frames[0].data, f0);
  send(43, f1);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_TRUE(c.frames[1].early);
  EXPECT_EQ(c.frames[1].data, f1);
  EXPECT_EQ(c.frames[1].ms, 43u);
  a.push(cam.time(76), c.emit);
  a.flush(c.emit);
  EXPECT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(a.stats().dropped_frames, 0u);
}

TEST_F(Assembler, NoEarlyEndWhenLastPieceIsFull) {
  push_all(a, c, cam.frame(10, key_frame(2500)));  // teaches the 1000-byte piece size
  Bytes f1 = delta_frame(1995);                      // 2000 bytes: two full pieces
  send(43, f1);
  ASSERT_EQ(c.frames.size(), 1u);
  a.push(cam.time(76), c.emit);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(c.frames[1].data, f1);
  EXPECT_FALSE(c.frames[1].early);
}

TEST_F(Assembler, NoEarlyEndWithoutSlice) {
  send(10, key_frame(2500));
  // SPS + PPS alone in a short piece: not a picture yet.
  Bytes f1 = cat({nal(0x67, 12, 3), nal(0x68, 4, 4)});
  send(43, f1);
  EXPECT_EQ(c.frames.size(), 1u);
  a.push(cam.time(76), c.emit);
  ASSERT_EQ(c.frames.size(), 2u);  // ended by the boundary, not early
  EXPECT_EQ(c.frames[1].data, f1);
  EXPECT_FALSE(c.frames[1].early);
}

TEST_F(AssemblerPassCorrupted, NoEarlyEndWhenSequenceNotContiguous) {
  send(10, key_frame(2500));
  auto d = cam.frame(43, delta_frame(2500));
  d.erase(d.begin() + 1);  // the first data piece is lost
  push(d);
  EXPECT_EQ(c.frames.size(), 1u);
  a.push(cam.time(76), c.emit);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_FALSE(c.frames[1].early);
  EXPECT_TRUE(c.frames[1].corrupted);
  EXPECT_TRUE(c.frames[1].discont);
  EXPECT_EQ(a.stats().lost, 1u);
}

TEST_F(Assembler, EarlyEndWithConfiguredPieceSizeAndOff) {
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

TEST_F(Assembler, ContinuationAfterEarlyEndIsDamagedAndStopsEarlyEnd) {
  Bytes f0 = key_frame(2500);
  send(10, f0);
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
  push(cam.data(delta_frame(500)));
  Bytes k = key_frame(1200, 30);
  send(109, k);
  EXPECT_EQ(c.frames.size(), 2u);
  a.push(cam.time(142), c.emit);
  ASSERT_EQ(c.frames.size(), 3u);
  EXPECT_EQ(c.frames[2].data, k);
  EXPECT_FALSE(c.frames[2].early);
  EXPECT_TRUE(c.frames[2].discont);
  EXPECT_TRUE(c.frames[2].keyframe);
}

TEST_F(Assembler, KeyframeFlagFromIdrWhereverStartCodeIsSplit) {
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

TEST_F(Assembler, CameraTimePassedThroughEvenBackwards) {
  const uint32_t times[] = {5000, 5033, 10, 0xFFFFFFF0u, 7};
  for (size_t i = 0; i < 5; i++)
    send(times[i], i == 0 ? key_frame(1500) : delta_frame(1500, uint32_t(i)));
  ASSERT_EQ(c.frames.size(), 5u);
  for (size_t i = 0; i < 5; i++) EXPECT_EQ(c.frames[i].ms, times[i]);
}

TEST_F(Assembler, FrameMemorySizedFromRecentFrames) {
  send(0, key_frame(200));
  push_all(a, c, cam.frame(1, delta_frame(300000)));  // grows by g_realloc
  send(2, delta_frame(100));
  ASSERT_EQ(c.frames.size(), 3u);
  EXPECT_GE(c.frames[0].capacity, 64u * 1024);
  EXPECT_GE(c.frames[2].capacity, 2u * 300005);  // estimate from the largest recent frame
  EXPECT_EQ(c.frames[1].data, delta_frame(300000));
}

TEST_F(Assembler, NullCallbackFreesFrames) {
  PreviewAssembler a;
  Camera cam;
  for (const Bytes &d : cam.frame(0, key_frame(1500))) a.push(d, nullptr);
  EXPECT_EQ(a.stats().frames, 1u);  // and ASan sees no leak
}

TEST_F(Assembler, FrameOwnsItsMemoryUntilReleased) {
  Camera cam;
  const Bytes k = key_frame(100);
  PreviewAssembler a(no_early());
  std::vector<Frame> kept;
  const PreviewAssembler::FrameCallback keep = [&kept](Frame &&f) { kept.push_back(std::move(f)); };
  for (const Bytes &d : cam.frame(0, k)) a.push(d, keep);
  a.push(cam.time(40), keep);
  ASSERT_EQ(kept.size(), 1u);

  Frame moved = std::move(kept[0]);
  EXPECT_EQ(kept[0].data(), nullptr);  // the source gave its memory up
  EXPECT_EQ(kept[0].size(), 0u);
  ASSERT_EQ(moved.size(), k.size());
  EXPECT_EQ(Bytes(moved.data(), moved.data() + moved.size()), k);
  EXPECT_TRUE(moved.keyframe);

  const size_t capacity = moved.capacity();
  EXPECT_GE(capacity, k.size());
  uint8_t *memory = moved.release();  // now ours: ASan reports a leak or a double free
  EXPECT_EQ(moved.data(), nullptr);
  EXPECT_EQ(moved.size(), 0u);
  EXPECT_EQ(Bytes(memory, memory + k.size()), k);
  g_free(memory);
}
