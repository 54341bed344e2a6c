// DigestReplay: what libsoup's Digest check leaves out. SoupAuthDomainDigest
// accepts any nonce and any nonce count: an Authorization header copied off
// the wire works again, for as long as one likes (POST /api/record/stop as
// well as GET /api/status). Here a request's nonce count must be above every
// count seen with its nonce and client nonce (cnonce: a client answering a
// new challenge picks a new one, and libsoup hands the same nonce to
// challenges made in the same second), and a nonce left unused for
// kNonceLifetimeUs expires (IPCAM_DIGEST_NONCE_SECONDS in the environment
// shortens it, for tests): the request is refused (401 with a fresh nonce).
// Idle time, not age: a browser keeps one nonce for as long as its page
// polls, and libsoup's challenge cannot say stale=true, so an age limit
// would make it ask its user for the password again every so often.
// Only requests whose response is right (the password known) count, so a
// forged header cannot spend someone else's nonce.
#pragma once

#include <libsoup/soup.h>

#include <map>
#include <string>

namespace ipcam::server {

class DigestReplay {
 public:
  static constexpr gint64 kNonceLifetimeUs = 30 * 60 * G_USEC_PER_SEC;
  static constexpr size_t kMaxNonces = 4096;  // the oldest are forgotten (and so refused) past this

  // Main context, from the Digest auth callback: false when `msg`'s
  // Authorization is a replay or its nonce expired. `ha1` is
  // soup_auth_domain_digest_encode_password()'s hex for its user.
  bool fresh(SoupServerMessage *msg, const std::string &ha1);

  DigestReplay();

 private:
  struct Use {
    gint64 first_us;
    guint64 count;  // the highest nonce count accepted
  };
  // Past kMaxNonces the oldest entry goes; an expired nonce stays (and
  // stays refused) until then.
  static void make_room(std::map<std::string, Use> &table);

  gint64 lifetime_us_ = kNonceLifetimeUs;
  std::map<std::string, Use> nonces_;  // nonce → its last use (in first_us; count unused)
  std::map<std::string, Use> uses_;    // nonce + cnonce → the highest count
};

// libsoup's Digest domain for the server's one login (`user`, `password`:
// --rtsp-user and --rtsp-password) with `replay`'s check on top: the
// control API's and the ONVIF services'. The three outlive the domain,
// which is a new reference.
SoupAuthDomain *new_digest_domain(const std::string &user, const std::string &password, DigestReplay &replay);

}  // namespace ipcam::server
