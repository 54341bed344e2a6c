#include "wall-clock.h"

#include <glib/gstdio.h>
#include <utime.h>

namespace ipcam::sim {

bool WallClock::set(ByteView payload) {
  if (payload.size() < 36) return false;
  int32_t v[9];
  for (int i = 0; i < 9; i++) v[i] = int32_t(load_le32(payload.data() + 4 * i));
  int32_t sec = v[0], min = v[1], hour = v[2], mday = v[3], mon = v[4], year = v[5];
  // wday, yday and isdst follow from the date here: they are not checked.
  if (sec < 0 || sec > 60 || min < 0 || min > 59 || hour < 0 || hour > 23 || mday < 1 ||
      mday > 31 || mon < 1 || mon > 12 || year < 1970 || year > 2099)
    return false;
  if (mday > g_date_get_days_in_month(GDateMonth(mon), GDateYear(year))) return false;
  g_autoptr(GTimeZone) tz = g_time_zone_new_local();
  g_autoptr(GDateTime) t = g_date_time_new(tz, year, mon, mday, hour, min, sec > 59 ? 59 : sec);
  if (!t) return false;
  offset_us_ = g_date_time_to_unix(t) * G_USEC_PER_SEC - g_get_real_time();
  return true;
}

int64_t WallClock::now_us() const { return g_get_real_time() + offset_us_; }

std::string WallClock::text() const {
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(now_us() / G_USEC_PER_SEC);
  g_autofree char *s = t ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%S") : nullptr;
  return s ? s : "";
}

void WallClock::date_file(const std::string &path) const {
  struct utimbuf times;
  times.actime = times.modtime = time_t(now_us() / G_USEC_PER_SEC);
  if (g_utime(path.c_str(), &times) != 0)
    g_warning("dating %s: %s", path.c_str(), g_strerror(errno));
}

}  // namespace ipcam::sim
