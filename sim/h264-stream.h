// H.264 Annex-B helpers for the emulator: split a byte stream into access
// units (frames) and tag a frame with an SEI NAL naming its number and time.
#pragma once

#include "ipcam/h264.h"
#include "ipcam/wire.h"

#include <cstdint>
#include <vector>

namespace ipcam::sim {

struct AccessUnit {
  Bytes data;             // Annex-B, start codes included
  bool keyframe = false;  // holds an IDR slice
  bool has_sps = false;   // holds SPS and PPS (a clean entry point)
  int64_t capture_ms = -1;  // when the picture was taken, on the source's clock (-1: unknown)
};

// One NAL unit inside a stream: [start, end) includes its start code
// (libipcam's scanner finds them).
using NalUnit = ipcam::h264::NalUnit;
std::vector<NalUnit> find_nal_units(ByteView stream);

// Splits at access unit delimiters, or where a new frame starts (parameter
// sets / SEI after a slice, or a slice with first_mb_in_slice == 0).
std::vector<AccessUnit> split_access_units(ByteView stream);

// The SEI tag (--tag-frames): user_data_unregistered (payload type 5) with
// this 16-byte UUID (ASCII "IPCAMSIM-FRAME-1"), then u32 BE frame number and
// u32 BE camera milliseconds. Emulation prevention bytes are applied.
inline constexpr uint8_t kTagUuid[16] = {'I', 'P', 'C', 'A', 'M', 'S', 'I', 'M',
                                         '-', 'F', 'R', 'A', 'M', 'E', '-', '1'};
// Returns the access unit with the tag NAL inserted right before its first
// slice (after any AUD, SPS, PPS and SEI, so their order stays valid).
Bytes tag_access_unit(ByteView au, uint32_t frame, uint32_t camera_ms);
// The tag NAL alone (start code included).
Bytes make_tag_nal(uint32_t frame, uint32_t camera_ms);

}  // namespace ipcam::sim
