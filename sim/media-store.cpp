#include "media-store.h"

#include "media-encode.h"

#include <gio/gio.h>
#include <glib/gstdio.h>

#include <algorithm>

namespace ipcam::sim {
namespace {

void remove_tree(const std::string &dir) {
  g_autoptr(GDir) d = g_dir_open(dir.c_str(), 0, nullptr);
  if (d) {
    while (const char *name = g_dir_read_name(d)) {
      g_autofree char *path = g_build_filename(dir.c_str(), name, nullptr);
      if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
        remove_tree(path);
      else
        g_unlink(path);
    }
  }
  g_rmdir(dir.c_str());
}

}  // namespace

MediaStore::~MediaStore() {
  if (temporary_ && !dir_.empty()) remove_tree(dir_);
}

bool MediaStore::safe_name(std::string_view name) {
  if (name.empty() || name[0] == '.' || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return g_ascii_isalnum(ch) || ch == '_' || ch == '-' || ch == '.';
  });
}

bool MediaStore::open(const std::string &dir, bool samples, GError **error) {
  if (dir.empty()) {
    g_autofree char *tmp = g_dir_make_tmp("ipcam-sim-XXXXXX", error);
    if (!tmp) return false;
    dir_ = tmp;
    temporary_ = true;
  } else {
    dir_ = dir;
    if (g_mkdir_with_parents(dir_.c_str(), 0755) != 0) {
      int e = errno;
      g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "--store %s: %s", dir_.c_str(),
                  g_strerror(e));
      return false;
    }
  }
  if (samples && list().empty() && !write_samples(dir_, error)) {
    g_prefix_error(error, "seeding sample files in %s: ", dir_.c_str());
    return false;
  }
  return true;
}

std::vector<FileEntry> MediaStore::list() const {
  std::vector<FileEntry> out;
  if (!present_) return out;
  g_autoptr(GDir) d = g_dir_open(dir_.c_str(), 0, nullptr);
  if (!d) return out;
  while (const char *name = g_dir_read_name(d)) {
    if (!safe_name(name)) continue;
    g_autofree char *path = g_build_filename(dir_.c_str(), name, nullptr);
    GStatBuf st;
    if (g_stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    out.push_back({std::string(kCameraMediaDir) + name, uint64_t(st.st_size)});
  }
  std::sort(out.begin(), out.end(), [](auto &a, auto &b) { return a.path < b.path; });
  return out;
}

uint64_t MediaStore::remaining() const {
  uint64_t used = used_bytes();
  return used < card_size_ ? card_size_ - used : 0;
}

uint64_t MediaStore::used_bytes() const {
  uint64_t sum = 0;
  for (const auto &f : list()) sum += f.size;
  return sum;
}

bool MediaStore::remove(std::string_view camera_path) {
  auto listed = list();
  bool found = std::any_of(listed.begin(), listed.end(),
                           [&](const FileEntry &f) { return f.path == camera_path; });
  auto local = found ? local_path(camera_path) : std::nullopt;
  return local && g_unlink(local->c_str()) == 0;
}

void MediaStore::format() {
  for (const auto &f : list())
    if (auto local = local_path(f.path); local && g_unlink(local->c_str()) != 0)
      g_warning("format: %s: %s", local->c_str(), g_strerror(errno));
}

std::optional<std::string> MediaStore::local_path(std::string_view camera_path) const {
  std::string_view prefix = kCameraMediaDir;
  if (!present_) return std::nullopt;
  if (!camera_path.starts_with(prefix)) return std::nullopt;
  std::string_view name = camera_path.substr(prefix.size());
  if (!safe_name(name)) return std::nullopt;
  g_autofree char *path = g_build_filename(dir_.c_str(), std::string(name).c_str(), nullptr);
  return std::string(path);
}

std::string MediaStore::reserve(const char *prefix, const char *ext) {
  std::lock_guard lock(mutex_);
  for (int n = 1;; ++n) {
    g_autofree char *name = g_strdup_printf("%s_%04d.%s", prefix, n, ext);
    g_autofree char *path = g_build_filename(dir_.c_str(), name, nullptr);
    if (g_file_test(path, G_FILE_TEST_EXISTS)) continue;
    // Claim the name now: the file itself is written by a worker thread.
    std::string part = part_path(path);
    if (g_file_test(part.c_str(), G_FILE_TEST_EXISTS)) continue;
    g_file_set_contents(part.c_str(), "", 0, nullptr);
    return path;
  }
}

std::string MediaStore::part_path(const std::string &path) {
  g_autofree char *dir = g_path_get_dirname(path.c_str());
  g_autofree char *base = g_path_get_basename(path.c_str());
  g_autofree char *name = g_strdup_printf(".%s.part", base);
  g_autofree char *out = g_build_filename(dir, name, nullptr);
  return out;
}

}  // namespace ipcam::sim
