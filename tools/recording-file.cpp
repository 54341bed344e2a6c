// RecordingFile: the library's PartFile (a fresh name opened exclusively,
// never through a symbolic link, renamed at the end), with the CLI's rules
// and exit codes.
#include "recording-file.h"

#include "ipcam/error.h"

namespace ipcam::cli {

bool RecordingFile::open(const std::string &target, bool force, Failure &failure) {
  target_ = target;
  force_ = force;
  if (!force && g_file_test(target.c_str(), G_FILE_TEST_EXISTS)) {
    failure = {kExitUsage, target + " already exists; give --force to replace it"};
    return false;
  }
  // Beside the target: the same file system, so the rename is atomic.
  g_autoptr(GError) error = nullptr;
  if (!part_.create(target, &error)) {
    failure = {kExitIo, error->message};
    return false;
  }
  return true;
}

bool RecordingFile::commit(Failure &failure) {
  g_autoptr(GError) error = nullptr;
  if (part_.commit(&error, force_)) return true;
  // Without --force a file that appeared meanwhile is not replaced; either
  // way the recording is kept under its temporary name, which the error says.
  failure = {g_error_matches(error, IPCAM_ERROR, IPCAM_ERROR_EXISTS) ? kExitUsage : kExitIo,
             std::string("the recording: ") + error->message};
  return false;
}

}  // namespace ipcam::cli
