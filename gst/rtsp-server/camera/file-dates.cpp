// File dates from the camera's HTTP server: see file-dates.h.
#include "camera/file-dates.h"

#include "ipcam/download.h"

#include <libsoup/soup.h>

#include <algorithm>

namespace ipcam::server {

std::vector<gint64> file_dates(const ipcam::CameraEndpoint &endpoint, const std::vector<ipcam::FileEntry> &files,
                               size_t max_files, GCancellable *cancel) {
  std::vector<gint64> dates(files.size(), 0);
  if (!endpoint.interface.empty() || endpoint.address.empty()) return dates;
  const guint timeout_s = std::max(1u, std::min(endpoint.timeout_ms, 5000u) / 1000);
  g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", timeout_s, "max-conns-per-host", 1,
                                                                 "user-agent", "ipcam/" IPCAM_VERSION, nullptr);
  for (size_t i = 0; i < files.size() && i < max_files; i++) {
    if (g_cancellable_is_cancelled(cancel)) break;
    const std::string url = ipcam::file_url(endpoint.address, endpoint.http_port, files[i].path);
    g_autoptr(SoupMessage) msg = soup_message_new("HEAD", url.c_str());
    if (!msg) continue;
    g_autoptr(GBytes) body = soup_session_send_and_read(session, msg, cancel, nullptr);
    if (soup_message_get_status(msg) != SOUP_STATUS_OK) {
      if (!body) break;  // the camera's HTTP server does not answer: no dates at all
      continue;
    }
    const char *date = soup_message_headers_get_one(soup_message_get_response_headers(msg), "Last-Modified");
    g_autoptr(GDateTime) when = date ? soup_date_time_new_from_http_string(date) : nullptr;
    if (when) dates[i] = g_date_time_to_unix(when);
  }
  return dates;
}

}  // namespace ipcam::server
