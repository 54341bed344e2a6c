// The control port's routes: every path it answers, in one table
// (routes.cpp), and what each does. A request gets here once the guard
// (Host, Origin, auth, body size) let it through.
#pragma once

#include "camera/camera.h"
#include "http/workers.h"

#include <libsoup/soup.h>

#include <string>
#include <vector>

namespace ipcam::server {

// What the routes serve: the cameras, the control API's base URL, and the
// workers that run camera requests.
struct Served {
  std::vector<Camera *> cameras;  // in order
  Camera *default_camera = nullptr;  // also at /api/ENDPOINT and /ENDPOINT
  std::string url;                // "http://HOST:PORT/"
  Workers *workers = nullptr;
  // Whether requests that lose the camera's files or change its clock
  // (delete, format, clock) are taken: only with credentials, or when
  // bound to loopback only (nobody else can reach the port).
  bool may_erase = false;
};

// Answers `msg` for `path` (its "//" already made "/").
void route(const Served &served, SoupServerMessage *msg, const std::string &path, GHashTable *query);

}  // namespace ipcam::server
