// Fuzz target: file-list reassembly. The input is a mode byte, then parts
// ([u16 length][payload] records) offered to a FileListAssembler; the whole
// input is also parsed as list text. Whatever parses must survive formatting
// and splitting into parts again.
#include "fuzz_check.h"
#include "ipcam/error.h"
#include "ipcam/filelist.h"
#include "ipcam/wire.h"

using namespace ipcam;

static bool same(const std::vector<FileEntry> &a, const std::vector<FileEntry> &b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (a[i].path != b[i].path || a[i].size != b[i].size) return false;
  return true;
}

// Formats the list, splits it into parts of `part_size`, reassembles them in
// reverse order and checks the same entries come back.
static void check_round_trip(const std::vector<FileEntry> &files, size_t part_size) {
  auto reparsed = parse_file_list_text(format_file_list_text(files), nullptr);
  FUZZ_CHECK(reparsed && same(files, *reparsed));
  std::vector<Bytes> parts = encode_file_list(files, part_size);
  FUZZ_CHECK(!parts.empty());
  if (parts.size() > FileListAssembler::kMaxParts) return;
  FileListAssembler again;
  for (size_t i = parts.size(); i-- > 0;) FUZZ_CHECK(again.add(parts[i], nullptr));
  FUZZ_CHECK(again.complete());
  auto joined = again.finish(nullptr);
  FUZZ_CHECK(joined && same(files, *joined));
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  const size_t part_size = 1 + data[0] % 64;
  ErrorGuard err;

  std::string_view text(reinterpret_cast<const char *>(data + 1), size - 1);
  if (auto files = parse_file_list_text(text, err.out())) {
    FUZZ_CHECK(err.get() == nullptr);
    check_round_trip(*files, part_size);
  } else {
    FUZZ_CHECK(err.get() != nullptr);
  }

  FileListAssembler assembler;
  fuzz::RecordReader records(ByteView(data + 1, size - 1));
  ByteView part;
  uint32_t accepted = 0;
  while (records.next(part)) {
    const uint32_t before = assembler.received();
    if (assembler.add(part, err.out())) {
      accepted++;
      FUZZ_CHECK(assembler.received() == before + 1);
    } else {
      FUZZ_CHECK(err.get() != nullptr && assembler.received() == before);
    }
    FUZZ_CHECK(assembler.received() <= assembler.total());
    FUZZ_CHECK(assembler.total() <= FileListAssembler::kMaxParts);
  }
  FUZZ_CHECK(accepted == assembler.received());
  auto joined = assembler.finish(err.out());
  if (!assembler.complete()) FUZZ_CHECK(!joined);
  if (joined) check_round_trip(*joined, part_size);
  assembler.reset();
  FUZZ_CHECK(!assembler.complete() && assembler.received() == 0);
  return 0;
}
