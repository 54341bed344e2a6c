// Stored files: download from the camera's HTTP server (libsoup 3).
#pragma once

#include <gio/gio.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace ipcam {

// The local file name for a camera path: its last component, checked.
// Rejects (IPCAM_ERROR_UNSAFE_PATH) empty names, ".", "..", NUL bytes,
// backslashes, and anything that is not a plain name.
std::optional<std::string> safe_local_name(const std::string &camera_path, GError **error);

struct DownloadOptions {
  std::string host;        // camera address
  uint16_t port = 80;      // camera HTTP port
  std::string interface;   // tie the connection to this interface; empty = any
  unsigned timeout_ms = 10000;  // connect / idle timeout
  uint64_t expected_size = 0;   // from the file list; 0 = unknown
  bool resume = false;     // keep a partial file and continue with a Range request
  bool overwrite = true;
};

// (bytes so far, total or 0 if unknown)
using ProgressCallback = std::function<void(uint64_t done, uint64_t total)>;

// Downloads `camera_path` (as in the file list) into `dest_dir`. Writes to a
// temporary name in dest_dir, renamed only when complete (and of the
// expected size when one is given); on failure or cancellation nothing is
// left behind unless options.resume (then the partial file is kept as
// NAME.part for a later resume). Returns the final local path.
std::optional<std::string> download_file(const DownloadOptions &options, const std::string &camera_path,
                                         const std::string &dest_dir, const ProgressCallback &progress,
                                         GCancellable *cancellable, GError **error);

// http://host:port/path with the path percent-escaped where needed.
std::string file_url(const std::string &host, uint16_t port, const std::string &camera_path);

}  // namespace ipcam
