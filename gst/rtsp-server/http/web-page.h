// The control page: plain HTML, CSS and JavaScript compiled into the
// server as a GResource (web/), served at / (to a browser), /index.html
// and /web/FILE.
#pragma once

#include <libsoup/soup.h>

#include <string>

namespace ipcam::server {

// True when the request asks for JSON and not HTML (Accept names
// application/json but not text/html): a JSON client at /, which is sent
// to /api/. Browsers, curl and anything else at / get the page.
bool wants_json(SoupServerMessage *msg);
// Answers with the page's file `name` ("index.html", "page.css"), or 404.
void serve_page_file(SoupServerMessage *msg, const std::string &name);

}  // namespace ipcam::server
