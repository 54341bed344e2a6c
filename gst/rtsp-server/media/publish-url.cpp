// Publication URLs: see publish-url.h.
#include "media/publish-url.h"

#include <glib.h>

#include <algorithm>

namespace ipcam::server {

namespace {

// Query parameters whose value is a secret (SRT's passphrase, and the
// usual names); their values are never shown.
bool secret_key(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return char(g_ascii_tolower(c)); });
  for (const char *k : {"passphrase", "password", "pass", "pwd", "secret", "token", "key", "auth"})
    if (key == k) return true;
  return false;
}

}  // namespace

std::string url_scheme(const std::string &url) {
  const auto colon = url.find("://");
  if (colon == std::string::npos) return {};
  std::string s = url.substr(0, colon);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(g_ascii_tolower(c)); });
  return s;
}

// The userinfo of the URL ("user:password"), empty if none.
std::string url_userinfo(const std::string &url) {
  const auto start = url.find("://");
  if (start == std::string::npos) return {};
  const auto end = url.find_first_of("/?#", start + 3);
  const std::string authority = url.substr(start + 3, end == std::string::npos ? std::string::npos : end - start - 3);
  const auto at = authority.rfind('@');
  return at == std::string::npos ? std::string() : authority.substr(0, at);
}

bool check_publish_url(const std::string &url, std::string &error) {
  const std::string scheme = url_scheme(url);
  const std::string shown = printable_url(url);
  const auto rest = url.find("://") == std::string::npos ? std::string() : url.substr(url.find("://") + 3);
  if (scheme != "rtmp" && scheme != "rtmps" && scheme != "rtsp" && scheme != "srt") {
    error = "cannot publish to '" + shown + "': expected an rtmp://, rtmps://, rtsp:// or srt:// URL";
    return false;
  }
  const std::string host = rest.substr(0, rest.find_first_of("/?#"));
  if (scheme != "srt" && host.substr(host.rfind('@') == std::string::npos ? 0 : host.rfind('@') + 1).empty()) {
    error = "cannot publish to '" + shown + "': the URL names no server";
    return false;
  }
  if (scheme == "rtmp" || scheme == "rtmps") {
    // rtmp2sink needs an application and a stream name: rtmp://HOST/APP/STREAM.
    const auto slash = rest.find('/');
    const std::string path = slash == std::string::npos ? std::string() : rest.substr(slash + 1);
    const auto second = path.find('/');
    if (second == 0 || second == std::string::npos || second + 1 >= path.size()) {
      error = "cannot publish to '" + shown + "': an RTMP URL is rtmp://HOST[:PORT]/APPLICATION/STREAM";
      return false;
    }
  }
  return true;
}

std::string printable_url(const std::string &url) {
  const auto start = url.find("://");
  if (start == std::string::npos) {
    // Not a URL: show its beginning only (it may be anything).
    return url.size() > 16 ? url.substr(0, 16) + "..." : url;
  }
  std::string out = url.substr(0, start + 3);
  const std::string info = url_userinfo(url);
  std::string rest = url.substr(start + 3 + (info.empty() ? 0 : info.size() + 1));
  const auto q = rest.find('?');
  if (q == std::string::npos) return out + rest;
  out += rest.substr(0, q + 1);
  const auto hash = rest.find('#', q);
  const std::string query = rest.substr(q + 1, hash == std::string::npos ? std::string::npos : hash - q - 1);
  size_t pos = 0;
  while (pos <= query.size()) {
    auto amp = query.find('&', pos);
    if (amp == std::string::npos) amp = query.size();
    const std::string param = query.substr(pos, amp - pos);
    const auto eq = param.find('=');
    if (pos) out += '&';
    out += eq != std::string::npos && secret_key(param.substr(0, eq)) ? param.substr(0, eq + 1) + "***" : param;
    pos = amp + 1;
  }
  if (hash != std::string::npos) out += rest.substr(hash);
  return out;
}

}  // namespace ipcam::server
