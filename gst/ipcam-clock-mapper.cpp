#include "ipcam-clock-mapper.h"

#include <algorithm>

namespace ipcam::src {

namespace {
constexpr int64_t kMs = 1000000;
// Camera time starts well above zero, so 64-bit extension starts here to
// keep backwards steps representable.
constexpr uint64_t kExtensionBase = uint64_t(1) << 32;
}  // namespace

// last_pts_ns_ stays: a new session must not start before the old one ended
// (every consumer downstream, RTSP, WebRTC, publishing, recording, needs
// timestamps that only grow across a reconnect).
void CameraClockMapper::reset() {
  anchored_ = false;
  correction_ns_ = 0;
  window_has_sample_ = false;
}

void CameraClockMapper::anchor(uint64_t camera_ms, uint64_t arrival_ns) {
  anchor_camera_ms_ = camera_ms;
  // Never step backwards across a re-anchor or a new session: PTS must
  // keep increasing.
  anchor_arrival_ns_ = mapped_any_ ? std::max(arrival_ns, last_pts_ns_ + 1) : arrival_ns;
  correction_ns_ = 0;
  window_start_ms_ = camera_ms;
  window_has_sample_ = false;
  anchored_ = true;
}

MappedTime CameraClockMapper::map(uint32_t camera_ms, uint64_t arrival_ns) {
  MappedTime out;
  if (!anchored_) {
    last_raw_ = camera_ms;
    extended_ms_ = kExtensionBase + camera_ms;
    anchor(extended_ms_, arrival_ns);
    out.discont = true;
  } else {
    // The signed difference of the 32-bit values extends across the wrap
    // and lets small steps backwards through.
    extended_ms_ = uint64_t(int64_t(extended_ms_) + int32_t(camera_ms - last_raw_));
    last_raw_ = camera_ms;
  }
  out.camera_ms = extended_ms_ - kExtensionBase;

  int64_t expected = int64_t(anchor_arrival_ns_) +
                     (int64_t(extended_ms_) - int64_t(anchor_camera_ms_)) * kMs + correction_ns_;
  int64_t offset = int64_t(arrival_ns) - expected;
  if (!out.discont && (offset > config_.jump_threshold_ns || offset < -config_.jump_threshold_ns)) {
    anchor(extended_ms_, arrival_ns);
    reanchors_++;
    out.discont = true;
    expected = int64_t(anchor_arrival_ns_);
    offset = 0;
  }

  if (!out.discont) {
    window_min_offset_ns_ = window_has_sample_ ? std::min(window_min_offset_ns_, offset) : offset;
    window_has_sample_ = true;
    if (int64_t(extended_ms_ - window_start_ms_) * kMs >= config_.window_ns) {
      int64_t drift = window_min_offset_ns_;
      if (drift > config_.deadband_ns || drift < -config_.deadband_ns)
        correction_ns_ += std::clamp(drift, -config_.max_slew_ns, config_.max_slew_ns);
      window_start_ms_ = extended_ms_;
      window_has_sample_ = false;
    }
  }

  uint64_t pts = expected < 0 ? 0 : uint64_t(expected);
  // Equal camera times (or a step back) must still give increasing PTS.
  if (mapped_any_ && pts <= last_pts_ns_) pts = last_pts_ns_ + 1;
  last_pts_ns_ = pts;
  mapped_any_ = true;
  out.pts_ns = pts;
  return out;
}

}  // namespace ipcam::src
