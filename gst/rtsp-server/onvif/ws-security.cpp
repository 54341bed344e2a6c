// UsernameTokenCheck: see ws-security.h.
#include "onvif/ws-security.h"

#include "onvif/soap-envelope.h"

#include <cstdlib>

namespace ipcam::server {

namespace {

constexpr char kWsseNs[] = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
constexpr char kWsuNs[] = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

// Equal strings, in a time that does not say where they differ.
bool same(const std::string &a, const std::string &b) {
  unsigned char diff = a.size() != b.size();
  for (size_t i = 0; i < a.size() && i < b.size(); i++) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string password_digest(const std::string &nonce, const std::string &created, const std::string &password) {
  g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
  g_checksum_update(sha1, reinterpret_cast<const guchar *>(nonce.data()), gssize(nonce.size()));
  g_checksum_update(sha1, reinterpret_cast<const guchar *>(created.data()), gssize(created.size()));
  g_checksum_update(sha1, reinterpret_cast<const guchar *>(password.data()), gssize(password.size()));
  guint8 digest[20];
  gsize length = sizeof digest;
  g_checksum_get_digest(sha1, digest, &length);
  g_autofree char *b64 = g_base64_encode(digest, length);
  return b64;
}

// Created as microseconds since the epoch; false when it is no ISO 8601 time.
bool created_time(const std::string &created, gint64 &out_us) {
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(created.c_str(), utc);
  if (!t) return false;
  out_us = g_date_time_to_unix(t) * G_USEC_PER_SEC + g_date_time_get_microsecond(t);
  return true;
}

}  // namespace

UsernameTokenCheck::Result UsernameTokenCheck::check(const xmlNode *header, const std::string &user,
                                                     const std::string &password, std::string &why) {
  const xmlNode *security = child_element(header, kWsseNs, "Security");
  const xmlNode *token = child_element(security, kWsseNs, "UsernameToken");
  if (!token) return Result::kAbsent;
  const xmlNode *password_node = child_element(token, kWsseNs, "Password");
  const std::string given_user = element_text(child_element(token, kWsseNs, "Username"));
  const std::string given = element_text(password_node);
  const std::string type = attribute(password_node, "Type");
  const bool digest = g_str_has_suffix(type.c_str(), "#PasswordDigest");
  if (!type.empty() && !digest && !g_str_has_suffix(type.c_str(), "#PasswordText")) {
    why = "the UsernameToken's Password Type is neither PasswordDigest nor PasswordText";
    return Result::kBad;
  }
  const xmlNode *nonce_node = child_element(token, kWsseNs, "Nonce");
  const std::string nonce_b64 = element_text(nonce_node);
  const std::string created = element_text(child_element(token, kWsuNs, "Created"));
  if (digest && (nonce_b64.empty() || created.empty())) {
    why = "a PasswordDigest needs its Nonce and Created";
    return Result::kBad;
  }
  std::string nonce;
  if (!nonce_b64.empty()) {
    gsize length = 0;
    g_autofree guchar *bytes = g_base64_decode(nonce_b64.c_str(), &length);
    nonce.assign(reinterpret_cast<const char *>(bytes), length);
  }
  const std::string expected = digest ? password_digest(nonce, created, password) : password;
  // Both compared, whichever is wrong, so the time does not tell which.
  const bool right = same(given_user, user) & same(given, expected);
  if (!right) {
    why = "wrong user name or password";
    return Result::kBad;
  }
  const gint64 now = g_get_real_time();
  if (!created.empty()) {
    gint64 when = 0;
    if (!created_time(created, when)) {
      why = "the UsernameToken's Created is not an ISO 8601 time";
      return Result::kBad;
    }
    if (std::llabs(now - when) > kWindowUs) {
      g_autoptr(GDateTime) here = g_date_time_new_now_utc();
      g_autofree char *iso = g_date_time_format_iso8601(here);
      why = "the UsernameToken's Created is more than 5 minutes away from this server's clock (" +
            std::string(iso) + "): set the client's clock, or take its time from GetSystemDateAndTime";
      return Result::kBad;
    }
  }
  if (!nonce.empty() && !take_nonce(nonce_b64, now)) {
    why = "the UsernameToken's Nonce was used before (a replay)";
    return Result::kBad;
  }
  return Result::kGood;
}

bool UsernameTokenCheck::take_nonce(const std::string &nonce, gint64 now_us) {
  while (!order_.empty() && (now_us - order_.front().first > 2 * kWindowUs || order_.size() >= kMaxNonces)) {
    nonces_.erase(order_.front().second);
    order_.pop_front();
  }
  if (!nonces_.insert(nonce).second) return false;
  order_.emplace_back(now_us, nonce);
  return true;
}

}  // namespace ipcam::server
