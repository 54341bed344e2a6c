// The --config file and password files: see config-file.h.
#include "config-file.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ipcam_rtsp {

namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;
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

bool ConfigFile::load(const std::string &path, std::string &error) {
  g_autofree char *contents = nullptr;
  gsize length = 0;
  g_autoptr(GError) e = nullptr;
  if (!g_file_get_contents(path.c_str(), &contents, &length, &e)) {
    error = "--config " + path + ": " + e->message;
    return false;
  }
  if (length > kMaxConfigBytes) {
    error = "--config " + path + ": over 1 MiB, not a configuration";
    return false;
  }
  g_autoptr(GKeyFile) kf = g_key_file_new();
  if (!g_key_file_load_from_data(kf, contents, length, G_KEY_FILE_NONE, &e)) {
    error = "--config " + path + ": " + e->message;
    return false;
  }
  gsize n_groups = 0;
  g_auto(GStrv) groups = g_key_file_get_groups(kf, &n_groups);
  if (n_groups == 0) {
    error = path + ": no [server] or [camera NAME] group";
    return false;
  }
  for (gsize g = 0; g < n_groups; g++) {
    const std::string group = groups[g];
    std::string camera;
    if (group.rfind("camera ", 0) == 0) {
      camera = group.substr(7);
      if (!valid_camera_name(camera)) {
        error = path + ": [" + group + "]: a camera's name is 1 to 64 of A-Z a-z 0-9 - _";
        return false;
      }
      for (const auto &other : camera_names)
        if (other == camera) {
          error = path + ": [" + group + "] twice";
          return false;
        }
      camera_names.push_back(camera);
    } else if (group != "server") {
      error = path + ": unknown group [" + group + "]; there are [server] and [camera NAME]";
      return false;
    }
    g_auto(GStrv) keys = g_key_file_get_keys(kf, groups[g], nullptr, nullptr);
    for (GStrv k = keys; k && *k; k++) {
      const std::string where = path + ": [" + group + "] " + *k;
      if (camera.empty() && !strcmp(*k, "camera")) {
        error = where + ": cameras are [camera NAME] groups, with address=ADDRESS";
        return false;
      }
      if (!strcmp(*k, "password") || !strcmp(*k, "rtsp-password")) {
        error = where + ": a password does not go in this file; give " + *k + "-file=PATH (mode 600)";
        return false;
      }
      auto &into = camera.empty() ? server : cameras;
      const bool list = !strcmp(*k, "publish") || !strcmp(*k, "broadcast") || !strcmp(*k, "discovery-port");
      if (list) {
        g_auto(GStrv) items = g_key_file_get_string_list(kf, groups[g], *k, nullptr, &e);
        if (!items) {
          error = where + ": " + e->message;
          return false;
        }
        for (GStrv i = items; *i; i++) into.push_back({*k, *i, camera, where});
        continue;
      }
      g_autofree char *value = g_key_file_get_string(kf, groups[g], *k, &e);
      if (!value) {
        error = where + ": " + e->message;
        return false;
      }
      into.push_back({*k, value, camera, where});
    }
  }
  return true;
}

}  // namespace ipcam_rtsp
