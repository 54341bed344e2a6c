// The log domain of the media library's messages (the hub's, the feeds'
// and the publications'): the program's own, "ipcam-rtsp-server" unless
// set otherwise at start (`ipcam publish` sets "ipcam-cli"), so that its
// lines read as the program's wherever the library is linked.
// The library's sources that log define G_LOG_DOMAIN, which GLib's
// logging macros read at each call, as media_log_domain().
#pragma once

#include <glib.h>

namespace ipcam::server {

// Once, before any media object exists.
void set_media_log_domain(const char *domain);
const char *media_log_domain();

}  // namespace ipcam::server
