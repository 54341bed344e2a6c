// PreviewAssembler: preview datagrams in, whole H.264 access units out.
// Pure and deterministic (no I/O, no clock): the receiver feeds it, tests and
// fuzzers drive it directly.
#pragma once

#include "ipcam/wire.h"

#include <glib.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

namespace ipcam {

enum class TimePosition { kBefore, kAfter };
enum class LossPolicy {
  kDropUntilKeyframe,  // after any loss, emit nothing until a whole keyframe
  kPassCorrupted,      // emit damaged frames, flagged corrupted
  kDropDamaged,        // drop damaged frames only; the next whole frame goes on (flagged discont)
};

struct AssemblerConfig {
  TimePosition time_position = TimePosition::kBefore;
  LossPolicy loss_policy = LossPolicy::kDropUntilKeyframe;
  // Upper bound on one frame; data past it makes the frame damaged and is
  // discarded, so garbage can never grow memory.
  size_t max_frame_size = 8u << 20;
  // Payload size of a full data piece. 0 = learn it (the largest seen).
  // In `before` mode a shorter piece, with the sequence contiguous and a
  // slice NAL in the frame, ends the frame without waiting for the next
  // time datagram.
  size_t data_payload_size = 0;
  bool early_end = true;
  // Reorder window (docs/preview.md): a datagram that arrives ahead of a
  // missing one is held until the missing one comes, and the missing one is
  // declared lost only when `reorder_datagrams` later ones have arrived or
  // the held ones have waited `reorder_ms` (time as given to push() and
  // expire()). reorder_datagrams = 0: a gap is a loss at once.
  unsigned reorder_datagrams = 64;
  uint32_t reorder_ms = 40;
};

// One access unit. Move-only: it owns its g_malloc'd memory and frees it,
// unless release() hands the memory on (the element wraps it into a
// GstBuffer with g_free as its destroy function, without copying).
class Frame {
 public:
  Frame() = default;
  // Adopts `data` (g_malloc'd, `capacity` bytes, the first `size` used).
  Frame(uint8_t *data, size_t size, size_t capacity) : data_(data), size_(size), capacity_(capacity) {}
  ~Frame() { g_free(data_); }
  Frame(Frame &&other) noexcept { *this = std::move(other); }
  Frame &operator=(Frame &&other) noexcept;
  Frame(const Frame &) = delete;
  Frame &operator=(const Frame &) = delete;

  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }  // bytes allocated, >= size()
  // Gives up the memory: the caller g_free()s it (read size() and
  // capacity() first; they are zero afterwards).
  [[nodiscard]] uint8_t *release();

  uint32_t camera_ms = 0;    // the camera's clock for this frame
  uint32_t frame_index = 0;  // frames emitted since construction/reset
  bool keyframe = false;     // holds an IDR slice
  bool discont = false;      // something was lost or dropped before this frame
  bool corrupted = false;    // this frame itself lost data (kPassCorrupted only)
  bool early = false;        // ended from the data, before the next boundary

 private:
  uint8_t *data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

struct AssemblerStats {
  uint64_t datagrams = 0;       // every datagram offered
  uint64_t bytes = 0;           // payload bytes of accepted data datagrams
  uint64_t frames = 0;          // frames emitted
  uint64_t keyframes = 0;       // keyframes emitted
  uint64_t lost = 0;            // datagrams never seen (sequence gaps)
  uint64_t duplicates = 0;      // datagrams seen twice (dropped)
  uint64_t reordered = 0;       // arrived after a higher sequence number (put back in place, or late)
  uint64_t late = 0;            // reordered, but after the window had declared it lost (dropped)
  uint64_t malformed = 0;       // unparsable, empty data, or an unknown type: ignored
  uint64_t strays = 0;          // far from the sequence and not continued: ignored
  uint64_t ignored = 0;         // well-formed but of a type we skip (5, ...)
  uint64_t discontinuities = 0; // frames emitted with discont set
  uint64_t dropped_frames = 0;  // frames not emitted because damaged
  uint64_t oversize = 0;        // frames that hit max_frame_size
};

class PreviewAssembler {
 public:
  // Called for every finished frame; the callee may move from it to keep it
  // (a Frame left behind is freed).
  using FrameCallback = std::function<void(Frame &&)>;

  explicit PreviewAssembler(AssemblerConfig config = {});
  ~PreviewAssembler();
  PreviewAssembler(const PreviewAssembler &) = delete;
  PreviewAssembler &operator=(const PreviewAssembler &) = delete;

  // One raw datagram (header included). Copies its payload once into the
  // current frame; emits zero or more frames through `emit`. A datagram that
  // does not parse never damages a frame (a lost piece shows as a sequence
  // gap); one far from the sequence is held until the next one says whether
  // the camera restarted (RFC 3550 A.1 probation), so a restart loses
  // nothing and a stray costs nothing. `now_us` is the arrival time on any
  // monotonic clock (microseconds): it ages the reorder window. Without it
  // time stands still (only the count bound of the window applies).
  void push(ByteView datagram, uint64_t now_us, const FrameCallback &emit);
  void push(ByteView datagram, const FrameCallback &emit);

  // Time passes without datagrams: gaps whose held successors have waited
  // the window's time are declared lost and what follows them is assembled.
  void expire(uint64_t now_us, const FrameCallback &emit);
  // When expire() next has work (monotonic microseconds), or UINT64_MAX
  // when nothing is held: a receiver waits no longer than this.
  uint64_t deadline_us() const;

  // Forget all state (new preview session: the camera restarts its sequence
  // numbers). Stats are kept. The next frame emitted carries discont.
  void reset();

  // Flush: emit the frame being assembled if it can be (end of stream).
  void flush(const FrameCallback &emit);

  const AssemblerStats &stats() const { return stats_; }
  const AssemblerConfig &config() const { return config_; }

 private:
  void deliver(const PreviewDatagram &d, const FrameCallback &emit);
  void place(const PreviewDatagram &d, ByteView raw, const FrameCallback &emit);
  void release_until(uint16_t seq, const FrameCallback &emit);
  void release_held(const FrameCallback &emit);
  void release_lowest(const FrameCallback &emit);
  void drain(const FrameCallback &emit);
  struct State;
  AssemblerConfig config_;
  AssemblerStats stats_;
  std::unique_ptr<State> s_;
};

}  // namespace ipcam
