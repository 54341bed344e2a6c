// The --config file: a GKeyFile whose keys are the long option names.
//
//   [server]                 server-wide options (bind, port, linger, ...)
//   [camera NAME]            one per camera: address, control-port, ...,
//                            password-file, publish (a list)
//
// Only names are checked here (groups, and a camera's name); the values go
// through the same readers as the command line's (settings.h).
#pragma once

#include <string>
#include <vector>

namespace ipcam::server {

// One option as given: on the command line (camera empty until split) or
// in the file (camera = its group's NAME). `where` names it for an error:
// "--linger" or "FILE: [camera a] timeout".
struct Setting {
  std::string key;
  std::string value;
  std::string camera;
  std::string where;
};

struct ConfigFile {
  std::vector<Setting> server;            // [server], in file order
  std::vector<std::string> camera_names;  // [camera NAME] groups, in file order
  std::vector<Setting> cameras;           // their keys; publish gives one per list item
  // False with `error` set (naming the file, and the group or key).
  bool load(const std::string &path, std::string &error);
};

// [A-Za-z0-9_-], 1 to 64 characters.
bool valid_camera_name(const std::string &name);

}  // namespace ipcam::server
