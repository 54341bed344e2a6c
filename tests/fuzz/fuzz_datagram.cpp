// Fuzz target: one preview datagram through parse_datagram, with the parsed
// fields checked against the raw bytes and re-encoded.
#include "fuzz_check.h"
#include "ipcam/wire.h"

#include <cstring>
#include <vector>

using namespace ipcam;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ByteView bytes(data, size);
  PreviewDatagram d;
  DatagramStatus status = parse_datagram(bytes, d);
  FUZZ_CHECK(datagram_status_name(status) != nullptr);
  switch (status) {
    case DatagramStatus::kTooShort:
      FUZZ_CHECK(size < kPreviewHeaderSize);
      return 0;
    case DatagramStatus::kBadMagic:
      FUZZ_CHECK(data[0] != kPreviewMagic[0] || data[1] != kPreviewMagic[1]);
      return 0;
    case DatagramStatus::kLengthPastEnd:
      FUZZ_CHECK(load_be16(data + 2) > size - kPreviewHeaderSize);
      return 0;
    case DatagramStatus::kBadTime:
      FUZZ_CHECK(d.type == datagram::kTime && d.payload.size() < kTimePayloadSize);
      return 0;
    case DatagramStatus::kOk:
      break;
  }
  FUZZ_CHECK(d.payload.data() == data + kPreviewHeaderSize);
  FUZZ_CHECK(d.payload.size() == load_be16(data + 2));
  FUZZ_CHECK(d.seq == load_be16(data + 4) && d.type == load_be16(data + 6));
  if (d.type == datagram::kTime) {
    uint32_t ms = time_datagram_ms(d.payload);
    uint8_t payload[kTimePayloadSize];
    encode_time_payload(ms, payload, d.payload.first(kTimeMsOffset));
    FUZZ_CHECK(std::memcmp(payload, d.payload.data(), kTimePayloadSize) == 0);
  }
  // Encoding what was parsed gives back the datagram without trailing bytes.
  std::vector<uint8_t> again(kPreviewHeaderSize + d.payload.size());
  size_t n = encode_datagram(d.seq, d.type, d.payload, again.data(), again.size());
  FUZZ_CHECK(n == again.size() && std::memcmp(again.data(), data, n) == 0);
  FUZZ_CHECK(encode_datagram(d.seq, d.type, d.payload, again.data(), n - 1) == 0);
  return 0;
}
