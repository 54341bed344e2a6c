// The archive's endpoints on the control API (docs/archive.md), rows of
// the route table (http/routes.cpp):
//   GET /api/cameras/NAME/archive                     its state and segments
//   GET /api/cameras/NAME/archive/download?path=DAY/FILE  one segment
#pragma once

#include "http/route-request.h"

namespace ipcam::server {

void list_archive(Request &r);
void download_archive(Request &r);

}  // namespace ipcam::server
