// The folder `ipcam sync` mirrors a card into: where each camera file goes
// below it (the camera's folders kept, every component checked), its
// folders made and opened without following a symlink, and what a file
// already there is. No state of its own: the files are the state.
#pragma once

#include <glib.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ipcam::cli {

// The components a camera path takes below the folder: the card's mount
// point (/mnt/sdcard/) dropped, the rest kept, e.g. DCIM, 100MEDIA,
// VID_0001.MP4. Every component must be a plain name (no "..", ".", NUL,
// backslash or control character): else IPCAM_ERROR_UNSAFE_PATH.
std::optional<std::vector<std::string>> sync_components(const std::string &camera_path, GError **error);

// An open folder below the sync folder, reached one component at a time
// with O_NOFOLLOW (made where missing), so a symlink planted anywhere
// below the root is refused, not followed.
class SyncFolder {
 public:
  SyncFolder() = default;
  ~SyncFolder();
  SyncFolder(const SyncFolder &) = delete;
  SyncFolder &operator=(const SyncFolder &) = delete;

  // `root` (made if missing) and then `dirs` below it.
  bool open(const std::string &root, const std::vector<std::string> &dirs, GError **error);
  int fd() const { return fd_; }
  // A path to this very folder that no rename or symlink can redirect
  // (/proc/self/fd/N), for code that takes a folder by name.
  std::string pinned_path() const;

  enum class State { kMissing, kComplete, kDifferent, kNotAFile };
  // What `name` in this folder is, against the listed size.
  State state_of(const std::string &name, uint64_t listed_size, uint64_t *size = nullptr) const;
  // Dates `name` (never through a symlink).
  bool set_modified(const std::string &name, GDateTime *when, GError **error) const;

 private:
  int fd_ = -1;
};

}  // namespace ipcam::cli
