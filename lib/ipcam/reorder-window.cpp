// ReorderWindow: see reorder-window.h.
#include "ipcam/reorder-window.h"

#include <algorithm>

namespace ipcam {

ReorderWindow::ReorderWindow(unsigned datagrams) {
  unsigned n = 1;
  while (n < std::min(datagrams, 1024u)) n <<= 1;
  slots_.resize(n);
  mask_ = uint16_t(n - 1);
}

void ReorderWindow::hold(uint16_t seq, ByteView datagram, uint64_t now_us) {
  Slot &s = slots_[seq & mask_];
  s.full = true;
  s.seq = seq;
  s.arrival_us = now_us;
  s.bytes.assign(datagram.begin(), datagram.end());  // reuses the slot's capacity
  if (held_++ == 0 || (oldest_known_ && now_us < oldest_us_)) {
    oldest_us_ = now_us;
    oldest_known_ = true;
  }
}

ByteView ReorderWindow::take(uint16_t seq) {
  Slot &s = slots_[seq & mask_];
  s.full = false;
  held_--;
  if (s.arrival_us <= oldest_us_) oldest_known_ = false;
  return ByteView(s.bytes);
}

uint64_t ReorderWindow::oldest_us() const {
  if (oldest_known_) return oldest_us_;
  uint64_t oldest = UINT64_MAX;
  for (const Slot &s : slots_)
    if (s.full) oldest = std::min(oldest, s.arrival_us);
  oldest_us_ = oldest;
  oldest_known_ = true;
  return oldest;
}

uint16_t ReorderWindow::lowest(uint16_t from) const {
  for (size_t i = 0; i < slots_.size(); i++) {
    const uint16_t seq = uint16_t(from + i);
    if (holds(seq)) return seq;
  }
  return from;
}

void ReorderWindow::clear() {
  for (Slot &s : slots_) s.full = false;
  held_ = 0;
  oldest_known_ = false;
}

}  // namespace ipcam
