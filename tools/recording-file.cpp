// RecordingFile: temporary name, exclusive creation, rename at the end.
#include "recording-file.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ipcam::cli {

RecordingFile::~RecordingFile() {
  if (fd_ >= 0) close(fd_);
  if (!temp_.empty()) g_unlink(temp_.c_str());
}

bool RecordingFile::open(const std::string &target, bool force, Failure &failure) {
  target_ = target;
  force_ = force;
  if (!force && g_file_test(target.c_str(), G_FILE_TEST_EXISTS)) {
    failure = {kExitUsage, target + " already exists; give --force to replace it"};
    return false;
  }
  // Beside the target: the same file system, so the rename is atomic. Hidden,
  // so a file manager does not offer the unfinished file.
  g_autofree char *dir = g_path_get_dirname(target.c_str());
  g_autofree char *base = g_path_get_basename(target.c_str());
  g_autofree char *tmpl = g_strdup_printf("%s/.%s.XXXXXX.part", dir, base);
  int fd = g_mkstemp_full(tmpl, O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd < 0) {
    int err = errno;
    failure = {kExitIo, std::string("cannot create a file in ") + dir + ": " + g_strerror(err)};
    return false;
  }
  fd_ = fd;
  temp_ = tmpl;
  return true;
}

bool RecordingFile::commit(Failure &failure) {
  if (fd_ >= 0 && close(fd_) != 0) {
    int err = errno;
    fd_ = -1;
    failure = {kExitIo, "writing " + target_ + ": " + g_strerror(err)};
    return false;
  }
  fd_ = -1;
  int rc = force_ ? rename(temp_.c_str(), target_.c_str())
                  : renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, target_.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && !force_ && errno == EINVAL) {
    // A file system without RENAME_NOREPLACE: link() refuses an existing name too.
    rc = link(temp_.c_str(), target_.c_str());
    if (rc == 0) g_unlink(temp_.c_str());
  }
  if (rc != 0) {
    int err = errno;
    std::string kept = temp_;
    temp_.clear();  // the recording is worth more than a tidy folder
    failure = {err == EEXIST ? kExitUsage : kExitIo,
               "cannot name the recording " + target_ + " (" + g_strerror(err) +
                   "); it is kept as " + kept};
    return false;
  }
  temp_.clear();
  return true;
}

}  // namespace ipcam::cli
