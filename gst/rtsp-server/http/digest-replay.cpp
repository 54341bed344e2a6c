// DigestReplay: see digest-replay.h.
#include "http/digest-replay.h"

#include <cstdlib>

namespace ipcam::server {

namespace {

std::string md5_hex(const std::string &text) {
  g_autofree char *hex = g_compute_checksum_for_string(G_CHECKSUM_MD5, text.c_str(), gssize(text.size()));
  return hex;
}

const char *param(GHashTable *params, const char *name) {
  return static_cast<const char *>(g_hash_table_lookup(params, name));
}

}  // namespace

DigestReplay::DigestReplay() {
  if (const char *s = g_getenv("IPCAM_DIGEST_NONCE_SECONDS")) {
    const guint64 seconds = g_ascii_strtoull(s, nullptr, 10);
    if (seconds > 0 && seconds < guint64(kNonceLifetimeUs / G_USEC_PER_SEC))
      lifetime_us_ = gint64(seconds) * G_USEC_PER_SEC;
  }
}

void DigestReplay::make_room(std::map<std::string, Use> &table) {
  while (table.size() >= kMaxNonces) {
    auto oldest = table.begin();
    for (auto it = table.begin(); it != table.end(); ++it)
      if (it->second.first_us < oldest->second.first_us) oldest = it;
    table.erase(oldest);
  }
}

bool DigestReplay::fresh(SoupServerMessage *msg, const std::string &ha1) {
  const char *header = soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Authorization");
  if (!header || g_ascii_strncasecmp(header, "Digest ", 7)) return false;
  GHashTable *params = soup_header_parse_param_list(header + 7);
  const char *nonce = param(params, "nonce"), *nc = param(params, "nc"), *cnonce = param(params, "cnonce");
  const char *qop = param(params, "qop"), *uri = param(params, "uri"), *response = param(params, "response");
  bool ok = false;
  if (nonce && nc && cnonce && qop && uri && response) {
    // RFC 2617 with qop=auth, as libsoup checks it: only a right response counts.
    const std::string ha2 = md5_hex(std::string(soup_server_message_get_method(msg)) + ":" + uri);
    const std::string expected = md5_hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2);
    const guint64 count = g_ascii_strtoull(nc, nullptr, 16);
    const gint64 now = g_get_monotonic_time();
    if (expected != response || count == 0) {
      ok = true;  // wrong: libsoup refuses it, and it spends nothing here
    } else if (auto n = nonces_.find(nonce); n != nonces_.end() && now - n->second.first_us > lifetime_us_) {
      g_message("control API: a request with an expired Digest nonce was refused (the client asks anew)");
    } else {
      const std::string key = std::string(nonce) + "\n" + cnonce;
      if (auto u = uses_.find(key); u == uses_.end()) {
        make_room(uses_);
        uses_[key] = Use{now, count};
        ok = true;
      } else if (count <= u->second.count) {
        g_message("control API: a replayed Digest Authorization (nonce count %s used before) was refused", nc);
      } else {
        u->second.count = count;
        ok = true;
      }
      if (ok) {
        if (n == nonces_.end()) make_room(nonces_);
        nonces_[nonce] = Use{now, 0};  // its last use: the idle time counts from here
      }
    }
  }
  soup_header_free_param_list(params);
  return ok;
}

namespace {

struct DigestLogin {
  const std::string &user;
  const std::string &password;
  DigestReplay &replay;
};

}  // namespace

SoupAuthDomain *new_digest_domain(const std::string &user, const std::string &password, DigestReplay &replay) {
  SoupAuthDomain *domain = soup_auth_domain_digest_new("realm", "ipcam-rtsp-server", nullptr);
  soup_auth_domain_digest_set_auth_callback(
      domain,
      +[](SoupAuthDomain *d, SoupServerMessage *msg, const char *given, gpointer data) -> char * {
        auto *login = static_cast<DigestLogin *>(data);
        if (login->user != given) return nullptr;
        char *ha1 = soup_auth_domain_digest_encode_password(given, soup_auth_domain_get_realm(d),
                                                            login->password.c_str());
        if (login->replay.fresh(msg, ha1)) return ha1;  // no replay, no expired nonce
        g_free(ha1);
        return nullptr;
      },
      new DigestLogin{user, password, replay}, +[](gpointer data) { delete static_cast<DigestLogin *>(data); });
  return domain;
}

}  // namespace ipcam::server
