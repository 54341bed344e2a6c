// The URLs a camera's stream can be published to (rtmp://, rtmps://,
// rtsp://, srt://), checked as the options are read, and shown in logs,
// errors and the status without their credentials.
#pragma once

#include <string>

namespace ipcam::server {

// True for a URL that can be published to; false with a usage text otherwise.
bool check_publish_url(const std::string &url, std::string &error);
// `url` with its user, password and secret query values taken out.
std::string printable_url(const std::string &url);
// The scheme in lower case ("rtmp"), empty if none.
std::string url_scheme(const std::string &url);
// The userinfo of the URL ("user:password"), empty if none.
std::string url_userinfo(const std::string &url);

}  // namespace ipcam::server
