// Fuzz target: the configuration block (the reply to 0xA034), and the other
// payloads of the vendor's command map read from the same bytes (clock,
// card capacity, result, path field, events): the parsers a camera feeds.
#include "fuzz_check.h"
#include "ipcam/camera-settings.h"
#include "ipcam/error.h"

#include <string>

using namespace ipcam;

namespace {

void check_block(ByteView in) {
  ErrorGuard err;
  auto block = parse_config_block(in, err.out());
  FUZZ_CHECK(block.has_value() == (err.get() == nullptr));
  const bool known_length = in.size() == kConfigBlockSize || in.size() == kShortConfigBlockSize;
  FUZZ_CHECK(block.has_value() == known_length);
  if (!block) {
    // The error names the length it refused.
    FUZZ_CHECK(err.message().find(std::to_string(in.size()) + " bytes") != std::string::npos);
    return;
  }
  const bool full = block->layout == ConfigBlock::Layout::kFull;
  FUZZ_CHECK(block->fields.size() == (full ? 20u : 16u));
  FUZZ_CHECK(block->firmware.size() <= kConfigFirmwareSize);
  FUZZ_CHECK(block->firmware.find('\0') == std::string::npos);
  auto values = setting_values(*block);
  FUZZ_CHECK(values.size() == block->fields.size());
  for (const auto &[name, value] : values) {
    FUZZ_CHECK(setting_value(*block, name) == value);
    // A short block never carries the 112-byte layout's names.
    FUZZ_CHECK(full == (name.rfind("field-", 0) != 0));
    index_label(*block, name, value);
    known_menu(*block, name);
  }
  // What the emulator encodes from a parsed block parses back the same.
  if (block->firmware.size() < kConfigFirmwareSize) {
    Bytes again = encode_config_block(*block);
    FUZZ_CHECK(again.size() == in.size());
    auto back = parse_config_block(again, nullptr);
    FUZZ_CHECK(back && back->fields == block->fields && back->firmware == block->firmware);
  }
}

void check_other_payloads(ByteView in) {
  if (auto clock = parse_clock(in, nullptr)) {
    Bytes again = encode_clock(*clock);
    FUZZ_CHECK(std::equal(again.begin(), again.end(), in.begin()));
  }
  if (auto card = parse_storage(in, nullptr)) {
    Bytes again = encode_storage(*card);
    FUZZ_CHECK(std::equal(again.begin(), again.end(), in.begin()));
  }
  auto result = parse_result(in, nullptr);
  FUZZ_CHECK(result.has_value() == (in.size() >= 4));
  std::string path = parse_path_field(in);
  FUZZ_CHECK(path.size() <= kPathFieldSize && path.find('\0') == std::string::npos);
  for (uint32_t type : {msg::kCardInserted, msg::kCardRemoved, msg::kCardFull, msg::kEmergencyFile, msg::kMotionPhoto}) {
    auto event = camera_event(type, in);
    FUZZ_CHECK(event.has_value());
    FUZZ_CHECK(event->file == (type == msg::kEmergencyFile ? path : std::string()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ByteView in(data, size);
  check_block(in);
  check_other_payloads(in);
  return 0;
}
