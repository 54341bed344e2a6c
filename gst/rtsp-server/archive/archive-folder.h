// ArchiveFolder: one camera's archive on disk, DIR/NAME/, as a list of
// segments (segment-names.h); its retention, and the one way a request's
// path becomes a file in it.
//
// It only ever sees, serves or deletes regular files named as segments in
// day folders named as days, found without following a symbolic link:
// anything else a user keeps beside them is left alone.
#pragma once

#include <glib.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ipcam::server {

struct SegmentEntry {
  std::string relative;  // "2026-12-07/14-03-09+0100.mp4"
  uint64_t bytes = 0;
  gint64 start_unix = 0;     // from its name
  gint64 modified_unix = 0;  // its last write: when its last frame came
};

class ArchiveFolder {
 public:
  explicit ArchiveFolder(std::string root);  // DIR/NAME

  const std::string &root() const { return root_; }
  std::string absolute(const std::string &relative) const { return root_ + "/" + relative; }

  // Every segment, oldest first (by its start, then its -N).
  std::vector<SegmentEntry> list() const;

  // Retention: removes the oldest segments last written more than
  // `keep_s` ago (0: no age limit), then the oldest while all of them
  // (`current` included) take more than `max_bytes` (0: no size limit);
  // never `current`, the one being written. Then day folders left empty.
  // `segments` is list()'s, and loses what went. Returns what went.
  std::vector<std::string> prune(std::vector<SegmentEntry> &segments, guint64 keep_s, guint64 max_bytes,
                                 const std::string &current, gint64 now_unix) const;

  // `relative` as a file of this archive: its absolute path when it is a
  // segment's path and a regular file there; empty otherwise.
  std::string resolve(const std::string &relative) const;

 private:
  const std::string root_;
};

}  // namespace ipcam::server
