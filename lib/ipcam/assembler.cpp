// PreviewAssembler: preview datagrams in, whole H.264 access units out.
// The rules (boundaries, early end, loss, duplicates, reorder, policies,
// memory bounds) are described in docs/preview.md; this file follows it.
#include "ipcam/assembler.h"

#include "ipcam/h264.h"

#include <glib.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace ipcam {
namespace {

constexpr size_t kMinCapacity = 64 * 1024;
constexpr unsigned kSeqWindow = 64;  // sequence numbers remembered below the highest
constexpr size_t kSizeHistory = 32;  // frames the capacity estimate looks back on

}  // namespace

struct PreviewAssembler::State {
  State(const AssemblerConfig &c, AssemblerStats &s) : config(c), stats(s) { clear(); }
  ~State() { g_free(buf); }

  const AssemblerConfig &config;
  AssemblerStats &stats;

  // Sequence window: bit i of `seen` is set when (highest - i) arrived;
  // `known` marks the bits that lie after the first datagram of the session.
  bool have_seq;
  uint16_t highest;
  uint64_t seen;
  uint64_t known;

  // The frame being assembled. `buf` survives a dropped frame for reuse.
  uint8_t *buf = nullptr;
  size_t size = 0;
  size_t cap = 0;
  bool open;
  bool timed;      // opened by its own time datagram (`before`): may end early
  bool damaged;
  bool oversized;
  bool has_slice;
  bool keyframe;
  bool scan_done;  // the first slice NAL decides; nothing more to look for
  h264::NalHeaderScanner nal_scan;  // resumes where the last piece ended
  uint32_t ms;

  // Between frames.
  bool ended_early;      // `before`: last frame ended early, no boundary since
  bool early_suspended;  // a continuation was seen: this camera's short pieces are not ends
  bool headless;         // `before`: discarding data that has no time datagram
  bool need_discont;
  bool wait_keyframe;
  uint32_t last_ms;
  uint32_t frame_index;
  size_t learned_payload;
  std::array<size_t, kSizeHistory> sizes;
  size_t sizes_pos;

  bool before() const { return config.time_position == TimePosition::kBefore; }
  bool dropping() const { return config.loss_policy == LossPolicy::kDropUntilKeyframe; }

  void clear() {
    g_free(buf);
    buf = nullptr;
    size = cap = 0;
    have_seq = false;
    highest = 0;
    seen = known = 0;
    on_probation = false;
    reset_frame();
    open = false;
    ended_early = early_suspended = headless = false;
    // A new session starts mid-stream as far as a decoder knows.
    need_discont = true;
    wait_keyframe = dropping();
    last_ms = 0;
    frame_index = 0;
    learned_payload = 0;
    sizes.fill(0);
    sizes_pos = 0;
  }

  void reset_frame() {
    size = 0;
    timed = damaged = oversized = has_slice = keyframe = scan_done = false;
    nal_scan.reset();
    ms = 0;
  }

  void open_frame(uint32_t frame_ms, bool by_time) {
    reset_frame();
    open = true;
    timed = by_time;
    ms = frame_ms;
  }

  // Something may be missing where no frame is open: the next frame cannot
  // be trusted to decode, and a frame that ended early may have had a tail.
  void loss_between_frames() {
    need_discont = true;
    if (dropping()) wait_keyframe = true;
    ended_early = false;
  }

  void damage() {
    if (open)
      damaged = true;
    else
      loss_between_frames();
  }

  // A datagram far from the sequence, held until the next one continues it
  // (a restart) or not (a stray). `held` keeps its capacity: no allocation
  // per datagram once it has held one.
  bool on_probation = false;
  Bytes held;

  enum class Seq { kAccept, kDrop, kProbation };

  // A datagram's sequence number against the window.
  Seq track(uint16_t seq) {
    if (have_seq) {
      auto delta = int16_t(uint16_t(seq - highest));
      if (delta >= int(kSeqWindow) || delta <= -int(kSeqWindow)) return Seq::kProbation;
    }
    return accept(seq) ? Seq::kAccept : Seq::kDrop;
  }

  // The sequence continues at `seq`: the camera restarted it, or more than
  // a window's worth was lost (counted when it lies ahead).
  void restart(uint16_t seq) {
    auto delta = int16_t(uint16_t(seq - highest));
    if (delta > 1) stats.lost += unsigned(delta) - 1;
    highest = seq;
    seen = known = 1;
    damage();
  }

  // Returns false when the datagram must be dropped (duplicate or late).
  bool accept(uint16_t seq) {
    if (!have_seq) {
      have_seq = true;
      highest = seq;
      seen = known = 1;
      return true;
    }
    auto delta = int16_t(uint16_t(seq - highest));  // modulo 65536: wrap is +1
    if (delta > 0) {
      unsigned d = unsigned(delta);
      seen = (d >= kSeqWindow ? 0 : seen << d) | 1;
      known = (d >= kSeqWindow ? ~uint64_t(0) : known << d | ((uint64_t(1) << d) - 1)) | 1;
      highest = seq;
      if (d > 1) {
        stats.lost += d - 1;
        damage();
      }
      return true;
    }
    unsigned back = unsigned(-int(delta));
    if (back < kSeqWindow) {
      uint64_t bit = uint64_t(1) << back;
      if (seen & bit) {
        stats.duplicates++;
        return false;
      }
      seen |= bit;
      stats.reordered++;
      // Its absence was counted as a loss, unless it predates the session.
      if ((known & bit) && stats.lost > 0) stats.lost--;
      return false;
    }
    // track() holds everything farther away than the window.
    return false;
  }

  size_t recent_max() const { return *std::max_element(sizes.begin(), sizes.end()); }

  void remember_size(size_t n) {
    sizes[sizes_pos] = n;
    sizes_pos = (sizes_pos + 1) % kSizeHistory;
  }

  // One allocation per frame, sized from recent frames; g_realloc only when
  // a frame outgrows the estimate.
  void reserve(size_t need) {
    if (need <= cap) return;
    if (!buf) {
      size_t estimate = std::max(kMinCapacity, 2 * recent_max());
      cap = std::min(std::max(estimate, need), config.max_frame_size);
      buf = static_cast<uint8_t *>(g_malloc(cap));
    } else {
      cap = std::min(std::max(cap * 2, need), config.max_frame_size);
      buf = static_cast<uint8_t *>(g_realloc(buf, cap));
    }
  }

  // Looks at the NAL headers in the bytes appended since the last call
  // (a start code split across pieces is found too) until the first slice.
  void scan() {
    if (scan_done) return;
    for (size_t h; (h = nal_scan.next(ByteView(buf, size))) != h264::kNone;) {
      const uint8_t type = h264::nal_type(buf[h]);
      if (type == h264::kNalSlice || type == h264::kNalIdr) {
        // All slices of one picture share IDR-ness: the first one decides.
        has_slice = true;
        keyframe = type == h264::kNalIdr;
        scan_done = true;
        return;
      }
    }
  }

  void append(ByteView payload) {
    if (payload.empty() || oversized) return;
    size_t take = payload.size();
    size_t room = config.max_frame_size - std::min(size, config.max_frame_size);
    if (take > room) {
      take = room;
      oversized = damaged = true;
      stats.oversize++;
      if (take == 0) return;
    }
    reserve(size + take);
    std::memcpy(buf + size, payload.data(), take);  // the one copy of the payload
    size += take;
    scan();
  }

  // Keeps the buffer for the next frame, unless a burst of garbage made it
  // much larger than frames usually are.
  void recycle() {
    remember_size(size);
    if (cap > std::max(kMinCapacity, 4 * recent_max())) {
      g_free(buf);
      buf = nullptr;
      cap = 0;
    }
    reset_frame();
  }

  void drop_frame() {
    stats.dropped_frames++;
    recycle();
  }

  void finish(const FrameCallback &emit, bool early) {
    if (!open) return;
    open = false;
    if (size == 0) {
      bool was_damaged = damaged;
      reset_frame();
      if (was_damaged) loss_between_frames();
      return;
    }
    if (!h264::starts_with_start_code(ByteView(buf, size))) damaged = true;
    if (damaged && dropping()) {
      need_discont = wait_keyframe = true;
      drop_frame();
      return;
    }
    if (!damaged && wait_keyframe) {
      if (!keyframe) {
        drop_frame();
        return;
      }
      wait_keyframe = false;
    }
    Frame f(buf, size, cap);
    f.camera_ms = ms;
    f.frame_index = frame_index++;
    f.keyframe = keyframe;
    f.corrupted = damaged;
    f.discont = need_discont || damaged;
    f.early = early;
    need_discont = false;
    stats.frames++;
    if (f.keyframe) stats.keyframes++;
    if (f.discont) stats.discontinuities++;
    remember_size(size);
    buf = nullptr;
    cap = 0;
    reset_frame();
    if (emit) emit(std::move(f));
  }

  void on_time(uint32_t time_ms, const FrameCallback &emit) {
    if (before()) {
      if (headless) {
        stats.dropped_frames++;  // the tail of a frame whose start we missed
        headless = false;
      }
      finish(emit, false);
      ended_early = false;
      open_frame(time_ms, true);
    } else {
      if (open) {
        ms = time_ms;
        finish(emit, false);
      }
      open_frame(0, false);  // its time arrives with the next time datagram
    }
    last_ms = time_ms;
  }

  void on_data(ByteView payload, const FrameCallback &emit) {
    size_t n = payload.size();
    stats.bytes += n;
    learned_payload = std::max(learned_payload, n);
    if (!open) {
      if (!before()) {
        open_frame(0, false);
      } else if (ended_early) {
        // Data after an early end: the short piece was not the frame's last.
        // The frame already emitted was incomplete, so this continuation is
        // damaged, and early end is off for the rest of the session.
        open_frame(last_ms, false);
        damaged = true;
        early_suspended = true;
        ended_early = false;
      } else {
        if (!headless) {
          headless = true;
          need_discont = true;
          if (dropping()) wait_keyframe = true;
        }
        return;
      }
    }
    append(payload);
    if (!timed || damaged || !has_slice || !config.early_end || early_suspended) return;
    size_t full = config.data_payload_size ? config.data_payload_size : learned_payload;
    if (n < full) {
      finish(emit, true);
      ended_early = true;
    }
  }

  void flush(const FrameCallback &emit) {
    if (headless) {
      stats.dropped_frames++;
      headless = false;
    }
    if (before()) {
      finish(emit, false);
    } else if (open) {
      // `after`: the data since the last time datagram has no time yet.
      open = false;
      if (size > 0) {
        need_discont = true;
        if (dropping()) wait_keyframe = true;
        drop_frame();
      } else {
        reset_frame();
      }
    }
    ended_early = false;
  }
};

Frame &Frame::operator=(Frame &&other) noexcept {
  if (this != &other) {
    g_free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    camera_ms = other.camera_ms;
    frame_index = other.frame_index;
    keyframe = other.keyframe;
    discont = other.discont;
    corrupted = other.corrupted;
    early = other.early;
  }
  return *this;
}

uint8_t *Frame::release() {
  size_ = capacity_ = 0;
  return std::exchange(data_, nullptr);
}

PreviewAssembler::PreviewAssembler(AssemblerConfig config)
    : config_(config), s_(std::make_unique<State>(config_, stats_)) {}

// Out of line, where State is complete.
PreviewAssembler::~PreviewAssembler() = default;

namespace {

// What the camera sends: data, time and the type-5 datagrams of real
// cameras. Anything else, and an empty data piece, is not part of the
// stream, so its sequence number must not mark a real datagram as seen.
bool part_of_stream(const PreviewDatagram &d) {
  if (d.type == datagram::kData) return !d.payload.empty();
  return d.type == datagram::kTime || d.type == datagram::kUnknown5;
}

}  // namespace

void PreviewAssembler::push(ByteView datagram, const FrameCallback &emit) {
  stats_.datagrams++;
  PreviewDatagram d;
  if (parse_datagram(datagram, d) != DatagramStatus::kOk || !part_of_stream(d)) {
    stats_.malformed++;
    return;
  }
  if (s_->on_probation) {
    s_->on_probation = false;
    PreviewDatagram first;
    parse_datagram(s_->held, first);  // parsed once already
    if (d.seq == uint16_t(first.seq + 1)) {
      s_->restart(first.seq);
      deliver(first, emit);
    } else {
      stats_.strays++;
    }
  }
  switch (s_->track(d.seq)) {
    case State::Seq::kDrop:
      return;
    case State::Seq::kProbation:
      s_->held.assign(datagram.begin(), datagram.end());
      s_->on_probation = true;
      return;
    case State::Seq::kAccept:
      break;
  }
  deliver(d, emit);
}

void PreviewAssembler::deliver(const PreviewDatagram &d, const FrameCallback &emit) {
  switch (d.type) {
    case datagram::kData:
      s_->on_data(d.payload, emit);
      break;
    case datagram::kTime:
      s_->on_time(time_datagram_ms(d.payload), emit);
      break;
    default:
      stats_.ignored++;
      break;
  }
}

void PreviewAssembler::reset() { s_->clear(); }

void PreviewAssembler::flush(const FrameCallback &emit) { s_->flush(emit); }

}  // namespace ipcam
