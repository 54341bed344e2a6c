// WS-Security's UsernameToken, the way ONVIF clients authenticate a SOAP
// request (ONVIF Core, "User token profile"): a wsse:Security header with
// the user name and either the password itself (PasswordText) or
// Base64(SHA-1(nonce + created + password)) (PasswordDigest).
//
// A token copied off the wire must not work again: its Created must lie
// within kWindowUs of this server's clock, and a nonce is taken once.
// Nonces are remembered for twice the window (by then their Created is
// refused anyway), at most kMaxNonces of them: past that the oldest is
// forgotten, which only someone who knows the password can cause.
#pragma once

#include <libxml/tree.h>

#include <glib.h>

#include <deque>
#include <set>
#include <string>
#include <utility>

namespace ipcam::server {

class UsernameTokenCheck {
 public:
  static constexpr gint64 kWindowUs = 5 * 60 * G_USEC_PER_SEC;
  static constexpr size_t kMaxNonces = 4096;

  enum class Result {
    kAbsent,  // no UsernameToken in the header
    kGood,
    kBad,     // `why` says what, without the password or digest
  };
  // `header`: the request's env:Header (or nullptr). Main context.
  Result check(const xmlNode *header, const std::string &user, const std::string &password, std::string &why);

 private:
  // False when `nonce` was taken before.
  bool take_nonce(const std::string &nonce, gint64 now_us);

  std::deque<std::pair<gint64, std::string>> order_;  // (when taken, nonce), oldest first
  std::set<std::string> nonces_;
};

}  // namespace ipcam::server
