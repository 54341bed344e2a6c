// The file a download writes before it is complete: a fresh NAME.XXXXXX.part
// beside the final name, or NAME.part to resume. Every path that writes a
// camera file (library downloads, the CLI, the server) uses this one, so
// none of them can be sent through a planted symlink or into someone
// else's file.
#pragma once

#include <gio/gio.h>

#include <cstdint>
#include <string>

namespace ipcam {

class PartFile {
 public:
  PartFile() = default;
  ~PartFile();  // removes the file unless committed or kept
  PartFile(const PartFile &) = delete;
  PartFile &operator=(const PartFile &) = delete;

  // A new temporary file for `final_path`, opened O_EXCL|O_NOFOLLOW: a name
  // nobody else can have planted. Removed on destruction unless committed.
  bool create(const std::string &final_path, GError **error);
  // `final_path`.part, created or reopened with O_NOFOLLOW for a resume; an
  // existing one must be a regular file owned by this user (fstat on the
  // opened file, so nothing can be swapped in between). Kept on destruction
  // when it holds any bytes, for the next resume.
  bool resume(const std::string &final_path, GError **error);

  int fd() const { return fd_; }
  const std::string &path() const { return path_; }
  uint64_t size_at_open() const { return size_at_open_; }
  // Whether a resumable file stays behind on failure (false: it is removed).
  void set_keep(bool keep) { keep_ = keep; }

  // Closes the file and renames it to the final name. With `replace`
  // false it never replaces a file that appeared there meanwhile: that is
  // IPCAM_ERROR_EXISTS. When the rename fails the finished file stays at
  // path() (the error says so): it is never lost.
  bool commit(GError **error, bool replace = true);

 private:
  std::string path_, final_path_;
  int fd_ = -1;
  uint64_t size_at_open_ = 0;
  bool keep_ = false;
  bool done_ = false;
};

}  // namespace ipcam
