// Reading a segment's boxes: see segment-file.h.
#include "archive/segment-file.h"

#include <glib.h>
#include <glib/gstdio.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace ipcam::server {

namespace {

constexpr uint64_t kMaxBoxRead = 4 << 20;

uint32_t be32(const uint8_t *p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
uint64_t be64(const uint8_t *p) { return uint64_t(be32(p)) << 32 | be32(p + 4); }

struct Box {
  char type[5] = {};
  uint64_t offset = 0, size = 0, header = 8;
};

// The box at `offset` in the file, or false at the end or on a size that
// cannot be (0 = "to the end" is only taken for mdat, which qtmux writes
// that way until it knows the size).
bool read_box_header(int fd, uint64_t offset, uint64_t file_size, Box &box) {
  uint8_t h[16];
  if (offset + 8 > file_size || pread(fd, h, 16, off_t(offset)) < 8) return false;
  box.offset = offset;
  box.size = be32(h);
  memcpy(box.type, h + 4, 4);
  box.header = 8;
  if (box.size == 1) {
    if (offset + 16 > file_size) return false;
    box.size = be64(h + 8);
    box.header = 16;
  } else if (box.size == 0) {
    box.size = file_size - offset;
  }
  return box.size >= box.header;
}

// A child box inside [begin, end) of `data`, by type.
const uint8_t *find_child(const uint8_t *begin, const uint8_t *end, const char *type, const uint8_t **child_end) {
  while (end - begin >= 8) {
    const uint32_t size = be32(begin);
    if (size < 8 || size > uint64_t(end - begin)) return nullptr;
    if (!memcmp(begin + 4, type, 4)) {
      *child_end = begin + size;
      return begin + 8;
    }
    begin += size;
  }
  return nullptr;
}

bool read_whole(int fd, const Box &box, std::vector<uint8_t> &data) {
  if (box.size > kMaxBoxRead) return false;
  data.resize(box.size);
  return pread(fd, data.data(), box.size, off_t(box.offset)) == ssize_t(box.size);
}

struct Track {
  uint32_t timescale = 0;
  uint32_t default_duration = 0;  // trex
};

void read_moov(const std::vector<uint8_t> &moov, Track &t) {
  const uint8_t *b = moov.data() + 8, *e = moov.data() + moov.size(), *end = nullptr;
  if (const uint8_t *trak = find_child(b, e, "trak", &end)) {
    const uint8_t *mdia_end = nullptr, *mdhd_end = nullptr;
    if (const uint8_t *mdia = find_child(trak, end, "mdia", &mdia_end))
      if (const uint8_t *mdhd = find_child(mdia, mdia_end, "mdhd", &mdhd_end); mdhd && mdhd_end - mdhd >= 4) {
        const size_t at = mdhd[0] == 1 ? 20 : 12;  // after version/flags and the two dates
        if (mdhd_end - mdhd >= ptrdiff_t(at + 4)) t.timescale = be32(mdhd + at);
      }
  }
  if (const uint8_t *mvex = find_child(b, e, "mvex", &end)) {
    const uint8_t *trex_end = nullptr;
    const uint8_t *trex = find_child(mvex, end, "trex", &trex_end);
    if (trex && trex_end - trex >= 24) t.default_duration = be32(trex + 12);
  }
}

struct Fragment {
  uint64_t frames = 0, duration = 0;
  bool keyframe_first = false;
};

// One moof's traf: its trun's samples and durations.
bool read_moof(const std::vector<uint8_t> &moof, const Track &track, Fragment &f) {
  const uint8_t *b = moof.data() + 8, *e = moof.data() + moof.size(), *traf_end = nullptr;
  const uint8_t *traf = find_child(b, e, "traf", &traf_end);
  if (!traf) return false;
  uint32_t default_duration = track.default_duration, default_flags = 0;
  const uint8_t *end = nullptr;
  if (const uint8_t *tfhd = find_child(traf, traf_end, "tfhd", &end); tfhd && end - tfhd >= 8) {
    const uint32_t flags = be32(tfhd) & 0xFFFFFF;
    const uint8_t *p = tfhd + 8;  // after version/flags and track_ID
    if (flags & 0x01) p += 8;
    if (flags & 0x02) p += 4;
    if ((flags & 0x08) && p + 4 <= end) default_duration = be32(p), p += 4;
    if (flags & 0x10) p += 4;
    if ((flags & 0x20) && p + 4 <= end) default_flags = be32(p);
  }
  const uint8_t *trun = find_child(traf, traf_end, "trun", &end);
  if (!trun || end - trun < 8) return false;
  const uint32_t flags = be32(trun) & 0xFFFFFF;
  const uint32_t count = be32(trun + 4);
  const uint8_t *p = trun + 8;
  if (flags & 0x01) p += 4;
  uint32_t first_flags = default_flags;
  bool first_flags_set = false;
  if ((flags & 0x04) && end - p >= 4) first_flags = be32(p), p += 4, first_flags_set = true;
  const size_t per = 4 * (!!(flags & 0x100) + !!(flags & 0x200) + !!(flags & 0x400) + !!(flags & 0x800));
  if (p > end || uint64_t(end - p) < uint64_t(count) * per) return false;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *q = p + i * per;
    uint32_t duration = default_duration, sample_flags = default_flags;
    if (flags & 0x100) duration = be32(q), q += 4;
    if (flags & 0x200) q += 4;
    if (flags & 0x400) sample_flags = be32(q);
    if (i == 0) f.keyframe_first = !((first_flags_set ? first_flags : sample_flags) & 0x10000);  // sample_is_non_sync
    f.duration += duration;
  }
  f.frames = count;
  return true;
}

}  // namespace

SegmentScan scan_segment(const std::string &path) {
  SegmentScan scan;
  const int fd = g_open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) return scan;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return scan;
  }
  scan.bytes = uint64_t(st.st_size);
  Track track;
  uint64_t offset = 0, duration = 0;
  bool first_fragment = true, pending_moof = false;
  Fragment fragment;
  std::vector<uint8_t> data;
  Box box;
  while (read_box_header(fd, offset, scan.bytes, box)) {
    if (box.offset + box.size > scan.bytes) break;  // cut short: not whole
    const std::string type(box.type);
    if (type == "moov") {
      if (!read_whole(fd, box, data)) break;
      read_moov(data, track);
      scan.readable = track.timescale > 0;
    } else if (type == "moof") {
      fragment = {};
      if (!scan.readable || !read_whole(fd, box, data) || !read_moof(data, track, fragment)) break;
      pending_moof = true;
      offset += box.size;
      continue;  // whole once its mdat is
    } else if (type == "mdat" && pending_moof) {
      if (first_fragment) scan.keyframe_first = fragment.keyframe_first;
      first_fragment = false;
      scan.frames += fragment.frames;
      duration += fragment.duration;
      pending_moof = false;
    }
    offset += box.size;
    scan.whole_bytes = offset;
  }
  close(fd);
  if (track.timescale) scan.seconds = double(duration) / track.timescale;
  return scan;
}

bool repair_segment(const std::string &path, std::string &error) {
  const SegmentScan scan = scan_segment(path);
  if (scan.bytes == scan.whole_bytes && scan.frames > 0) return true;
  if (scan.frames == 0) {
    if (g_unlink(path.c_str()) == 0 || errno == ENOENT) return true;
    error = "cannot remove " + path + ": " + g_strerror(errno);
    return false;
  }
  if (truncate(path.c_str(), off_t(scan.whole_bytes)) == 0) return true;
  error = "cannot cut " + path + " back to its last whole fragment: " + g_strerror(errno);
  return false;
}

}  // namespace ipcam::server
