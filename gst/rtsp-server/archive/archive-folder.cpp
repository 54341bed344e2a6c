// ArchiveFolder: see archive-folder.h.
#include "archive/archive-folder.h"

#include "archive/segment-names.h"

#include <glib/gstdio.h>

#include <cerrno>

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <tuple>

namespace ipcam::server {

namespace {

bool is_real_dir(const std::string &path) {
  GStatBuf st;
  return g_lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// "-N" before ".mp4", 1 without.
unsigned serial_of(const std::string &relative) {
  const size_t name = relative.find('/') + 1;
  return relative.size() - name > 17 ? unsigned(strtoul(relative.c_str() + name + 14, nullptr, 10)) : 1;
}

}  // namespace

ArchiveFolder::ArchiveFolder(std::string root) : root_(std::move(root)) {}

std::vector<SegmentEntry> ArchiveFolder::list() const {
  std::vector<SegmentEntry> out;
  GDir *top = g_dir_open(root_.c_str(), 0, nullptr);
  if (!top) return out;
  while (const char *day = g_dir_read_name(top)) {
    const std::string day_path = root_ + "/" + day;
    if (!is_day_folder(day) || !is_real_dir(day_path)) continue;
    GDir *files = g_dir_open(day_path.c_str(), 0, nullptr);
    if (!files) continue;
    while (const char *name = g_dir_read_name(files)) {
      const std::string relative = std::string(day) + "/" + name;
      GStatBuf st;
      if (!is_segment_path(relative) || g_lstat(absolute(relative).c_str(), &st) != 0 || !S_ISREG(st.st_mode))
        continue;
      g_autoptr(GDateTime) start = segment_start(relative);
      if (!start) continue;
      out.push_back({relative, uint64_t(st.st_size), g_date_time_to_unix(start), gint64(st.st_mtime)});
    }
    g_dir_close(files);
  }
  g_dir_close(top);
  std::sort(out.begin(), out.end(), [](const SegmentEntry &a, const SegmentEntry &b) {
    return std::make_tuple(a.start_unix, serial_of(a.relative), a.relative) <
           std::make_tuple(b.start_unix, serial_of(b.relative), b.relative);
  });
  return out;
}

std::vector<std::string> ArchiveFolder::prune(std::vector<SegmentEntry> &segments, guint64 keep_s,
                                              guint64 max_bytes, const std::string &current,
                                              gint64 now_unix) const {
  std::vector<std::string> gone;
  uint64_t total = 0;
  for (const auto &s : segments) total += s.bytes;
  std::set<std::string> days;
  auto it = segments.begin();
  while (it != segments.end()) {
    const bool too_old = keep_s && it->modified_unix + gint64(keep_s) < now_unix;
    const bool too_big = max_bytes && total > max_bytes;
    if (it->relative == current || (!too_old && !too_big)) {
      ++it;
      continue;
    }
    if (g_unlink(absolute(it->relative).c_str()) != 0) {
      g_warning("archive: cannot remove %s: %s", absolute(it->relative).c_str(), g_strerror(errno));
      ++it;
      continue;
    }
    total -= it->bytes;
    days.insert(it->relative.substr(0, it->relative.find('/')));
    gone.push_back(it->relative);
    it = segments.erase(it);
  }
  // rmdir only takes an empty folder: a day still holding anything stays.
  for (const auto &day : days) g_rmdir((root_ + "/" + day).c_str());
  return gone;
}

std::string ArchiveFolder::resolve(const std::string &relative) const {
  if (!is_segment_path(relative)) return {};
  if (!is_real_dir(root_ + "/" + relative.substr(0, relative.find('/')))) return {};
  const std::string path = absolute(relative);
  GStatBuf st;
  if (g_lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
  return path;
}

}  // namespace ipcam::server
