// OnvifAuth: see onvif-auth.h.
#include "onvif/onvif-auth.h"

#include <cstring>

namespace ipcam::server {

namespace {

// The operations ONVIF Core lets anyone call (its PRE_AUTH access class).
constexpr const char *kPreAuth[] = {
    "GetSystemDateAndTime", "GetCapabilities", "GetServices", "GetServiceCapabilities",
    "GetWsdlUrl",           "GetHostname",     "GetEndpointReference",
};

}  // namespace

OnvifAuth::OnvifAuth(const ServerOptions &options) : options_(options) {
  if (!options_.auth_enabled()) return;
  digest_ = new_digest_domain(options_.rtsp_user, options_.rtsp_password, digest_replay_);
}

OnvifAuth::~OnvifAuth() {
  if (digest_) g_object_unref(digest_);
}

bool OnvifAuth::pre_auth(const std::string &operation) {
  for (const char *name : kPreAuth)
    if (operation == name) return true;
  return false;
}

OnvifAuth::Verdict OnvifAuth::check(SoupServerMessage *msg, const SoapRequest &request, std::string &why) {
  if (!options_.auth_enabled() || pre_auth(request.name())) return Verdict::kAllowed;
  switch (tokens_.check(request.header(), options_.rtsp_user, options_.rtsp_password, why)) {
    case UsernameTokenCheck::Result::kGood: return Verdict::kAllowed;
    case UsernameTokenCheck::Result::kBad: return Verdict::kRefused;
    case UsernameTokenCheck::Result::kAbsent: break;
  }
  const char *authorization =
      soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Authorization");
  if (!authorization) {
    why = "this operation needs credentials: a WS-Security UsernameToken or HTTP Digest";
    return Verdict::kChallenge;
  }
  if (g_ascii_strncasecmp(authorization, "Digest ", 7)) {
    why = "HTTP authentication here is Digest (or a WS-Security UsernameToken)";
    return Verdict::kChallenge;
  }
  g_autofree char *user = soup_auth_domain_accepts(digest_, msg);
  if (user) return Verdict::kAllowed;
  why = "wrong user name or password (HTTP Digest), or a replayed or expired nonce";
  return Verdict::kChallenge;
}

void OnvifAuth::challenge(SoupServerMessage *msg) { soup_auth_domain_challenge(digest_, msg); }

}  // namespace ipcam::server
