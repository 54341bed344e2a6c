// Segment names: see segment-names.h.
#include "archive/segment-names.h"

#include <cstdio>

namespace ipcam::server {

namespace {

bool digits(const std::string &s, size_t from, size_t n) {
  if (from + n > s.size()) return false;
  for (size_t i = from; i < from + n; i++)
    if (!g_ascii_isdigit(s[i])) return false;
  return true;
}

// HH-MM-SS±ZZZZ[-N].mp4
bool is_segment_file(const std::string &f) {
  if (f.size() < 17 || !g_str_has_suffix(f.c_str(), ".mp4")) return false;
  if (!digits(f, 0, 2) || f[2] != '-' || !digits(f, 3, 2) || f[5] != '-' || !digits(f, 6, 2)) return false;
  if ((f[8] != '+' && f[8] != '-') || !digits(f, 9, 4)) return false;
  const size_t tail = f.size() - 4;  // where ".mp4" starts
  if (tail == 13) return true;
  // "-N", N from 2 (as segment_path() writes it: no leading zero)
  if (f[13] != '-' || tail <= 14 || tail - 14 > 6 || f[14] == '0' || !digits(f, 14, tail - 14)) return false;
  return !(tail == 15 && f[14] == '1');
}

}  // namespace

std::string segment_path(gint64 unix_us, unsigned serial, GTimeZone *zone) {
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(unix_us / G_USEC_PER_SEC);
  if (!utc) return {};
  g_autoptr(GTimeZone) local = zone ? g_time_zone_ref(zone) : g_time_zone_new_local();
  g_autoptr(GDateTime) t = g_date_time_to_timezone(utc, local);
  if (!t) return {};
  g_autofree char *name = g_date_time_format(t, "%Y-%m-%d/%H-%M-%S%z");
  std::string path = name;
  if (serial > 1) path += "-" + std::to_string(serial);
  return path + ".mp4";
}

bool is_day_folder(const std::string &d) {
  return d.size() == 10 && digits(d, 0, 4) && d[4] == '-' && digits(d, 5, 2) && d[7] == '-' && digits(d, 8, 2);
}

bool is_segment_path(const std::string &relative) {
  const size_t slash = relative.find('/');
  if (slash == std::string::npos) return false;
  return is_day_folder(relative.substr(0, slash)) && is_segment_file(relative.substr(slash + 1));
}

GDateTime *segment_start(const std::string &relative) {
  if (!is_segment_path(relative)) return nullptr;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char zone[6] = {};
  if (sscanf(relative.c_str(), "%4d-%2d-%2d/%2d-%2d-%2d%5c", &y, &mo, &d, &h, &mi, &s, zone) != 7) return nullptr;
  // "+0100" -> "+01:00", which GTimeZone reads
  const char iso_zone[] = {zone[0], zone[1], zone[2], ':', zone[3], zone[4], 0};
  GTimeZone *tz = g_time_zone_new_identifier(iso_zone);
  if (!tz) return nullptr;
  GDateTime *t = g_date_time_new(tz, y, mo, d, h, mi, s);
  g_time_zone_unref(tz);
  return t;
}

std::string iso8601(GDateTime *t, bool millis) {
  g_autofree char *day = g_date_time_format(t, "%Y-%m-%dT%H:%M:%S");
  g_autofree char *zone = g_date_time_format(t, "%:z");
  std::string out = day;
  if (millis) {
    char ms[8];
    g_snprintf(ms, sizeof ms, ".%03d", g_date_time_get_microsecond(t) / 1000);
    out += ms;
  }
  return out + zone;
}

}  // namespace ipcam::server
