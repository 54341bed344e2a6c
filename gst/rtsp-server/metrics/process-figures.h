// ProcessFigures: what the standard process_* metrics say of this server
// (the names every Prometheus client library exports, so the usual
// dashboards and alerts work unchanged), read from /proc at each scrape.
#pragma once

#include <cstdint>

namespace ipcam::server {

struct ProcessFigures {
  bool read = false;            // false: /proc could not be read (the figures are 0)
  uint64_t resident_bytes = 0;  // process_resident_memory_bytes
  uint64_t virtual_bytes = 0;   // process_virtual_memory_bytes
  double start_time_s = 0;      // process_start_time_seconds, since the Unix epoch
  double cpu_s = 0;             // process_cpu_seconds_total, user + system
  uint64_t open_fds = 0;        // process_open_fds
  uint64_t max_fds = 0;         // process_max_fds, the soft limit
};

ProcessFigures read_process_figures();

}  // namespace ipcam::server
