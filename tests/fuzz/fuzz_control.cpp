// Fuzz target: a control-connection byte stream, parsed message by message as
// ControlSession does, with every known payload decoded by its parser.
#include "fuzz_check.h"
#include "ipcam/error.h"
#include "ipcam/filelist.h"
#include "ipcam/wire.h"

#include <cstring>

using namespace ipcam;

static void decode_payload(uint32_t type, ByteView payload) {
  ErrorGuard err;
  switch (type) {
    case msg::kLogin:
    case msg::kLoginAccepted: {
      auto creds = parse_login(payload, err.out());
      FUZZ_CHECK(creds.has_value() == (err.get() == nullptr));
      if (!creds) break;
      FUZZ_CHECK(creds->user.size() <= kLoginFieldSize && creds->password.size() <= kLoginFieldSize);
      // What parses must survive a round trip whenever it is encodable.
      if (auto again = encode_login(creds->user, creds->password, err.out())) {
        auto back = parse_login(*again, nullptr);
        FUZZ_CHECK(back && back->user == creds->user && back->password == creds->password);
      }
      break;
    }
    case msg::kFileListPart: {
      auto part = parse_file_list_part(payload, err.out());
      FUZZ_CHECK(part.has_value() == (err.get() == nullptr));
      if (part) FUZZ_CHECK(part->text.size() + 8 == payload.size());
      break;
    }
    case msg::kFirmwareInfo: {
      auto version = parse_firmware(payload, err.out());
      FUZZ_CHECK(version.has_value() == (err.get() == nullptr));
      break;
    }
    default:
      break;
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ByteView stream(data, size);
  size_t messages = 0;
  while (true) {
    ControlParseResult r = parse_control(stream);
    if (r.status != ControlParseStatus::kOk) {
      // Bad magic must be judged from the first bytes; need-more only when
      // a whole message is not there.
      if (r.status == ControlParseStatus::kNeedMore) {
        FUZZ_CHECK(stream.size() < kControlHeaderSize ||
                   stream.size() < kControlHeaderSize + load_be16(stream.data() + 2));
      } else {
        FUZZ_CHECK(!stream.empty() && (stream[0] != kControlMagic[0] ||
                                       (stream.size() > 1 && stream[1] != kControlMagic[1])));
      }
      break;
    }
    FUZZ_CHECK(r.consumed == kControlHeaderSize + r.payload.size());
    FUZZ_CHECK(r.consumed <= stream.size());
    FUZZ_CHECK(r.payload.data() == stream.data() + kControlHeaderSize);
    message_type_name(r.type);
    // Re-encoding yields the very bytes consumed.
    Bytes again = encode_control(r.type, r.payload);
    FUZZ_CHECK(again.size() == r.consumed && std::memcmp(again.data(), stream.data(), r.consumed) == 0);
    decode_payload(r.type, r.payload);
    (void)hex_dump(r.payload);
    stream = stream.subspan(r.consumed);
    messages++;
  }
  FUZZ_CHECK(messages <= size / kControlHeaderSize);
  return 0;
}
