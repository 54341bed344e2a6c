// The camera's SD card: a folder of photos and clips, listed under camera
// paths (/mnt/sdcard/DCIM/100MEDIA/NAME) and served over HTTP.
#pragma once

#include "ipcam/filelist.h"
#include "ipcam/wire.h"

#include <glib.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ipcam::sim {

inline constexpr char kCameraMediaDir[] = "/mnt/sdcard/DCIM/100MEDIA/";

class MediaStore {
 public:
  MediaStore() = default;
  ~MediaStore();
  MediaStore(const MediaStore &) = delete;
  MediaStore &operator=(const MediaStore &) = delete;

  // `dir` empty: a temporary folder, removed by the destructor. Creates the
  // folder if needed; seeds an empty folder with samples when `samples`.
  bool open(const std::string &dir, bool samples, GError **error);
  const std::string &dir() const { return dir_; }

  // Every regular file with a camera-style name, sorted by name.
  std::vector<FileEntry> list() const;
  // The local file for a camera path, or nothing if the path is not one of
  // ours or would leave the folder (no '/', no "..", no hidden files).
  std::optional<std::string> local_path(std::string_view camera_path) const;
  // A fresh local path for a new file: PREFIX_NNNN.EXT, next free number.
  // The name is claimed by creating its part_path().
  std::string reserve(const char *prefix, const char *ext);

  static bool safe_name(std::string_view name);
  // Where a file is written before it is renamed into place (hidden, so
  // never listed half-written): DIR/.NAME.part
  static std::string part_path(const std::string &path);

 private:
  std::string dir_;
  bool temporary_ = false;
  std::mutex mutex_;
};

}  // namespace ipcam::sim
