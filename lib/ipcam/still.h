// Taking a picture and finding it on the card: the camera answers "still
// saved" but names no file, so the new picture is the JPEG that appears in
// the file list. The element's take-still-fetch, the server's POST /still
// and `ipcam still --fetch` all use this one.
#pragma once

#include "ipcam/filelist.h"
#include "ipcam/session.h"

#include <glib.h>

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace ipcam {

// A picture by its name: .jpg or .jpeg, any case.
bool is_picture(std::string_view camera_path);

// The picture in `after` that `before` did not list (the last one in list
// order when there are several). IPCAM_ERROR_FAILED when there is none,
// e.g. only a new video appeared.
std::optional<FileEntry> new_picture(const std::vector<FileEntry> &before, const std::vector<FileEntry> &after,
                                     GError **error);

using FileListRequest = std::function<std::optional<std::vector<FileEntry>>(GError **)>;
using StillRequest = std::function<bool(GError **)>;

// File list, still, file list, then new_picture(): for whatever carries the
// requests (a ControlSession, or ipcamsrc's action signals).
std::optional<FileEntry> take_still_picture(const FileListRequest &file_list, const StillRequest &take_still,
                                            GError **error);
std::optional<FileEntry> take_still_picture(ControlSession &session, GError **error);

}  // namespace ipcam
