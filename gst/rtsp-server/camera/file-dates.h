// When each stored file was written. The camera's file list has sizes but
// no dates; its HTTP server sends each file's Last-Modified (from the
// camera's clock, which the server sets after each login: sync-clock).
// The page shows them and lists the newest first. Blocking: a worker's.
#pragma once

#include "ipcam/endpoint.h"
#include "ipcam/filelist.h"

#include <gio/gio.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ipcam::server {

// Unix seconds per file of `files` (0 where the camera gave none), asked
// with one HEAD request each on one connection, for at most `max_files`
// files (the rest 0). None when the endpoint is tied to an interface
// (libsoup's own sockets would not be) or `cancel` fires.
std::vector<gint64> file_dates(const ipcam::CameraEndpoint &endpoint, const std::vector<ipcam::FileEntry> &files,
                               size_t max_files, GCancellable *cancel);

}  // namespace ipcam::server
