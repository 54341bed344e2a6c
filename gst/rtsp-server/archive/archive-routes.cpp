// The archive's endpoints: see archive-routes.h.
#include "archive/archive-routes.h"

#include "archive/archive.h"
#include "archive/segment-file.h"
#include "archive/segment-names.h"
#include "http/json.h"
#include "http/reply.h"

#include <cmath>
#include <map>
#include <mutex>

namespace ipcam::server {

namespace {

// What each closed segment holds, read once (a scan walks every fragment).
struct ScanCache {
  std::mutex lock;
  struct Entry {
    uint64_t bytes;
    gint64 modified;
    SegmentScan scan;
  };
  std::map<std::string, Entry> entries;  // by absolute path
};

ScanCache &scan_cache() {
  static ScanCache cache;
  return cache;
}

SegmentScan cached_scan(const std::string &path, const SegmentEntry &e) {
  ScanCache &c = scan_cache();
  {
    std::lock_guard<std::mutex> l(c.lock);
    auto it = c.entries.find(path);
    if (it != c.entries.end() && it->second.bytes == e.bytes && it->second.modified == e.modified_unix)
      return it->second.scan;
  }
  const SegmentScan scan = scan_segment(path);
  std::lock_guard<std::mutex> l(c.lock);
  if (c.entries.size() > 100000) c.entries.clear();
  c.entries[path] = {e.bytes, e.modified_unix, scan};
  return scan;
}

void add_segment(JsonBuilder *b, const ArchiveFolder &folder, const SegmentEntry &e, bool writing) {
  const SegmentScan scan = cached_scan(folder.absolute(e.relative), e);
  g_autoptr(GDateTime) start = segment_start(e.relative);
  json_builder_begin_object(b);
  add_string(b, "path", e.relative);
  add_string(b, "start", iso8601(start));
  json_builder_set_member_name(b, "end");
  if (writing) {
    json_builder_add_null_value(b);
  } else {
    g_autoptr(GDateTime) end = g_date_time_add(start, GTimeSpan(std::llround(scan.seconds * 1000)) * 1000);
    json_builder_add_string_value(b, iso8601(end, true).c_str());
  }
  add_int(b, "duration_ms", std::llround(scan.seconds * 1000));
  add_int(b, "bytes", gint64(e.bytes));
  add_int(b, "frames", gint64(scan.frames));
  json_builder_end_object(b);
}

void send_error(SoupServerMessage *msg, guint status, const std::string &text) {
  Reply r;
  error_reply(r, status, text.c_str());
  send_reply(msg, r);
}

}  // namespace

// {"dir", "state", "error", "dropped_gops", "segments": [{"path", "start",
// "end" (null while written), "duration_ms", "bytes", "frames"}]}, oldest first.
void list_archive(Request &r) {
  Archive *archive = r.camera->archive();
  if (!archive) {
    send_error(r.msg, SOUP_STATUS_NOT_FOUND,
               "camera " + r.camera->name() + " has no archive: give it --archive DIR (or archive=DIR in its [camera] group)");
    return;
  }
  const ArchiveStatus status = archive->status();
  const std::string writing = archive->current();
  const ArchiveFolder folder = archive->folder();
  r.served.workers->run(r.msg, [status, writing, folder](Reply &out) {
    g_autoptr(JsonBuilder) b = json_builder_new();
    json_builder_begin_object(b);
    add_string(b, "dir", status.dir);
    add_string(b, "state", status.state);
    add_string(b, "error", status.error);
    add_int(b, "dropped_gops", gint64(status.dropped_gops));
    json_builder_set_member_name(b, "segments");
    json_builder_begin_array(b);
    for (const auto &e : folder.list()) add_segment(b, folder, e, e.relative == writing);
    json_builder_end_array(b);
    json_builder_end_object(b);
    json_reply(out, SOUP_STATUS_OK, b);
  });
}

void download_archive(Request &r) {
  Archive *archive = r.camera->archive();
  const char *p = r.query ? static_cast<const char *>(g_hash_table_lookup(r.query, "path")) : nullptr;
  if (!archive) {
    send_error(r.msg, SOUP_STATUS_NOT_FOUND, "camera " + r.camera->name() + " has no archive");
    return;
  }
  std::string relative = p ? p : "";
  // A '+' left unescaped in the query arrives as a space: names have none.
  for (char &c : relative)
    if (c == ' ') c = '+';
  const std::string prefix = "/api/cameras/" + r.camera->name() + "/archive";
  if (!is_segment_path(relative)) {
    send_error(r.msg, SOUP_STATUS_BAD_REQUEST,
               "give a segment's path as GET " + prefix + " lists it: " + prefix + "/download?path=DAY/FILE.mp4");
    return;
  }
  const std::string path = archive->folder().resolve(relative);
  Reply reply;
  g_autoptr(GError) error = nullptr;
  if (path.empty()) error_reply(reply, SOUP_STATUS_NOT_FOUND, ("no segment " + relative + " in the archive").c_str());
  else if (!file_reply(reply, path, "attachment", &error)) error_reply(reply, SOUP_STATUS_NOT_FOUND, error->message);
  // Saved as CAMERA-DAY-TIME.mp4: segments of several cameras and days side by side.
  if (!path.empty() && !error) reply.filename = r.camera->name() + "-" + relative.substr(0, 10) + "-" + relative.substr(11);
  send_reply(r.msg, reply);
}

}  // namespace ipcam::server
