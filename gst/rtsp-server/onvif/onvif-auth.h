// OnvifAuth: who may call an ONVIF operation. Without server credentials
// (--rtsp-user) everyone may; with them, every operation outside ONVIF's
// PRE_AUTH set (the ones a client calls before it knows how to log in:
// GetSystemDateAndTime, GetCapabilities, GetServices, ...) needs either a
// WS-Security UsernameToken in the SOAP header or HTTP Digest, whatever
// --rtsp-auth says for the rest of the control port (the npm `onvif`
// client, for one, answers only Digest challenges).
//
// The control API's own auth domain lets /onvif/ through (control-api.cpp)
// so that this check is the only one; the Digest here is libsoup's, with
// the control API's replay check (DigestReplay) on top.
#pragma once

#include "config/server-options.h"
#include "http/digest-replay.h"
#include "onvif/soap-envelope.h"
#include "onvif/ws-security.h"

#include <libsoup/soup.h>

#include <string>

namespace ipcam::server {

class OnvifAuth {
 public:
  explicit OnvifAuth(const ServerOptions &options);
  ~OnvifAuth();
  OnvifAuth(const OnvifAuth &) = delete;
  OnvifAuth &operator=(const OnvifAuth &) = delete;

  enum class Verdict {
    kAllowed,
    kRefused,    // wrong credentials: a ter:NotAuthorized Sender fault
    kChallenge,  // none given: HTTP 401 with a Digest challenge, and the fault
  };
  // Main context. `why` is for the fault's reason (no secret in it).
  Verdict check(SoupServerMessage *msg, const SoapRequest &request, std::string &why);
  // Adds the Digest challenge (WWW-Authenticate) to `msg`, status 401.
  void challenge(SoupServerMessage *msg);

  // ONVIF's PRE_AUTH operations, which need no credentials.
  static bool pre_auth(const std::string &operation);

 private:
  const ServerOptions &options_;
  UsernameTokenCheck tokens_;
  DigestReplay digest_replay_;
  SoupAuthDomain *digest_ = nullptr;  // with credentials only
};

}  // namespace ipcam::server
