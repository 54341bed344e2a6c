// Credentials: see credentials.h.
#include "http/credentials.h"

#include <glib.h>

#include <algorithm>
#include <cstring>

namespace ipcam::server {

namespace {

// The credentials after "SCHEME ", or nullptr when `authorization` is another scheme.
const char *after_scheme(const char *authorization, const char *scheme) {
  if (!authorization) return nullptr;
  const size_t n = strlen(scheme);
  if (g_ascii_strncasecmp(authorization, scheme, n) || authorization[n] != ' ') return nullptr;
  const char *p = authorization + n;
  while (*p == ' ') p++;
  return p;
}

}  // namespace

bool same_secret(std::string_view expected, std::string_view given) {
  const size_t n = std::max(expected.size(), given.size());
  volatile unsigned char diff = expected.size() != given.size();
  for (size_t i = 0; i < n; i++) {
    const unsigned char a = i < expected.size() ? expected[i] : 0;
    const unsigned char b = i < given.size() ? given[i] : 0;
    diff = diff | (a ^ b);
  }
  return diff == 0;
}

bool bearer_token(const char *authorization, std::string &token) {
  const char *p = after_scheme(authorization, "Bearer");
  if (!p) return false;
  token = p;
  while (!token.empty() && token.back() == ' ') token.pop_back();
  return true;
}

bool basic_login(const char *authorization, std::string &user, std::string &password) {
  const char *p = after_scheme(authorization, "Basic");
  if (!p) return false;
  g_autofree char *encoded = g_strstrip(g_strdup(p));
  gsize len = 0;
  g_autofree guchar *decoded = g_base64_decode(encoded, &len);
  const std::string login(reinterpret_cast<const char *>(decoded), decoded ? len : 0);
  const size_t colon = login.find(':');
  if (colon == std::string::npos) {
    user = login;
    password.clear();
    return true;  // a malformed login is a wrong one
  }
  user = login.substr(0, colon);
  password = login.substr(colon + 1);
  return true;
}

}  // namespace ipcam::server
