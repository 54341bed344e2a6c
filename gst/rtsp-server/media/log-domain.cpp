// The media library's log domain: see log-domain.h.
#include "media/log-domain.h"

#include <atomic>

namespace ipcam::server {

namespace {

std::atomic<const char *> g_domain{"ipcam-rtsp-server"};

}  // namespace

void set_media_log_domain(const char *domain) { g_domain = domain; }

const char *media_log_domain() { return g_domain; }

}  // namespace ipcam::server
