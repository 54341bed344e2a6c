#include "ipcam/filelist.h"

#include "ipcam/error.h"
#include "ipcam/text.h"

#include <algorithm>
#include <charconv>
#include <cstring>

namespace ipcam {

std::optional<FileListPart> parse_file_list_part(ByteView payload, GError **error) {
  if (payload.size() < 8) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE,
                "file list part is %zu bytes; it needs at least 8 (part count and index)", payload.size());
    return std::nullopt;
  }
  FileListPart part;
  part.total = load_le32(payload.data());
  part.index = load_le32(payload.data() + 4);
  part.text = std::string_view(reinterpret_cast<const char *>(payload.data() + 8), payload.size() - 8);
  return part;
}

Bytes encode_file_list_part(uint32_t total, uint32_t index, std::string_view text) {
  Bytes out(8 + text.size());
  store_le32(out.data(), total);
  store_le32(out.data() + 4, index);
  std::memcpy(out.data() + 8, text.data(), text.size());
  return out;
}

std::optional<std::vector<FileEntry>> parse_file_list_text(std::string_view text, GError **error,
                                                           size_t max_entries) {
  std::vector<FileEntry> out;
  // Cameras pad the last part with NULs on some firmwares: stop at the first.
  if (auto nul = text.find('\0'); nul != std::string_view::npos) text = text.substr(0, nul);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view entry = text.substr(pos, end - pos);
    pos = end + 1;
    // Tolerate whitespace and newlines between entries.
    while (!entry.empty() && g_ascii_isspace(entry.front())) entry.remove_prefix(1);
    while (!entry.empty() && g_ascii_isspace(entry.back())) entry.remove_suffix(1);
    if (entry.empty()) continue;
    size_t colon = entry.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE, "file list entry \"%s\" is not path:size",
                  escape_control(entry.substr(0, 200)).c_str());
      return std::nullopt;
    }
    std::string_view size_text = entry.substr(colon + 1);
    uint64_t size = 0;
    auto [ptr, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size);
    if (size_text.empty() || ec != std::errc() || ptr != size_text.data() + size_text.size()) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE,
                  "file list entry \"%s\" has a size that is not a decimal number",
                  escape_control(entry.substr(0, 200)).c_str());
      return std::nullopt;
    }
    if (out.size() >= max_entries) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_LIMIT,
                  "the camera's file list has more than %zu entries (the max-files limit): raise "
                  "max-files to list them all",
                  max_entries);
      return std::nullopt;
    }
    out.push_back(FileEntry{std::string(entry.substr(0, colon)), size});
  }
  return out;
}

std::string format_file_list_text(const std::vector<FileEntry> &files) {
  std::string s;
  for (const auto &f : files) {
    s += f.path;
    s += ':';
    s += std::to_string(f.size);
    s += ';';
  }
  return s;
}

bool FileListAssembler::add(ByteView payload, GError **error) {
  auto part = parse_file_list_part(payload, error);
  if (!part) return false;
  if (part->total == 0 || part->total > kMaxParts) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE, "file list part says the list has %u parts",
                part->total);
    return false;
  }
  if (total_ == 0) {
    total_ = part->total;
    parts_.assign(total_, std::nullopt);
  } else if (part->total != total_) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE,
                "file list part says %u parts where an earlier one said %u", part->total, total_);
    return false;
  }
  if (part->index >= total_) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE, "file list part %u is out of range (%u parts)",
                part->index, total_);
    return false;
  }
  if (parts_[part->index]) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE, "file list part %u arrived twice", part->index);
    return false;
  }
  if (part->text.size() > limits_.max_text_bytes - text_bytes_) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_LIMIT,
                "the camera's file list is longer than %zu bytes of text (the file list text limit, "
                "max_file_list_bytes in libipcam)",
                limits_.max_text_bytes);
    return false;
  }
  text_bytes_ += part->text.size();
  parts_[part->index] = std::string(part->text);
  received_++;
  return true;
}

bool FileListAssembler::complete() const { return total_ != 0 && received_ == total_; }

std::optional<std::vector<FileEntry>> FileListAssembler::finish(GError **error) const {
  if (total_ == 0) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE, "no file list part was received");
    return std::nullopt;
  }
  std::string text;
  for (uint32_t i = 0; i < total_; i++) {
    if (!parts_[i]) {
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_PARSE,
                  "file list incomplete: part %u of %u is missing (%u received)", i, total_, received_);
      return std::nullopt;
    }
    std::string_view t = *parts_[i];
    // A part padded with NULs ends at its first NUL.
    if (auto nul = t.find('\0'); nul != std::string_view::npos) t = t.substr(0, nul);
    text += t;
  }
  return parse_file_list_text(text, error, limits_.max_entries);
}

void FileListAssembler::reset() {
  text_bytes_ = 0;
  total_ = 0;
  received_ = 0;
  parts_.clear();
}

std::vector<Bytes> encode_file_list(const std::vector<FileEntry> &files, size_t part_size) {
  std::string text = format_file_list_text(files);
  if (part_size == 0) part_size = 1;
  size_t n = std::max<size_t>(1, (text.size() + part_size - 1) / part_size);
  std::vector<Bytes> parts;
  for (size_t i = 0; i < n; i++) {
    std::string_view chunk = std::string_view(text).substr(std::min(text.size(), i * part_size), part_size);
    parts.push_back(encode_file_list_part(uint32_t(n), uint32_t(i), chunk));
  }
  return parts;
}

}  // namespace ipcam
