// ReorderWindow: the preview datagrams that arrived ahead of their turn,
// held until the ones before them come (Wi-Fi delays and reorders) or the
// assembler gives those up as lost. Storage only: PreviewAssembler decides
// when to hold, release and skip. Slots are indexed by sequence number (a
// power of two, so the index survives the wrap at 65535) and keep their
// capacity, so holding costs no allocation once each slot has held a
// datagram as large.
#pragma once

#include "ipcam/wire.h"

#include <cstdint>
#include <vector>

namespace ipcam {

class ReorderWindow {
 public:
  // Room for `datagrams` consecutive sequence numbers (rounded up to a
  // power of two, at most 1024); 0 = nothing is ever held.
  explicit ReorderWindow(unsigned datagrams);

  bool empty() const { return held_ == 0; }
  size_t held() const { return held_; }
  bool holds(uint16_t seq) const {
    const Slot &s = slots_[seq & mask_];
    return s.full && s.seq == seq;
  }
  // Keeps a copy of `datagram` (the caller has checked that the slot is
  // free: `seq` lies within the window and is not held yet).
  void hold(uint16_t seq, ByteView datagram, uint64_t now_us);
  // The held datagram, which stays valid until that slot holds another;
  // the slot is free again.
  ByteView take(uint16_t seq);
  // The earliest arrival among the held datagrams (only when !empty()).
  uint64_t oldest_us() const;
  // The lowest held sequence number at or after `from` (only when !empty()).
  uint16_t lowest(uint16_t from) const;
  void clear();

 private:
  struct Slot {
    bool full = false;
    uint16_t seq = 0;
    uint64_t arrival_us = 0;
    Bytes bytes;
  };
  std::vector<Slot> slots_;
  uint16_t mask_ = 0;
  size_t held_ = 0;
  // Arrival times only grow, so the first datagram held is the oldest until
  // it is taken; only then is the window searched again.
  mutable uint64_t oldest_us_ = 0;
  mutable bool oldest_known_ = false;
};

}  // namespace ipcam
