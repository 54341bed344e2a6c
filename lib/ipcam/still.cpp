// Taking a picture and finding it on the card (see still.h).
#include "ipcam/still.h"

#include "ipcam/error.h"

#include <algorithm>
#include <set>
#include <string>

namespace ipcam {

bool is_picture(std::string_view camera_path) {
  auto ends_with = [camera_path](std::string_view suffix) {
    return camera_path.size() >= suffix.size() &&
           g_ascii_strncasecmp(camera_path.data() + camera_path.size() - suffix.size(), suffix.data(),
                               suffix.size()) == 0;
  };
  return ends_with(".jpg") || ends_with(".jpeg");
}

std::optional<FileEntry> new_picture(const std::vector<FileEntry> &before, const std::vector<FileEntry> &after,
                                     GError **error) {
  std::set<std::string_view> known;
  for (const auto &f : before) known.insert(f.path);
  auto it = std::find_if(after.rbegin(), after.rend(),
                         [&known](const FileEntry &f) { return !known.count(f.path) && is_picture(f.path); });
  if (it == after.rend()) {
    g_set_error_literal(error, IPCAM_ERROR, IPCAM_ERROR_FAILED,
                        "the camera took the still but no new picture appeared in its file list");
    return std::nullopt;
  }
  return *it;
}

std::optional<FileEntry> take_still_picture(const FileListRequest &file_list, const StillRequest &take_still,
                                            GError **error) {
  auto before = file_list(error);
  if (!before || !take_still(error)) return std::nullopt;
  auto after = file_list(error);
  if (!after) return std::nullopt;
  return new_picture(*before, *after, error);
}

std::optional<FileEntry> take_still_picture(ControlSession &session, GError **error) {
  return take_still_picture([&session](GError **e) { return session.file_list(e); },
                            [&session](GError **e) { return session.take_still(e); }, error);
}

}  // namespace ipcam
