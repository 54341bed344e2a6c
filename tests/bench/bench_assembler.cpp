// ipcam-bench-assembler: Google Benchmark micro-benchmark of the frame
// assembler alone, no sockets, no GStreamer. The same datagrams go through
//   - BM_CopyFloor: the least any assembler must do (one g_malloc per frame,
//     one memcpy per payload, one g_free per frame), the baseline;
//   - BM_Assembler: PreviewAssembler::push, clean stream;
//   - BM_AssemblerLoss: the same with 1 datagram in 100 missing
//     (drop-until-keyframe: damaged frames are dropped, not emitted; the
//     datagrams after each gap wait in the reorder window, 40 ms);
//   - BM_AssemblerReorder: no loss, 1 datagram in 50 swapped with the next
//     (put back in order: every frame comes out).
// tests/bench/bench.py runs it with --benchmark_format=json and prints the
// ratio of each to the floor (ns per datagram).
#include "ipcam/assembler.h"

#include <benchmark/benchmark.h>
#include <glib.h>

#include <cstring>
#include <random>
#include <vector>

using namespace ipcam;

namespace {

constexpr size_t kPiece = 1000;    // data payload per datagram, as the camera sends
constexpr int kFrames = 300;       // 10 s at 30 fps
constexpr int kGop = 30;           // keyframe every 30 frames
constexpr size_t kKeySize = 30000; // bytes of a keyframe of the 640x360 preview
constexpr size_t kDeltaSize = 9000;

struct Stream {
  std::vector<Bytes> datagrams;
  std::vector<bool> frame_end;  // this datagram is the last of its frame
  size_t payload_bytes = 0;
};

// A camera-like preview: per frame a time datagram, then the access unit
// (start code, NAL header, noise) in 1000-byte pieces.
Stream make_stream() {
  Stream s;
  std::mt19937 rng(7);
  uint16_t seq = 0;
  auto add = [&](uint16_t type, ByteView payload) {
    Bytes d(kPreviewHeaderSize + payload.size());
    encode_datagram(seq++, type, payload, d.data(), d.size());
    s.datagrams.push_back(std::move(d));
    s.frame_end.push_back(false);
  };
  for (int f = 0; f < kFrames; f++) {
    uint8_t tp[kTimePayloadSize];
    encode_time_payload(uint32_t(1000 + f * 33), tp);
    add(datagram::kTime, ByteView(tp, sizeof tp));
    const bool key = f % kGop == 0;
    Bytes au(key ? kKeySize : kDeltaSize + rng() % 2000);
    for (auto &b : au) b = uint8_t(rng() | 0x80);  // no accidental start codes
    const uint8_t head[] = {0, 0, 0, 1, uint8_t(key ? 0x65 : 0x41)};
    std::memcpy(au.data(), head, sizeof head);
    for (size_t at = 0; at < au.size(); at += kPiece) {
      add(datagram::kData, ByteView(au).subspan(at, std::min(kPiece, au.size() - at)));
      s.payload_bytes += std::min(kPiece, au.size() - at);
    }
    s.frame_end.back() = true;
  }
  return s;
}

const Stream &stream() {
  static const Stream s = make_stream();
  return s;
}

void count(benchmark::State &state, const Stream &s) {
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(s.datagrams.size()));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(s.payload_bytes));
}

void BM_CopyFloor(benchmark::State &state) {
  const Stream &s = stream();
  for (auto _ : state) {
    uint8_t *frame = nullptr;
    size_t size = 0;
    for (size_t i = 0; i < s.datagrams.size(); i++) {
      const Bytes &d = s.datagrams[i];
      if (!frame) frame = static_cast<uint8_t *>(g_malloc(64 * 1024));
      std::memcpy(frame + size, d.data() + kPreviewHeaderSize, d.size() - kPreviewHeaderSize);
      size += d.size() - kPreviewHeaderSize;
      if (s.frame_end[i]) {
        benchmark::DoNotOptimize(frame);
        g_free(frame);
        frame = nullptr;
        size = 0;
      }
    }
    g_free(frame);
  }
  count(state, s);
}

// Datagrams arrive 1 ms apart (the arrival time ages the reorder window).
// `drop_every`: every Nth is lost; `swap_every`: every Nth changes places
// with the one after it.
void run_assembler(benchmark::State &state, unsigned drop_every, unsigned swap_every = 0) {
  const Stream &s = stream();
  std::vector<const Bytes *> order;
  for (size_t i = 0; i < s.datagrams.size(); i++) {
    if (drop_every && i % drop_every == drop_every - 1) continue;
    order.push_back(&s.datagrams[i]);
  }
  for (size_t i = swap_every / 2; swap_every && i + 1 < order.size(); i += swap_every) std::swap(order[i], order[i + 1]);
  uint64_t frames = 0;
  const PreviewAssembler::FrameCallback emit = [&frames](Frame &&) { frames++; };
  for (auto _ : state) {
    PreviewAssembler a;
    uint64_t now_us = 0;
    for (const Bytes *d : order) a.push(*d, now_us += 1000, emit);
    a.flush(emit);
  }
  state.counters["frames"] = benchmark::Counter(double(frames), benchmark::Counter::kAvgIterations);
  count(state, s);
}

void BM_Assembler(benchmark::State &state) { run_assembler(state, 0); }
void BM_AssemblerLoss(benchmark::State &state) { run_assembler(state, 100); }
void BM_AssemblerReorder(benchmark::State &state) { run_assembler(state, 0, 50); }

}  // namespace

BENCHMARK(BM_CopyFloor);
BENCHMARK(BM_Assembler);
BENCHMARK(BM_AssemblerLoss);
BENCHMARK(BM_AssemblerReorder);
BENCHMARK_MAIN();
