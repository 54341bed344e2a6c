// Test helpers for the preview path: H.264-like frames, a camera that cuts
// them into datagrams, and a frame collector. Shared by the assembler and
// receiver tests.
#pragma once

#include "ipcam/assembler.h"
#include "ipcam/wire.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <random>
#include <vector>

namespace ipcam::test {

// What a consumer saw of one frame (the frame memory itself is g_free'd).
struct Seen {
  Bytes data;
  size_t capacity = 0;
  uint32_t ms = 0;
  uint32_t index = 0;
  bool keyframe = false, discont = false, corrupted = false, early = false;
};

struct Collector {
  std::vector<Seen> frames;
  PreviewAssembler::FrameCallback emit = [this](Frame &&f) {
    EXPECT_NE(f.data(), nullptr);
    EXPECT_GE(f.capacity(), f.size());
    frames.push_back({Bytes(f.data(), f.data() + f.size()), f.capacity(), f.camera_ms, f.frame_index,
                      f.keyframe, f.discont, f.corrupted, f.early});
  };
};

// A NAL unit: start code, header byte, `n` bytes that never form a start code
// (no zero bytes), but do contain 0x01 so the start-code search is exercised.
inline Bytes nal(uint8_t header, size_t n, uint32_t seed, bool long_start = true) {
  Bytes b = long_start ? Bytes{0, 0, 0, 1} : Bytes{0, 0, 1};
  b.push_back(header);
  std::mt19937 rng(seed);
  for (size_t i = 0; i < n; i++) b.push_back(uint8_t(1 + rng() % 255));
  return b;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes &p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// SPS, PPS, IDR slice: what the camera sends before each keyframe.
inline Bytes key_frame(size_t n, uint32_t seed = 1) {
  return cat({nal(0x67, 12, seed), nal(0x68, 4, seed + 1), nal(0x65, n, seed + 2, false)});
}
inline Bytes delta_frame(size_t n, uint32_t seed = 7) { return nal(0x41, n, seed); }

// Writes datagrams as the camera does: consecutive sequence numbers, data
// split into `piece`-byte payloads.
struct Camera {
  uint16_t seq = 0;
  size_t piece = 1000;

  Bytes datagram(uint16_t type, ByteView payload) {
    Bytes b(kPreviewHeaderSize + payload.size());
    EXPECT_EQ(encode_datagram(seq++, type, payload, b.data(), b.size()), b.size());
    return b;
  }
  Bytes time(uint32_t ms) {
    uint8_t p[kTimePayloadSize];
    encode_time_payload(ms, p);
    return datagram(datagram::kTime, ByteView(p, sizeof p));
  }
  std::vector<Bytes> data(const Bytes &frame) {
    std::vector<Bytes> out;
    for (size_t off = 0; off < frame.size(); off += piece) {
      size_t n = std::min(piece, frame.size() - off);
      out.push_back(datagram(datagram::kData, ByteView(frame.data() + off, n)));
    }
    return out;
  }
  std::vector<Bytes> frame(uint32_t ms, const Bytes &bytes, TimePosition pos = TimePosition::kBefore) {
    std::vector<Bytes> out;
    if (pos == TimePosition::kBefore) out.push_back(time(ms));
    for (Bytes &d : data(bytes)) out.push_back(std::move(d));
    if (pos == TimePosition::kAfter) out.push_back(time(ms));
    return out;
  }
};

}  // namespace ipcam::test
