// The MP4 file of `ipcam preview`: video goes into a temporary file beside
// the target, and the target name appears only when the file is finished,
// so a failure never leaves a broken MP4 nor touches another file.
#pragma once

#include "cli.h"
#include "ipcam/part-file.h"

#include <string>

namespace ipcam::cli {

class RecordingFile {
 public:
  RecordingFile() = default;
  RecordingFile(const RecordingFile &) = delete;
  RecordingFile &operator=(const RecordingFile &) = delete;
  // The temporary file goes with it unless commit() named (or kept) it.

  // Refuses an existing `target` unless `force` (exit 2) and creates the
  // temporary file exclusively (never through a symbolic link).
  bool open(const std::string &target, bool force, Failure &failure);
  // Descriptor of the temporary file, for fdsink (it seeks, so mp4mux can
  // write its index at the end).
  int fd() const { return part_.fd(); }
  // Gives the finished file its name; without `force` it never replaces a
  // file that appeared meanwhile (then the recording keeps its temporary name).
  bool commit(Failure &failure);

 private:
  PartFile part_;
  std::string target_;
  bool force_ = false;
};

}  // namespace ipcam::cli
