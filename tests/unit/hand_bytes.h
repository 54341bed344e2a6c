// Bytes written out by hand, as docs/protocol.md gives them: what the codec
// tests compare against, so that a codec bug cannot hide on both sides.
#pragma once

#include "ipcam/wire.h"

#include <cstdint>
#include <initializer_list>

namespace ipcam::test {

// B({0xab, 0xcd, ...}): the bytes as listed (ints, so that hex literals need no casts).
inline Bytes B(std::initializer_list<int> v) {
  Bytes b;
  for (int x : v) b.push_back(uint8_t(x));
  return b;
}

}  // namespace ipcam::test
