// What an archive segment on disk holds, read from its MP4 boxes alone.
//
// A segment is fragmented MP4 (ftyp, moov, then a moof+mdat pair per
// second, mfra once closed), so a file cut short by a crash or a full disk
// is still whole up to its last complete pair. The reader walks the
// top-level boxes and each moof's track runs: frames and duration come
// from what is complete, and `whole_bytes` is where a repair cuts the rest.
// It never trusts a size past the file's end, nor reads a box over 4 MiB.
#pragma once

#include <cstdint>
#include <string>

namespace ipcam::server {

struct SegmentScan {
  bool readable = false;   // an MP4 with its moov
  uint64_t frames = 0;     // samples in complete fragments
  double seconds = 0;      // their duration
  uint64_t bytes = 0;      // the file's size
  uint64_t whole_bytes = 0;  // the end of its last complete box (or pair)
  bool keyframe_first = false;  // the first sample is a sync sample
};

// Reads `path`; readable is false when it cannot be opened or has no moov.
SegmentScan scan_segment(const std::string &path);

// After a crash or a failed write: cuts `path` back to its last complete
// fragment, or removes it when none is complete (it would not play).
// Returns false with `error` set when it could not.
bool repair_segment(const std::string &path, std::string &error);

}  // namespace ipcam::server
