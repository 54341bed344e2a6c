// The control page: plain HTML, CSS and JavaScript compiled into the
// server as a GResource (web/), served at / (to a browser), /index.html
// and /web/FILE.
#pragma once

#include <libsoup/soup.h>

#include <string>

namespace ipcam::server {

// True when the request asks for HTML (Accept names text/html): a
// browser at /, which gets the page; a JSON client there does not.
bool wants_html(SoupServerMessage *msg);
// Answers with the page's file `name` ("index.html", "page.css"), or 404.
void serve_page_file(SoupServerMessage *msg, const std::string &name);

}  // namespace ipcam::server
