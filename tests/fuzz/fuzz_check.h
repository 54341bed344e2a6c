// Shared helpers of the fuzz targets: an invariant check that aborts (so
// libFuzzer and the replay test both report it), a length-prefixed record
// reader, and an RAII GError.
#pragma once

#include <glib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#define FUZZ_CHECK(cond)                                                              \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

namespace ipcam::fuzz {

// Splits a fuzz input into records of [u16 big-endian length][bytes]. The last
// record may be cut short; it is returned with what is left, so no input byte
// is wasted and the fuzzer's mutations stay meaningful.
class RecordReader {
 public:
  explicit RecordReader(std::span<const uint8_t> in) : in_(in) {}
  // False at the end of input. `record` may be empty (length 0).
  bool next(std::span<const uint8_t> &record) {
    if (pos_ >= in_.size()) return false;
    if (in_.size() - pos_ < 2) {
      record = in_.subspan(pos_);
      pos_ = in_.size();
      return true;
    }
    size_t len = size_t(in_[pos_]) << 8 | in_[pos_ + 1];
    pos_ += 2;
    len = std::min(len, in_.size() - pos_);
    record = in_.subspan(pos_, len);
    pos_ += len;
    return true;
  }

 private:
  std::span<const uint8_t> in_;
  size_t pos_ = 0;
};

}  // namespace ipcam::fuzz
