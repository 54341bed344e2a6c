// The camera's SD card: a folder of photos and clips, listed under camera
// paths (/mnt/sdcard/DCIM/100MEDIA/NAME) and served over HTTP.
#pragma once

#include "ipcam/filelist.h"
#include "ipcam/wire.h"

#include <glib.h>

#include <atomic>
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

  // The card's size (--card-size) and whether it is in the camera: a card
  // pulled out lists nothing and serves nothing, its files kept for when
  // it goes back in.
  void set_card_size(uint64_t bytes) { card_size_ = bytes; }
  uint64_t card_size() const { return card_size_; }
  void set_present(bool present) { present_ = present; }
  bool present() const { return present_; }
  // The card's size minus what the listed files hold (0 when that is more).
  uint64_t remaining() const;

  // Every regular file with a camera-style name, sorted by name.
  std::vector<FileEntry> list() const;
  // The local file for a camera path, or nothing if the path is not one of
  // ours or would leave the folder (no '/', no "..", no hidden files).
  std::optional<std::string> local_path(std::string_view camera_path) const;
  // A fresh local path for a new file: PREFIX_NNNN.EXT, next free number.
  // The name is claimed by creating its part_path().
  std::string reserve(const char *prefix, const char *ext);

  // What the listed files hold, in bytes (hidden files do not count).
  uint64_t used_bytes() const;
  // Deletes a listed file by its camera path; false if it is not listed.
  bool remove(std::string_view camera_path);
  // Deletes every listed file (hidden ones, like the configuration, stay).
  void format();

  static bool safe_name(std::string_view name);
  // Where a file is written before it is renamed into place (hidden, so
  // never listed half-written): DIR/.NAME.part
  static std::string part_path(const std::string &path);

 private:
  std::string dir_;
  bool temporary_ = false;
  std::atomic<uint64_t> card_size_{0};
  std::atomic<bool> present_{true};
  std::mutex mutex_;
};

}  // namespace ipcam::sim
