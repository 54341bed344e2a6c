// ProcessFigures: see process-figures.h.
#include "metrics/process-figures.h"

#include <glib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace ipcam::server {

namespace {

// /proc/stat's btime: when the machine booted, in Unix seconds.
uint64_t boot_time() {
  g_autofree char *text = nullptr;
  if (!g_file_get_contents("/proc/stat", &text, nullptr, nullptr)) return 0;
  const char *line = strstr(text, "\nbtime ");
  return line ? g_ascii_strtoull(line + 7, nullptr, 10) : 0;
}

uint64_t count_fds() {
  GDir *dir = g_dir_open("/proc/self/fd", 0, nullptr);
  if (!dir) return 0;
  uint64_t n = 0;
  while (g_dir_read_name(dir)) n++;
  g_dir_close(dir);
  return n > 0 ? n - 1 : 0;  // the one g_dir_open holds
}

}  // namespace

ProcessFigures read_process_figures() {
  ProcessFigures f;
  g_autofree char *stat = nullptr;
  if (!g_file_get_contents("/proc/self/stat", &stat, nullptr, nullptr)) return f;
  // The command name (field 2) may hold spaces and ')': the fields that
  // follow start after its last ')'. Field 3 is the state.
  const char *close = strrchr(stat, ')');
  if (!close) return f;
  g_auto(GStrv) fields = g_strsplit(close + 2, " ", -1);
  if (g_strv_length(fields) < 22) return f;
  // fields[0] is field 3: utime is 14, stime 15, starttime 22, vsize 23, rss 24.
  const double ticks = double(sysconf(_SC_CLK_TCK));
  const auto field = [&](int n) { return g_ascii_strtoull(fields[n - 3], nullptr, 10); };
  f.cpu_s = double(field(14) + field(15)) / ticks;
  f.start_time_s = double(boot_time()) + double(field(22)) / ticks;
  f.virtual_bytes = field(23);
  f.resident_bytes = field(24) * uint64_t(sysconf(_SC_PAGESIZE));
  f.open_fds = count_fds();
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) f.max_fds = limit.rlim_cur;
  f.read = true;
  return f;
}

}  // namespace ipcam::server
