// TempFolder: where one control API request downloads from the camera.
#pragma once

#include <string>

namespace ipcam::server {

// A private folder for one request's download, removed with what is in
// it; remove_all() takes those of requests that could not end in time.
struct TempFolder {
  std::string path;
  TempFolder();
  ~TempFolder();
  TempFolder(const TempFolder &) = delete;
  TempFolder &operator=(const TempFolder &) = delete;
  static void remove(const std::string &path);
  static void remove_all();
};

}  // namespace ipcam::server
