// Password files (--password-file, --rtsp-password-file, password-file=):
// a password kept out of the command line and the --config file.
#pragma once

#include <string>

namespace ipcam::server {

// Reads a password from a file that only its owner may read (else an
// error: group or others could read it); one trailing newline is dropped.
// A leading $CREDENTIALS_DIRECTORY (systemd's LoadCredential=) is expanded.
// The error never holds the file's content.
bool read_password_file(const std::string &path, std::string &password, std::string &error);

}  // namespace ipcam::server
