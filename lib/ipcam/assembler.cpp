// PreviewAssembler: preview datagrams in, whole H.264 access units out.
// The rules (boundaries, early end, loss, duplicates, reorder, policies,
// memory bounds) are described in docs/preview.md; this file follows it.
#include "ipcam/assembler.h"

#include "ipcam/h264.h"
#include "ipcam/reorder-window.h"

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
  State(const AssemblerConfig &c, AssemblerStats &s) : config(c), stats(s), ahead(c.reorder_datagrams) {
    clear();
  }
  ~State() { g_free(buf); }

  const AssemblerConfig &config;
  AssemblerStats &stats;

  // Sequence: `next` is the number whose turn it is; bit i of `done` is set
  // when (next - 1 - i) was assembled, of `known` when it lies after the
  // first datagram of the session (so a late one can be told from one that
  // predates the session). `highest` is the highest number that arrived.
  bool have_seq;
  uint16_t next;
  uint16_t highest;
  uint64_t done;
  uint64_t known;
  ReorderWindow ahead;  // arrived before their turn
  uint64_t now_us = 0;  // the latest time given; never goes back

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
  bool dropping() const { return config.loss_policy != LossPolicy::kPassCorrupted; }
  // After a loss: only drop-until-keyframe waits; drop-damaged goes on with
  // the next whole frame (a session still starts at a keyframe).
  bool waits_after_loss() const { return config.loss_policy == LossPolicy::kDropUntilKeyframe; }

  void clear() {
    g_free(buf);
    buf = nullptr;
    size = cap = 0;
    have_seq = false;
    next = highest = 0;
    done = known = 0;
    ahead.clear();
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
    if (waits_after_loss()) wait_keyframe = true;
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

  enum class Seq { kNext, kAhead, kDrop, kProbation };

  // A datagram's sequence number against the window.
  Seq track(uint16_t seq) {
    if (!have_seq) {
      have_seq = true;
      next = highest = seq;
      done = known = 0;
      return Seq::kNext;
    }
    // Modulo 65536: the wrap is +1. A window's worth past the highest that
    // arrived, or behind what the window remembers, is a restart or a stray.
    auto delta = int16_t(uint16_t(seq - next));
    auto past_highest = int16_t(uint16_t(seq - highest));
    if (past_highest >= int(kSeqWindow) || delta < -int(kSeqWindow)) return Seq::kProbation;
    if (past_highest > 0)
      highest = seq;
    else if (delta >= 0 && seq != highest && !ahead.holds(seq))
      stats.reordered++;  // fills a gap: put back in place
    if (delta >= 0) {
      if (ahead.holds(seq)) {
        stats.duplicates++;
        return Seq::kDrop;
      }
      return delta == 0 ? Seq::kNext : Seq::kAhead;
    }
    uint64_t bit = uint64_t(1) << unsigned(-int(delta) - 1);
    if (done & bit) {
      stats.duplicates++;
      return Seq::kDrop;
    }
    done |= bit;  // a second copy is a duplicate
    stats.reordered++;
    // Its turn has passed: declared lost (it cost its frame), unless it
    // predates the session.
    if (known & bit) stats.late++;
    return Seq::kDrop;
  }

  // `next` was assembled, or given up as lost.
  void advance(bool assembled) {
    done = done << 1 | (assembled ? 1 : 0);
    known = known << 1 | 1;
    next++;
  }

  // The datagram whose turn it is never came: the frame it belonged to is
  // damaged.
  void skip() {
    stats.lost++;
    damage();
    advance(false);
  }

  // The sequence continues at `seq`: the camera restarted it, or more than
  // a window's worth was lost (counted when it lies ahead). Whatever was
  // held belongs to the old sequence and is assembled first.
  void restart(uint16_t seq) {
    auto delta = int16_t(uint16_t(seq - next));
    if (delta > 0) stats.lost += unsigned(delta);
    next = highest = seq;
    done = known = 0;
    damage();
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
      need_discont = true;
      if (waits_after_loss()) wait_keyframe = true;
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
          if (waits_after_loss()) wait_keyframe = true;
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
        if (waits_after_loss()) wait_keyframe = true;
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

void PreviewAssembler::push(ByteView datagram, uint64_t now_us, const FrameCallback &emit) {
  s_->now_us = std::max(s_->now_us, now_us);
  push(datagram, emit);
}

void PreviewAssembler::push(ByteView datagram, const FrameCallback &emit) {
  stats_.datagrams++;
  if (!s_->ahead.empty()) expire(s_->now_us, emit);
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
      release_held(emit);
      s_->restart(first.seq);
      place(first, s_->held, emit);
    } else {
      stats_.strays++;
    }
  }
  place(d, datagram, emit);
}

// Assembles `d` in its turn, holds it until then, or drops it.
void PreviewAssembler::place(const PreviewDatagram &d, ByteView raw, const FrameCallback &emit) {
  switch (s_->track(d.seq)) {
    case State::Seq::kDrop:
      return;
    case State::Seq::kProbation:
      s_->held.assign(raw.begin(), raw.end());
      s_->on_probation = true;
      return;
    case State::Seq::kNext:
      deliver(d, emit);
      s_->advance(true);
      drain(emit);
      return;
    case State::Seq::kAhead:
      break;
  }
  // The count bound: the oldest gaps give way so that `d` fits the window.
  const unsigned window = config_.reorder_datagrams;
  if (uint16_t(d.seq - s_->next) >= window) {
    release_until(window ? uint16_t(d.seq - window + 1) : d.seq, emit);
    drain(emit);  // what was held right behind the given-up gap
  }
  if (d.seq == s_->next) {
    deliver(d, emit);
    s_->advance(true);
    drain(emit);
  } else {
    s_->ahead.hold(d.seq, raw, s_->now_us);
  }
}

// Up to `seq`: held datagrams are assembled, missing ones declared lost.
void PreviewAssembler::release_until(uint16_t seq, const FrameCallback &emit) {
  while (s_->next != seq) {
    if (s_->ahead.holds(s_->next)) {
      PreviewDatagram d;
      parse_datagram(s_->ahead.take(s_->next), d);  // parsed once already
      deliver(d, emit);
      s_->advance(true);
    } else {
      s_->skip();
    }
  }
}

// Assembles the held datagrams that are next in turn.
void PreviewAssembler::drain(const FrameCallback &emit) {
  while (!s_->ahead.empty() && s_->ahead.holds(s_->next)) {
    PreviewDatagram d;
    parse_datagram(s_->ahead.take(s_->next), d);
    deliver(d, emit);
    s_->advance(true);
  }
}

// Everything held, in order, its gaps lost (end of stream, restart).
void PreviewAssembler::release_held(const FrameCallback &emit) {
  while (!s_->ahead.empty()) release_lowest(emit);
}

void PreviewAssembler::expire(uint64_t now_us, const FrameCallback &emit) {
  s_->now_us = std::max(s_->now_us, now_us);
  while (!s_->ahead.empty() && s_->now_us >= deadline_us()) release_lowest(emit);
}

// Gives up the gap before the lowest held datagram and assembles from there.
void PreviewAssembler::release_lowest(const FrameCallback &emit) {
  const uint16_t lowest = s_->ahead.lowest(s_->next);
  if (!s_->ahead.holds(lowest)) {
    // Nothing held lies within the window: cannot happen, but a window
    // that could not empty would never end this loop.
    s_->ahead.clear();
    return;
  }
  release_until(lowest, emit);
  drain(emit);
}

uint64_t PreviewAssembler::deadline_us() const {
  if (s_->ahead.empty()) return UINT64_MAX;
  return s_->ahead.oldest_us() + uint64_t(config_.reorder_ms) * 1000;
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

void PreviewAssembler::flush(const FrameCallback &emit) {
  release_held(emit);
  s_->flush(emit);
}

}  // namespace ipcam
