// The control page: plain HTML, CSS and JavaScript compiled into the
// server as a GResource (web/), served at / and /web/.
#pragma once

#include <libsoup/soup.h>

#include <string>

namespace ipcam_rtsp {

// Answers GET / (for a browser: Accept names text/html) and GET /web/FILE.
// Returns false for any other request, which is not the page's.
bool serve_page(SoupServerMessage *msg, const std::string &path);

}  // namespace ipcam_rtsp
