// CameraClockMapper: the camera's 32-bit millisecond clock onto pipeline
// running time. Pure (times are passed in), so it is unit-tested with
// deterministic inputs.
//
// The first frame anchors camera time to its arrival time. Later frames are
// placed by camera time alone, so PTS spacing is the camera's. Arrival times
// only steer: a frame that arrives more than `jump_threshold` away from
// where the camera clock puts it re-anchors (camera restarted, clock jumped,
// long stall) and is flagged discont; otherwise the smallest arrival offset
// seen over a window (jitter only ever delays a datagram, so the minimum is
// the drift) is slewed out gently, like ndisrc's skew estimation.
#pragma once

#include <cstdint>

namespace ipcam::src {

struct ClockMapperConfig {
  int64_t jump_threshold_ns = 1000000000;  // 1 s
  // Camera time over which the minimum arrival offset is collected.
  int64_t window_ns = 1000000000;
  // Largest correction applied per window (0.5 ms per second = 500 ppm,
  // several times a cheap crystal's drift, small enough never to reorder
  // frames 33 ms apart).
  int64_t max_slew_ns = 500000;
  // Offsets smaller than this are left alone (scheduling noise).
  int64_t deadband_ns = 200000;
};

struct MappedTime {
  uint64_t pts_ns = 0;          // running time
  uint64_t camera_ms = 0;       // camera time, wrap-extended to 64 bits
  bool discont = false;         // first frame or re-anchored
};

class CameraClockMapper {
 public:
  explicit CameraClockMapper(ClockMapperConfig config = {}) : config_(config) {}

  // One frame: its 32-bit camera time and the running time it arrived at.
  MappedTime map(uint32_t camera_ms, uint64_t arrival_ns);
  // Forget the anchor (new session): the next frame anchors again, at its
  // arrival, but never before the last PTS given out.
  void reset();

  bool anchored() const { return anchored_; }
  // Current slew correction, for tests and stats.
  int64_t correction_ns() const { return correction_ns_; }
  uint64_t reanchors() const { return reanchors_; }

 private:
  void anchor(uint64_t camera_ms, uint64_t arrival_ns);

  ClockMapperConfig config_;
  bool anchored_ = false;
  uint32_t last_raw_ = 0;
  uint64_t extended_ms_ = 0;      // 64-bit camera time of the last frame
  uint64_t anchor_camera_ms_ = 0;
  uint64_t anchor_arrival_ns_ = 0;
  int64_t correction_ns_ = 0;
  uint64_t window_start_ms_ = 0;
  int64_t window_min_offset_ns_ = 0;
  bool window_has_sample_ = false;
  uint64_t last_pts_ns_ = 0;
  bool mapped_any_ = false;  // last_pts_ns_ is a PTS given out (kept across reset())
  uint64_t reanchors_ = 0;
};

}  // namespace ipcam::src
