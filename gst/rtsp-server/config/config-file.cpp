// The --config file: see config-file.h.
#include "config/config-file.h"

#include <glib.h>

#include <cstring>

namespace ipcam::server {

namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;

}  // namespace

bool valid_camera_name(const std::string &name) {
  if (name.empty() || name.size() > 64) return false;
  for (char ch : name)
    if (!g_ascii_isalnum(ch) && ch != '-' && ch != '_') return false;
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
      const bool list = !strcmp(*k, "publish") || !strcmp(*k, "broadcast") || !strcmp(*k, "discovery-port") ||
                        !strcmp(*k, "allowed-host");
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

}  // namespace ipcam::server
