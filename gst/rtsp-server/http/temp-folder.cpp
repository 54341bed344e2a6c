// TempFolder: see temp-folder.h.
#include "http/temp-folder.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <mutex>
#include <set>

namespace ipcam::server {

namespace {

// Every temporary folder of a running request, so that none outlives the
// server even when a request cannot end in time.
std::mutex g_folders_mutex;
std::set<std::string> g_folders;

}  // namespace

TempFolder::TempFolder() {
  g_autofree char *p = g_dir_make_tmp("ipcam-rtsp-XXXXXX", nullptr);
  if (!p) return;
  path = p;
  std::lock_guard<std::mutex> l(g_folders_mutex);
  g_folders.insert(path);
}

TempFolder::~TempFolder() {
  if (path.empty()) return;
  remove(path);
  std::lock_guard<std::mutex> l(g_folders_mutex);
  g_folders.erase(path);
}

void TempFolder::remove(const std::string &path) {
  if (GDir *d = g_dir_open(path.c_str(), 0, nullptr)) {
    while (const char *name = g_dir_read_name(d)) {
      g_autofree char *f = g_build_filename(path.c_str(), name, nullptr);
      g_unlink(f);
    }
    g_dir_close(d);
  }
  g_rmdir(path.c_str());
}

void TempFolder::remove_all() {
  std::lock_guard<std::mutex> l(g_folders_mutex);
  for (const auto &path : g_folders) remove(path);
}

}  // namespace ipcam::server
