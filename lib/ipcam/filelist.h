// The camera's file list: its entries, the 0xA026 parts it arrives in, and
// the `path:size;` text they join into. Pure functions, like the wire codec.
#pragma once

#include "ipcam/wire.h"

#include <glib.h>

#include <cstdint>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ipcam {

struct FileEntry {
  std::string path;  // as the camera lists it, e.g. /mnt/sdcard/DCIM/A.MOV
  uint64_t size = 0;
};

// One 0xA026 part: u32 LE total, u32 LE index, then text.
struct FileListPart {
  uint32_t total = 0;
  uint32_t index = 0;
  std::string_view text;  // points into the payload
};
std::optional<FileListPart> parse_file_list_part(ByteView payload, GError **error);
Bytes encode_file_list_part(uint32_t total, uint32_t index, std::string_view text);

// Parses `path:size;path:size;...` (trailing `;` optional). An empty text is
// a valid, empty list. A non-numeric or missing size is an error that names
// the entry. Paths may contain ':' (the last ':' separates the size). More
// than `max_entries` entries is IPCAM_ERROR_LIMIT.
std::optional<std::vector<FileEntry>> parse_file_list_text(std::string_view text, GError **error,
                                                           size_t max_entries = SIZE_MAX);
std::string format_file_list_text(const std::vector<FileEntry> &files);

// What one file list may cost; a camera that sends more gets
// IPCAM_ERROR_LIMIT. Each entry costs a FileEntry, so entries are capped
// apart from the text.
struct FileListLimits {
  size_t max_entries = 100000;
  size_t max_text_bytes = 16u << 20;
};

// Collects the parts of one file list, in any order.
class FileListAssembler {
 public:
  explicit FileListAssembler(FileListLimits limits = {}) : limits_(limits) {}
  // Adds one part's payload. Errors: unparseable part, a total that differs
  // from earlier parts, an index out of range, a duplicate index, a total of
  // zero or above kMaxParts; more text than max_text_bytes (_LIMIT).
  bool add(ByteView payload, GError **error);
  bool complete() const;
  uint32_t received() const { return received_; }
  uint32_t total() const { return total_; }
  // Joins the parts and parses them. Error when parts are missing (names the
  // first missing index) or the text does not parse.
  std::optional<std::vector<FileEntry>> finish(GError **error) const;
  void reset();

  static constexpr uint32_t kMaxParts = 4096;

 private:
  FileListLimits limits_;
  size_t text_bytes_ = 0;
  uint32_t total_ = 0;
  uint32_t received_ = 0;
  std::vector<std::optional<std::string>> parts_;
};

// Splits a list into parts whose text is at most `part_size` bytes (the
// emulator's side). Always returns at least one part.
std::vector<Bytes> encode_file_list(const std::vector<FileEntry> &files, size_t part_size);

}  // namespace ipcam
