// Credentials as the control port reads them from an Authorization
// header outside libsoup's auth domain (a Basic login or a Bearer token
// on the paths that take them, see control-api.cpp), and compared in
// constant time so that the answer's timing tells nothing of the secret.
#pragma once

#include <string>
#include <string_view>

namespace ipcam::server {

// Whether `given` is `expected`, looking at every byte whatever matches.
bool same_secret(std::string_view expected, std::string_view given);

// "Bearer TOKEN": true with the token. The scheme's name is case-blind.
bool bearer_token(const char *authorization, std::string &token);
// "Basic BASE64(USER:PASSWORD)": true with both halves.
bool basic_login(const char *authorization, std::string &user, std::string &password);

}  // namespace ipcam::server
