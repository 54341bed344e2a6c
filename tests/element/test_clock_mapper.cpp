// CameraClockMapper and the SPS reader: deterministic inputs, exact answers.
#include "ipcam-clock-mapper.h"
#include "ipcam-h264-info.h"

#include <gtest/gtest.h>

#include <vector>

using ipcam::src::CameraClockMapper;
using ipcam::src::MappedTime;

namespace {
constexpr uint64_t kMs = 1000000;
}

TEST(ClockMapper, FirstFrameAnchorsAtArrival) {
  CameraClockMapper m;
  MappedTime t = m.map(123456, 5 * kMs);
  EXPECT_TRUE(t.discont);
  EXPECT_EQ(t.pts_ns, 5 * kMs);
  EXPECT_EQ(t.camera_ms, 123456u);
}

TEST(ClockMapper, SpacingFollowsCameraClockNotArrivalJitter) {
  CameraClockMapper m;
  m.map(1000, 100 * kMs);
  // Arrivals jitter by up to 20 ms; PTS spacing stays the camera's 33 ms.
  const uint64_t jitter[] = {20, 3, 17, 0, 9, 12, 1};
  for (int i = 1; i <= 7; i++) {
    MappedTime t = m.map(1000 + 33 * i, 100 * kMs + 33 * kMs * i + jitter[i - 1] * kMs);
    EXPECT_FALSE(t.discont);
    EXPECT_EQ(t.pts_ns, 100 * kMs + 33 * kMs * uint64_t(i));
  }
}

TEST(ClockMapper, WrapOfThe32BitClockIsExtended) {
  CameraClockMapper m;
  uint32_t ms = 0xFFFFFFFFu - 40;
  MappedTime a = m.map(ms, 0);
  MappedTime b = m.map(ms + 33, 33 * kMs);  // wraps past zero
  MappedTime c = m.map(ms + 66, 66 * kMs);
  EXPECT_FALSE(b.discont);
  EXPECT_EQ(b.pts_ns - a.pts_ns, 33 * kMs);
  EXPECT_EQ(c.pts_ns - a.pts_ns, 66 * kMs);
  EXPECT_EQ(c.camera_ms - a.camera_ms, 66u);
  EXPECT_GT(c.camera_ms, 0xFFFFFFFFull);
}

TEST(ClockMapper, JumpReanchorsWithDiscontAndKeepsIncreasing) {
  CameraClockMapper m;
  m.map(5000, 10 * kMs);
  MappedTime b = m.map(5033, 43 * kMs);
  // The camera clock jumps back 60 s (restart) while time goes on.
  MappedTime c = m.map(100, 76 * kMs);
  EXPECT_TRUE(c.discont);
  EXPECT_GT(c.pts_ns, b.pts_ns);
  EXPECT_EQ(c.pts_ns, 76 * kMs);
  MappedTime d = m.map(133, 109 * kMs);
  EXPECT_FALSE(d.discont);
  EXPECT_EQ(d.pts_ns, 109 * kMs);
  EXPECT_EQ(m.reanchors(), 1u);
}

TEST(ClockMapper, ForwardJumpReanchors) {
  CameraClockMapper m;
  m.map(5000, 0);
  MappedTime t = m.map(5000 + 10000, 33 * kMs);  // camera says +10 s, arrival +33 ms
  EXPECT_TRUE(t.discont);
  EXPECT_EQ(t.pts_ns, 33 * kMs);
}

TEST(ClockMapper, DriftIsSlewedGentlyTowardsArrival) {
  CameraClockMapper m;
  // Camera clock runs 0.1% slow: 1000 camera ms take 1001 ms of pipeline time.
  uint64_t last = 0;
  int64_t last_delta_error = 0;
  MappedTime t{};
  for (uint32_t i = 0; i <= 30 * 60; i++) {  // one minute at 30 fps
    uint64_t cam = 33u * i;
    uint64_t arrival = cam * kMs * 1001 / 1000;
    t = m.map(uint32_t(cam), arrival);
    if (i > 0) {
      ASSERT_FALSE(t.discont) << i;
      ASSERT_GT(t.pts_ns, last);
      // No single step deviates from the camera spacing by more than the slew cap.
      int64_t delta = int64_t(t.pts_ns - last) - 33 * int64_t(kMs);
      ASSERT_LE(std::abs(delta), 500000) << i;
      last_delta_error = delta;
    }
    last = t.pts_ns;
  }
  (void)last_delta_error;
  // After a minute (~59 ms of drift) the mapping has followed most of it
  // (0.5 ms per second cap: about 29 ms) in the right direction.
  EXPECT_GT(m.correction_ns(), 20 * int64_t(kMs));
  EXPECT_LT(m.correction_ns(), 60 * int64_t(kMs));
}

TEST(ClockMapper, NoDriftNoCorrection) {
  CameraClockMapper m;
  for (uint32_t i = 0; i < 300; i++) m.map(7 + 33 * i, (33 * i) * kMs + (i % 3) * 100000);
  EXPECT_EQ(m.correction_ns(), 0);
}

TEST(ClockMapper, EqualCameraTimesStillIncrease) {
  CameraClockMapper m;
  MappedTime a = m.map(100, 0);
  MappedTime b = m.map(100, kMs);
  EXPECT_GT(b.pts_ns, a.pts_ns);
}

TEST(ClockMapper, ResetAnchorsAgain) {
  CameraClockMapper m;
  m.map(100, 0);
  m.map(133, 33 * kMs);
  m.reset();
  MappedTime t = m.map(9000, 500 * kMs);
  EXPECT_TRUE(t.discont);
  EXPECT_EQ(t.pts_ns, 500 * kMs);
}

// A reconnect must not take timestamps back, even when the frames before
// it were stamped ahead of their arrival (an anchor frame that came late,
// or a camera clock running fast) and the new session's first frame
// arrives before the last PTS.
TEST(ClockMapper, ResetNeverStepsBack) {
  CameraClockMapper m;
  m.map(100, 900 * kMs);  // a late anchor: the frames after it are stamped ahead
  MappedTime last = m.map(100 + 30000, 30000 * kMs);
  EXPECT_EQ(last.pts_ns, 30900 * kMs);
  m.reset();
  MappedTime t = m.map(5, 30500 * kMs);  // a new session, camera clock restarted
  EXPECT_TRUE(t.discont);
  EXPECT_GT(t.pts_ns, last.pts_ns);
  MappedTime u = m.map(38, 30533 * kMs);
  EXPECT_GT(u.pts_ns, t.pts_ns);
  EXPECT_EQ(u.pts_ns - t.pts_ns, 33 * kMs);  // spacing is the camera's again
}

// A 640x360 Constrained Baseline SPS as x264 writes it, 30 fps VUI timing.
TEST(H264Info, ReadsSizeAndFrameRate) {
  const uint8_t au[] = {0x00, 0x00, 0x00, 0x01, 0x09, 0x10, 0x00, 0x00, 0x00, 0x01, 0x67, 0x42, 0xc0, 0x1e,
                        0xd9, 0x00, 0xa0, 0x2f, 0xf9, 0x70, 0x16, 0xa0, 0xc0, 0xc0, 0xd4, 0xa0, 0x00, 0x00,
                        0x03, 0x00, 0x20, 0x00, 0x00, 0x07, 0x91, 0xe2, 0xc5, 0xc9, 0x00, 0x00, 0x00, 0x01,
                        0x68, 0xcb, 0x8c, 0xb2};
  auto info = ipcam::src::h264_stream_info(au, sizeof au);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->width, 640);
  EXPECT_EQ(info->height, 360);
  EXPECT_EQ(info->profile_idc, 66);
  EXPECT_EQ(info->fps_n, 30);
  EXPECT_EQ(info->fps_d, 1);
}

// The search ends at the first slice: an SPS-like NAL inside or after a
// picture's slice data is not read (cameras put the SPS before the slices).
TEST(H264Info, StopsAtTheFirstSlice) {
  const uint8_t au[] = {0x00, 0x00, 0x01, 0x41, 0x9a, 0x00, 0x00, 0x01, 0x67, 0x42, 0xc0, 0x1e,
                        0xd9, 0x00, 0xa0, 0x2f, 0xf9, 0x70, 0x16, 0xa0, 0xc0, 0xc0, 0xd4, 0xa0};
  EXPECT_FALSE(ipcam::src::h264_stream_info(au, sizeof au).has_value());
  // The same SPS first is read, with the split start code of 3 bytes.
  auto info = ipcam::src::h264_stream_info(au + 5, sizeof au - 5);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->profile_idc, 66);
}

TEST(H264Info, GarbageGivesNothing) {
  const uint8_t none[] = {0, 0, 1, 0x65, 1, 2, 3};
  EXPECT_FALSE(ipcam::src::h264_stream_info(none, sizeof none).has_value());
  const uint8_t cut[] = {0, 0, 1, 0x67, 0x42};
  EXPECT_FALSE(ipcam::src::h264_stream_info(cut, sizeof cut).has_value());
  EXPECT_FALSE(ipcam::src::h264_stream_info(nullptr, 0).has_value());
  EXPECT_TRUE(ipcam::src::h264_starts_with_start_code(none, sizeof none));
  EXPECT_FALSE(ipcam::src::h264_starts_with_start_code(none + 1, sizeof none - 1));
}
