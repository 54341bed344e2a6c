// The SOAP envelope parser and the WS-Security UsernameToken check on
// their own (in the unit suite, so AddressSanitizer runs them too): what
// they take, what they refuse and why, with documents written here by
// hand, and ONVIF's published PasswordDigest example.
#include "onvif/soap-envelope.h"
#include "onvif/ws-security.h"

#include <gtest/gtest.h>

#include <string>

namespace ipcam::server {
namespace {

const std::string kEnvelopeOpen =
    "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\""
    " xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\">";

std::string envelope(const std::string &body, const std::string &header = "") {
  return kEnvelopeOpen + (header.empty() ? "" : "<env:Header>" + header + "</env:Header>") + "<env:Body>" + body +
         "</env:Body></env:Envelope>";
}

bool parse(const std::string &doc, SoapRequest &request, SoapFault &fault) {
  return request.parse(doc.data(), doc.size(), fault);
}

SoapFault refusal(const std::string &doc) {
  SoapRequest request;
  SoapFault fault;
  EXPECT_FALSE(parse(doc, request, fault)) << doc.substr(0, 200);
  return fault;
}

TEST(SoapEnvelope, TakesAnOperation) {
  SoapRequest request;
  SoapFault fault;
  ASSERT_TRUE(parse(envelope("\n  <tds:GetDeviceInformation/>"), request, fault)) << fault.reason;
  EXPECT_EQ(request.ns(), kDeviceNs);
  EXPECT_EQ(request.name(), "GetDeviceInformation");
  EXPECT_EQ(request.header(), nullptr);
  ASSERT_TRUE(parse(envelope("<tds:GetServices><tds:IncludeCapability> true </tds:IncludeCapability>"
                             "</tds:GetServices>",
                             "<x/>"),
                    request, fault));
  EXPECT_NE(request.header(), nullptr);
  EXPECT_EQ(element_text(child_element(request.operation(), kDeviceNs, "IncludeCapability")), "true");
}

TEST(SoapEnvelope, RefusesEveryDoctypeBeforeItsEntities) {
  std::string laughs = "<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">";
  std::string previous = "a";
  for (int i = 0; i < 10; i++) {
    const std::string name = "e" + std::to_string(i);
    laughs += "<!ENTITY " + name + " \"" + std::string("&") + previous + ";&" + previous + ";&" + previous + ";&" +
              previous + ";&" + previous + ";&" + previous + ";&" + previous + ";&" + previous + ";\">";
    previous = name;
  }
  laughs += "]>" + envelope("<tds:GetHostname>&" + previous + ";</tds:GetHostname>");
  const std::string external = "<!DOCTYPE x [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>";
  for (const std::string &doc :
       {laughs, external + envelope("<tds:GetHostname>&x;</tds:GetHostname>"),
        "<!DOCTYPE x SYSTEM \"http://127.0.0.1:1/x.dtd\">" + envelope("<tds:GetHostname/>"),
        "<?xml version=\"1.0\"?><!DOCTYPE x>" + envelope("<tds:GetHostname/>")}) {
    const SoapFault f = refusal(doc);
    EXPECT_EQ(f.code, SoapFault::Code::kSender);
    EXPECT_EQ(f.http_status(), 400u);
    EXPECT_EQ(f.reason, "a document with a DOCTYPE is not accepted");
  }
}

TEST(SoapEnvelope, RefusesWhatIsNoSoap12Envelope) {
  EXPECT_EQ(refusal("").reason, "no SOAP envelope: the request has no body");
  EXPECT_EQ(refusal(envelope("<tds:GetHostname>")).reason.rfind("malformed XML: line 1: ", 0), 0u);
  EXPECT_EQ(refusal(envelope("&undefined;")).reason.rfind("malformed XML", 0), 0u);
  EXPECT_EQ(refusal(envelope(std::string(3000, '<') + "a")).reason.rfind("malformed XML", 0), 0u);
  std::string deep;
  for (int i = 0; i < 2000; i++) deep += "<a>";
  for (int i = 0; i < 2000; i++) deep += "</a>";
  EXPECT_EQ(refusal(envelope(deep)).reason.rfind("malformed XML", 0), 0u);  // libxml2's depth limit
  EXPECT_EQ(refusal("<tds:GetHostname xmlns:tds=\"x\"/>").reason.find("not a SOAP 1.2 envelope"), 0u);
  EXPECT_EQ(refusal(envelope("")).reason, "the SOAP Body names no operation");
  EXPECT_EQ(refusal(kEnvelopeOpen + "</env:Envelope>").reason, "the SOAP envelope has no Body");
  const SoapFault old = refusal(
      "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><x/></s:Body></s:Envelope>");
  EXPECT_EQ(old.code, SoapFault::Code::kVersionMismatch);
  EXPECT_EQ(old.http_status(), 500u);
}

TEST(SoapEnvelope, FaultsAreEnvelopesThatEscapeTheirText) {
  const SoapFault f =
      SoapFault::receiver("ter:ActionNotSupported", "no <Reboot> & \"so\" \x01on\xff", "ter:NoSuchService");
  EXPECT_EQ(f.http_status(), 500u);
  const std::string xml = fault_envelope(f);
  SoapRequest request;
  SoapFault fault;
  ASSERT_TRUE(parse(xml, request, fault)) << xml;  // well-formed: it reads back
  EXPECT_EQ(request.name(), "Fault");
  const xmlNode *code = child_element(request.operation(), kSoap12Ns, "Code");
  EXPECT_EQ(element_text(child_element(code, kSoap12Ns, "Value")), "env:Receiver");
  const xmlNode *sub = child_element(code, kSoap12Ns, "Subcode");
  EXPECT_EQ(element_text(child_element(sub, kSoap12Ns, "Value")), "ter:ActionNotSupported");
  EXPECT_EQ(element_text(child_element(child_element(sub, kSoap12Ns, "Subcode"), kSoap12Ns, "Value")),
            "ter:NoSuchService");
  const xmlNode *reason = child_element(request.operation(), kSoap12Ns, "Reason");
  EXPECT_EQ(element_text(child_element(reason, kSoap12Ns, "Text")), "no <Reboot> & \"so\" on\xef\xbf\xbd");
}

// ---------------------------------------------------------------- UsernameToken

constexpr char kWsse[] = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
constexpr char kWsu[] = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
constexpr char kDigestType[] =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";

std::string token(const std::string &user, const std::string &password, const std::string &nonce,
                  const std::string &created, const char *type = kDigestType) {
  return std::string("<wsse:Security xmlns:wsse=\"") + kWsse + "\" xmlns:wsu=\"" + kWsu +
         "\"><wsse:UsernameToken><wsse:Username>" + user + "</wsse:Username><wsse:Password Type=\"" + type + "\">" +
         password + "</wsse:Password>" + (nonce.empty() ? "" : "<wsse:Nonce>" + nonce + "</wsse:Nonce>") +
         (created.empty() ? "" : "<wsu:Created>" + created + "</wsu:Created>") +
         "</wsse:UsernameToken></wsse:Security>";
}

// Base64(SHA-1(nonce + created + password)) for a nonce given in Base64.
std::string digest(const std::string &nonce_b64, const std::string &created, const std::string &password) {
  gsize length = 0;
  g_autofree guchar *nonce = g_base64_decode(nonce_b64.c_str(), &length);
  std::string bytes(reinterpret_cast<char *>(nonce), length);
  bytes += created + password;
  g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
  g_checksum_update(sha1, reinterpret_cast<const guchar *>(bytes.data()), gssize(bytes.size()));
  guint8 out[20];
  gsize out_length = sizeof out;
  g_checksum_get_digest(sha1, out, &out_length);
  g_autofree char *b64 = g_base64_encode(out, out_length);
  return b64;
}

std::string now_iso(gint64 offset_s = 0) {
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autoptr(GDateTime) t = g_date_time_add_seconds(now, double(offset_s));
  g_autofree char *iso = g_date_time_format(t, "%Y-%m-%dT%H:%M:%S.000Z");
  return iso;
}

class TokenTest : public ::testing::Test {
 protected:
  UsernameTokenCheck::Result check(const std::string &header, std::string &why) {
    SoapRequest request;
    SoapFault fault;
    const std::string doc = envelope("<tds:GetHostname/>", header);
    EXPECT_TRUE(parse(doc, request, fault)) << fault.reason;
    return check_.check(request.header(), "user", "userpassword", why);
  }
  UsernameTokenCheck check_;
};

TEST_F(TokenTest, OnvifsPublishedDigestIsRightButOld) {
  // The ONVIF Application Programmer's Guide's example token: the digest
  // is right (so the refusal is the Created's), from 2010.
  std::string why;
  EXPECT_EQ(digest("LKqI6G/AikKCQrN0zqZFlg==", "2010-09-16T07:50:45Z", "userpassword"), "tuOSpGlFlIXsozq4HFNeeGeFLEI=");
  EXPECT_EQ(check(token("user", "tuOSpGlFlIXsozq4HFNeeGeFLEI=", "LKqI6G/AikKCQrN0zqZFlg==", "2010-09-16T07:50:45Z"),
                  why),
            UsernameTokenCheck::Result::kBad);
  EXPECT_NE(why.find("more than 5 minutes"), std::string::npos) << why;
  EXPECT_EQ(check(token("user", "tuOSpGlFlIXsozq4HFNeeGeFLEI=", "LKqI6G/AikKCQrN0zqZFlg==", "2010-09-16T07:50:46Z"),
                  why),
            UsernameTokenCheck::Result::kBad);
  EXPECT_EQ(why, "wrong user name or password");
}

TEST_F(TokenTest, DigestTakenOnceWithinItsWindow) {
  std::string why;
  EXPECT_EQ(check("", why), UsernameTokenCheck::Result::kAbsent);
  const std::string nonce = "bm9uY2Utb25lLXR3by10aHJlZQ==", created = now_iso();
  const std::string good = token("user", digest(nonce, created, "userpassword"), nonce, created);
  EXPECT_EQ(check(good, why), UsernameTokenCheck::Result::kGood) << why;
  EXPECT_EQ(check(good, why), UsernameTokenCheck::Result::kBad);
  EXPECT_EQ(why, "the UsernameToken's Nonce was used before (a replay)");
  for (gint64 offset : {-301, 301}) {
    const std::string c = now_iso(offset), n = "b2Zmc2V0" + std::to_string(offset + 1000);
    EXPECT_EQ(check(token("user", digest(n, c, "userpassword"), n, c), why), UsernameTokenCheck::Result::kBad);
    EXPECT_NE(why.find("more than 5 minutes"), std::string::npos) << why;
  }
  const std::string c = now_iso(-290), n = "d2l0aGlu";
  EXPECT_EQ(check(token("user", digest(n, c, "userpassword"), n, c), why), UsernameTokenCheck::Result::kGood) << why;
  EXPECT_EQ(check(token("other", digest("b3RoZXI=", c, "userpassword"), "b3RoZXI=", c), why),
            UsernameTokenCheck::Result::kBad);
  EXPECT_EQ(check(token("user", digest("bm8=", c, "userpassword"), "", c), why), UsernameTokenCheck::Result::kBad);
  EXPECT_EQ(why, "a PasswordDigest needs its Nonce and Created");
}

TEST_F(TokenTest, PasswordText) {
  std::string why;
  const char *text = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
  EXPECT_EQ(check(token("user", "userpassword", "", "", text), why), UsernameTokenCheck::Result::kGood) << why;
  EXPECT_EQ(check(token("user", "userpassword", "", ""), why), UsernameTokenCheck::Result::kBad);  // as a digest
  EXPECT_EQ(check(token("user", "userpasswor", "", "", text), why), UsernameTokenCheck::Result::kBad);
  EXPECT_EQ(check(token("user", "userpassword", "", "", "urn:other"), why), UsernameTokenCheck::Result::kBad);
  EXPECT_NE(why.find("neither PasswordDigest nor PasswordText"), std::string::npos);
}

TEST_F(TokenTest, NonceCacheIsBounded) {
  std::string why;
  const std::string created = now_iso();
  auto nonce = [](size_t i) {
    g_autofree char *b64 = g_base64_encode(reinterpret_cast<const guchar *>(&i), sizeof i);
    return std::string(b64);
  };
  for (size_t i = 0; i <= UsernameTokenCheck::kMaxNonces; i++)
    ASSERT_EQ(check(token("user", digest(nonce(i), created, "userpassword"), nonce(i), created), why),
              UsernameTokenCheck::Result::kGood);
  // The oldest went to make room; the newest is still refused.
  const size_t last = UsernameTokenCheck::kMaxNonces;
  EXPECT_EQ(check(token("user", digest(nonce(last), created, "userpassword"), nonce(last), created), why),
            UsernameTokenCheck::Result::kBad);
  EXPECT_EQ(check(token("user", digest(nonce(0), created, "userpassword"), nonce(0), created), why),
            UsernameTokenCheck::Result::kGood);
}

}  // namespace
}  // namespace ipcam::server
