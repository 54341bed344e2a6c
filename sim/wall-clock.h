// The camera's date and time (what 0xA011 sets): it dates the files the
// camera writes, as their modification time and so their HTTP
// Last-Modified. Kept as an offset from the host's clock; until it is set
// it reads as the host's. Safe to read from any thread.
#pragma once

#include "ipcam/wire.h"

#include <glib.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace ipcam::sim {

class WallClock {
 public:
  // Sets the clock from a 0xA011 payload: 9 s32 LE in struct tm order, the
  // full year and a 1-based month, as the vendor's app sends them; read as a
  // local date and time of this host. False (clock unchanged) when the
  // payload is short or a field is out of range.
  bool set(ByteView payload);
  // Microseconds since the epoch on the camera's clock.
  int64_t now_us() const;
  // "2026-12-07T10:15:00": the local date and time the camera shows.
  std::string text() const;
  // Sets the file's modification time to now on the camera's clock.
  void date_file(const std::string &path) const;

 private:
  std::atomic<int64_t> offset_us_{0};
};

}  // namespace ipcam::sim
