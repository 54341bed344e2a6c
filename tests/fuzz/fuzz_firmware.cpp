// Fuzz target: a firmware-info payload (binary layout or plain text).
#include "fuzz_check.h"
#include "ipcam/error.h"
#include "ipcam/wire.h"

using namespace ipcam;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ErrorGuard err;
  auto version = parse_firmware(ByteView(data, size), err.out());
  FUZZ_CHECK(version.has_value() == (err.get() == nullptr));
  if (!version) {
    FUZZ_CHECK(err.get()->domain != 0 && err.get()->message != nullptr);
    return 0;
  }
  FUZZ_CHECK(version->size() <= size);
  FUZZ_CHECK(version->find('\0') == std::string::npos);
  // A version the camera reported is one the emulator can report back.
  if (!version->empty()) {
    auto again = parse_firmware(encode_firmware(*version), nullptr);
    FUZZ_CHECK(again && *again == *version);
  }
  return 0;
}
