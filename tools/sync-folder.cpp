// The sync folder (sync-folder.h): checked names, folders opened with
// O_NOFOLLOW one component at a time.
#include "sync-folder.h"

#include "ipcam/download.h"
#include "ipcam/error.h"
#include "ipcam/text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ipcam::cli {

namespace {

// Where cameras of this family mount their card; the folders below it are kept.
constexpr const char *kCardMount = "/mnt/sdcard/";

}  // namespace

std::optional<std::vector<std::string>> sync_components(const std::string &camera_path, GError **error) {
  // The whole path first: ".." anywhere, a NUL or a backslash refuses it all.
  if (!safe_local_name(camera_path, error)) return std::nullopt;
  std::string rest = g_str_has_prefix(camera_path.c_str(), kCardMount)
                         ? camera_path.substr(std::strlen(kCardMount))
                         : camera_path;
  std::vector<std::string> parts;
  g_auto(GStrv) split = g_strsplit(rest.c_str(), "/", -1);
  for (char **c = split; *c; c++) {
    if (!**c) continue;  // a leading or doubled slash
    // Each folder name passes the same test as a file name.
    auto name = safe_local_name(*c, error);
    if (!name) return std::nullopt;
    parts.push_back(*name);
  }
  if (parts.empty()) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_UNSAFE_PATH, "Refusing camera path \"%s\": it names no file",
                escape_control(camera_path).c_str());
    return std::nullopt;
  }
  return parts;
}

SyncFolder::~SyncFolder() {
  if (fd_ >= 0) close(fd_);
}

bool SyncFolder::open(const std::string &root, const std::vector<std::string> &dirs, GError **error) {
  if (g_mkdir_with_parents(root.c_str(), 0755) != 0) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO, "Cannot create folder %s: %s", root.c_str(),
                g_strerror(errno));
    return false;
  }
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  std::string where = root;
  for (const auto &d : dirs) {
    if (fd < 0) break;
    where += G_DIR_SEPARATOR_S + d;
    if (mkdirat(fd, d.c_str(), 0755) != 0 && errno != EEXIST) {
      const int e = errno;
      ::close(fd);
      fd = -1;
      errno = e;
      break;
    }
    // O_NOFOLLOW: a symlink here fails (ELOOP) instead of leading elsewhere.
    const int next = openat(fd, d.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const int e = errno;
    ::close(fd);
    fd = next;
    errno = e;
  }
  if (fd < 0) {
    const bool link = errno == ELOOP || errno == ENOTDIR;
    g_set_error(error, IPCAM_ERROR, link ? IPCAM_ERROR_UNSAFE_PATH : IPCAM_ERROR_IO, "Cannot use folder %s: %s",
                escape_control(where).c_str(),
                link ? "it is a symlink or not a folder (never followed)" : g_strerror(errno));
    return false;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  return true;
}

std::string SyncFolder::pinned_path() const { return "/proc/self/fd/" + std::to_string(fd_); }

SyncFolder::State SyncFolder::state_of(const std::string &name, uint64_t listed_size, uint64_t *size) const {
  struct stat st {};
  if (fstatat(fd_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return State::kMissing;
  if (!S_ISREG(st.st_mode)) return State::kNotAFile;
  if (size) *size = uint64_t(st.st_size);
  return uint64_t(st.st_size) == listed_size ? State::kComplete : State::kDifferent;
}

bool SyncFolder::set_modified(const std::string &name, GDateTime *when, GError **error) const {
  struct timespec times[2];
  times[0].tv_sec = 0;
  times[0].tv_nsec = UTIME_OMIT;  // access time: left as it is
  times[1].tv_sec = g_date_time_to_unix(when);
  times[1].tv_nsec = 0;
  if (utimensat(fd_, name.c_str(), times, AT_SYMLINK_NOFOLLOW) == 0) return true;
  g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO, "Cannot date %s: %s", escape_control(name).c_str(),
              g_strerror(errno));
  return false;
}

}  // namespace ipcam::cli
