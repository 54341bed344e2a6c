// Fuzz target: a control byte stream as the session's reader receives it,
// in arbitrary pieces (TCP promises no message boundaries). The first byte
// seeds the piece sizes; the rest is the stream. Fed piece by piece into a
// buffer the way ControlSession's reader keeps one (append, parse whole
// messages from the front, keep the rest), it must give exactly the
// messages that parsing the whole stream at once gives, and stop at the
// same bad magic.
#include "fuzz_check.h"
#include "ipcam/wire.h"

#include <vector>

using namespace ipcam;

namespace {

struct Parsed {
  std::vector<std::pair<uint32_t, Bytes>> messages;
  bool bad_magic = false;
};

// Takes every whole message off the front of `buf`; false on bad magic.
bool take_messages(Bytes &buf, Parsed &out) {
  size_t off = 0;
  for (;;) {
    ControlParseResult r = parse_control(ByteView(buf).subspan(off));
    if (r.status == ControlParseStatus::kNeedMore) break;
    if (r.status == ControlParseStatus::kBadMagic) return false;
    FUZZ_CHECK(r.consumed >= kControlHeaderSize && r.consumed <= buf.size() - off);
    out.messages.emplace_back(r.type, Bytes(r.payload.begin(), r.payload.end()));
    off += r.consumed;
  }
  buf.erase(buf.begin(), buf.begin() + ptrdiff_t(off));
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  uint32_t seed = data[0] * 2654435761u + 1;
  ByteView stream(data + 1, size - 1);

  Parsed whole;
  Bytes all(stream.begin(), stream.end());
  whole.bad_magic = !take_messages(all, whole);

  Parsed split;
  Bytes buf;
  size_t pos = 0;
  while (pos < stream.size() && !split.bad_magic) {
    seed = seed * 1103515245u + 12345u;
    size_t piece = 1 + (seed >> 16) % 97;  // 1..97 bytes: headers split too
    if (piece > stream.size() - pos) piece = stream.size() - pos;
    buf.insert(buf.end(), stream.begin() + ptrdiff_t(pos), stream.begin() + ptrdiff_t(pos + piece));
    pos += piece;
    split.bad_magic = !take_messages(buf, split);
  }
  FUZZ_CHECK(split.bad_magic == whole.bad_magic);
  FUZZ_CHECK(split.messages == whole.messages);
  return 0;
}
