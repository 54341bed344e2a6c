// Password files: see password-file.h.
#include "config/password-file.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ipcam::server {

namespace {

constexpr size_t kMaxPasswordBytes = 4096;

std::string expand_credentials(const std::string &path, std::string &error) {
  for (const char *var : {"$CREDENTIALS_DIRECTORY", "${CREDENTIALS_DIRECTORY}"}) {
    if (path.rfind(var, 0) != 0) continue;
    const char *dir = g_getenv("CREDENTIALS_DIRECTORY");
    if (!dir || !*dir) {
      error = path + ": $CREDENTIALS_DIRECTORY is not set (systemd sets it with LoadCredential=)";
      return {};
    }
    return dir + path.substr(strlen(var));
  }
  return path;
}

}  // namespace

bool read_password_file(const std::string &given, std::string &password, std::string &error) {
  const std::string path = expand_credentials(given, error);
  if (path.empty()) {
    if (error.empty()) error = "an empty file name";
    return false;
  }
  const int fd = g_open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);
  if (fd < 0) {
    error = path + ": " + g_strerror(errno);
    return false;
  }
  struct stat st {};
  std::string text;
  bool ok = fstat(fd, &st) == 0;
  if (!ok) {
    error = path + ": " + g_strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    error = path + ": not a regular file";
    ok = false;
  } else if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
    char mode[8];
    g_snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
    error = path + ": group or others may read it (mode " + mode + "): chmod 600 " + path;
    ok = false;
  } else if (st.st_size > off_t(kMaxPasswordBytes)) {
    error = path + ": too long for a password (over 4096 bytes)";
    ok = false;
  } else {
    char buf[kMaxPasswordBytes + 1];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0 && text.size() <= kMaxPasswordBytes) text.append(buf, size_t(n));
    if (n < 0) {
      error = path + ": " + g_strerror(errno);
      ok = false;
    } else if (text.size() > kMaxPasswordBytes) {
      error = path + ": too long for a password (over 4096 bytes)";
      ok = false;
    }
  }
  close(fd);
  if (!ok) return false;
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (!text.empty() && text.back() == '\r') text.pop_back();
  if (text.empty()) {
    error = path + ": empty (no password in it)";
    return false;
  }
  password = text;
  return true;
}

}  // namespace ipcam::server
