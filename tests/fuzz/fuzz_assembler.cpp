// Fuzz target: the frame assembler fed an arbitrary datagram sequence.
// Input: one config byte, then [u16 length][datagram] records; a record of
// length 0 calls reset() (a new preview session). Checks the assembler's
// promises on every frame and on its statistics.
#include "fuzz_check.h"
#include "ipcam/assembler.h"

#include <glib.h>

using namespace ipcam;

namespace {

// Config byte: bit 0 time after, bit 1 pass-corrupted, bit 2 early end off,
// bits 3-4 max frame size, bits 5-6 full data payload size (0 = learned),
// bit 7: with bit 1 (pass-corrupted) the reorder window off, without it
// drop-damaged (the window, when on: 64 datagrams or 40 ms, each record
// arriving 5 ms after the one before).
AssemblerConfig config_from(uint8_t c) {
  static constexpr size_t kMaxFrame[4] = {8u << 20, 256, 4096, 65536};
  static constexpr size_t kPayload[4] = {0, 64, 200, 1000};
  AssemblerConfig config;
  config.time_position = (c & 1) ? TimePosition::kAfter : TimePosition::kBefore;
  // Bit 7 with bit 1 clear: drop-damaged (the window stays on).
  config.loss_policy = (c & 2)      ? LossPolicy::kPassCorrupted
                       : (c & 0x80) ? LossPolicy::kDropDamaged
                                    : LossPolicy::kDropUntilKeyframe;
  config.early_end = !(c & 4);
  config.max_frame_size = kMaxFrame[(c >> 3) & 3];
  config.data_payload_size = kPayload[(c >> 5) & 3];
  if ((c & 0x80) && (c & 2)) config.reorder_datagrams = 0;
  return config;
}

bool starts_with_start_code(const Frame &f) {
  if (f.size() >= 3 && f.data()[0] == 0 && f.data()[1] == 0 && f.data()[2] == 1) return true;
  return f.size() >= 4 && f.data()[0] == 0 && f.data()[1] == 0 && f.data()[2] == 0 && f.data()[3] == 1;
}

// True when some start code in the frame is followed by an IDR slice header.
bool has_idr_nal(const Frame &f) {
  for (size_t i = 2; i + 1 < f.size(); i++)
    if (f.data()[i] == 1 && f.data()[i - 1] == 0 && f.data()[i - 2] == 0 && (f.data()[i + 1] & 0x1f) == 5)
      return true;
  return false;
}

struct Checker {
  AssemblerConfig config;
  uint64_t frames = 0, keyframes = 0, disconts = 0, frame_bytes = 0;
  uint32_t next_index = 0;

  void on_frame(Frame &&f) {
    FUZZ_CHECK(f.data() != nullptr && f.size() > 0);
    FUZZ_CHECK(f.size() <= config.max_frame_size && f.size() <= f.capacity());
    FUZZ_CHECK(f.capacity() <= config.max_frame_size);
    FUZZ_CHECK(f.frame_index == next_index);
    next_index++;
    // A whole frame always starts with a start code; only a frame flagged
    // corrupted (pass-corrupted policy) may begin mid-NAL.
    FUZZ_CHECK(f.corrupted || starts_with_start_code(f));
    FUZZ_CHECK(!f.corrupted || f.discont);
    FUZZ_CHECK(!f.keyframe || has_idr_nal(f));
    if (config.loss_policy == LossPolicy::kDropUntilKeyframe) {
      FUZZ_CHECK(!f.corrupted);
      FUZZ_CHECK(!f.discont || f.keyframe);  // decoding restarts at a keyframe
    }
    if (config.loss_policy == LossPolicy::kDropDamaged) {
      FUZZ_CHECK(!f.corrupted);
      FUZZ_CHECK(f.frame_index > 0 || f.keyframe);  // a session starts at a keyframe
    }
    FUZZ_CHECK(!f.early || (config.early_end && config.time_position == TimePosition::kBefore));
    frames++;
    keyframes += f.keyframe;
    disconts += f.discont;
    frame_bytes += f.size();
    // Touch every byte so ASan sees any read past what was written.
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < f.size(); i++) sink = sink ^ f.data()[i];
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  Checker check;
  check.config = config_from(data[0]);
  PreviewAssembler assembler(check.config);
  const PreviewAssembler::FrameCallback emit = [&](Frame &&f) { check.on_frame(std::move(f)); };

  uint64_t pushed = 0, malformed = 0, data_bytes = 0, other_types = 0, now_us = 0;
  fuzz::RecordReader records(ByteView(data + 1, size - 1));
  ByteView record;
  while (records.next(record)) {
    if (record.empty()) {
      assembler.reset();
      check.next_index = 0;
      continue;
    }
    // Unparsable, an empty data piece or a type cameras never send: ignored
    // as malformed, without touching the sequence.
    PreviewDatagram d;
    if (parse_datagram(record, d) != DatagramStatus::kOk ||
        (d.type == datagram::kData && d.payload.empty()) ||
        (d.type != datagram::kData && d.type != datagram::kTime && d.type != datagram::kUnknown5))
      malformed++;
    else if (d.type == datagram::kData)
      data_bytes += d.payload.size();
    else if (d.type != datagram::kTime)
      other_types++;
    now_us += 5000;
    assembler.push(record, now_us, emit);
    pushed++;
    FUZZ_CHECK(assembler.deadline_us() == UINT64_MAX || assembler.deadline_us() > now_us);
  }
  // Time passes: the window gives up every gap and holds nothing more.
  assembler.expire(now_us + 1000000, emit);
  FUZZ_CHECK(assembler.deadline_us() == UINT64_MAX);
  assembler.flush(emit);
  assembler.flush(emit);  // a second flush has nothing left to emit

  const AssemblerStats &st = assembler.stats();
  FUZZ_CHECK(st.datagrams == pushed);
  FUZZ_CHECK(st.malformed == malformed);
  FUZZ_CHECK(st.ignored <= other_types);
  FUZZ_CHECK(st.bytes <= data_bytes);
  FUZZ_CHECK(check.frame_bytes <= st.bytes);
  FUZZ_CHECK(st.frames == check.frames);
  FUZZ_CHECK(st.keyframes == check.keyframes);
  FUZZ_CHECK(st.discontinuities == check.disconts);
  FUZZ_CHECK(st.duplicates + st.reordered + st.malformed + st.ignored + st.strays <= st.datagrams);
  FUZZ_CHECK(st.frames + st.dropped_frames <= st.datagrams);
  FUZZ_CHECK(st.late <= st.reordered);
  return 0;
}
