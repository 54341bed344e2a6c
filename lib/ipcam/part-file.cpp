#include "ipcam/part-file.h"

#include "ipcam/error.h"

#include <glib/gstdio.h>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ipcam {

namespace {

bool io_error(GError **error, const char *what, const std::string &path, int err) {
  g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO, "Cannot %s \"%s\": %s", what, path.c_str(), g_strerror(err));
  return false;
}

}  // namespace

PartFile::~PartFile() {
  if (fd_ >= 0) ::close(fd_);
  if (done_ || path_.empty()) return;
  GStatBuf st;
  if (keep_ && g_lstat(path_.c_str(), &st) == 0 && st.st_size > 0) return;
  g_unlink(path_.c_str());
}

bool PartFile::create(const std::string &final_path, GError **error) {
  std::string tmpl = final_path + ".XXXXXX.part";
  // g_mkstemp_full adds O_CREAT|O_EXCL: with O_NOFOLLOW no existing name,
  // symlink or not, is ever opened.
  int fd = g_mkstemp_full(tmpl.data(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return io_error(error, "create a file beside", final_path, errno);
  fd_ = fd;
  path_ = tmpl;
  final_path_ = final_path;
  keep_ = false;
  return true;
}

bool PartFile::resume(const std::string &final_path, GError **error) {
  std::string path = final_path + ".part";
  int fd = g_open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    int e = errno;
    if (e == ELOOP)
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_UNSAFE_PATH,
                  "Refusing to resume into \"%s\": it is a symbolic link. Remove it and download again",
                  path.c_str());
    else
      io_error(error, "open", path, e);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return io_error(error, "examine", path, e);
  }
  if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
    ::close(fd);
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_UNSAFE_PATH,
                "Refusing to resume into \"%s\": it is not a regular file of yours. Remove it and download "
                "again",
                path.c_str());
    return false;
  }
  fd_ = fd;
  path_ = path;
  final_path_ = final_path;
  size_at_open_ = uint64_t(st.st_size);
  keep_ = true;
  return true;
}

bool PartFile::commit(GError **error, bool replace) {
  int fd = fd_;
  fd_ = -1;
  if (fd >= 0 && ::close(fd) != 0) return io_error(error, "save", final_path_, errno);
  int rc = replace ? g_rename(path_.c_str(), final_path_.c_str())
                   : renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, final_path_.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && !replace && errno == EINVAL) {
    // A file system without RENAME_NOREPLACE: link() refuses an existing name too.
    rc = link(path_.c_str(), final_path_.c_str());
    if (rc == 0) g_unlink(path_.c_str());
  }
  if (rc != 0) {
    int e = errno;
    done_ = true;  // finished: it stays under its temporary name rather than be lost
    if (e == EEXIST)
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_EXISTS,
                  "\"%s\" appeared meanwhile and was not replaced; the file is kept as \"%s\"", final_path_.c_str(),
                  path_.c_str());
    else
      g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_IO, "Cannot name the file \"%s\" (%s); it is kept as \"%s\"",
                  final_path_.c_str(), g_strerror(e), path_.c_str());
    return false;
  }
  done_ = true;
  return true;
}

}  // namespace ipcam
