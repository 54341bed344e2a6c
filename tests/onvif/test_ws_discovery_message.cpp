// WS-Discovery's messages (gst/rtsp-server/onvif/ws-discovery-message.*)
// datagram by datagram: the probes clients send, what must not match, what
// must be refused unread, and the answers read back with libxml2.
#include "onvif/ws-discovery-message.h"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <string>

using namespace ipcam::server;

namespace {

DiscoveryEndpoint device() {
  DiscoveryEndpoint e;
  e.uuid = endpoint_uuid("machine port 8080");
  e.scopes = {"onvif://www.onvif.org/type/video_encoder", "onvif://www.onvif.org/Profile/Streaming",
              "onvif://www.onvif.org/name/garden%20cam"};
  e.instance_id = 1700000000;
  return e;
}

// A probe as the npm onvif package writes it: default namespaces, Types'
// prefix declared on the Envelope.
std::string npm_probe(const std::string &types, const std::string &scopes = "<Scopes />") {
  return "<Envelope xmlns=\"http://www.w3.org/2003/05/soap-envelope\""
         " xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\"><Header>"
         "<wsa:MessageID xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\">urn:uuid:42</wsa:MessageID>"
         "<wsa:Action xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\">"
         "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action></Header><Body>"
         "<Probe xmlns=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\">" +
         types + scopes + "</Probe></Body></Envelope>";
}

std::optional<Probe> parse(const std::string &text) { return parse_probe(text.data(), text.size(), device()); }

bool matches(const std::string &text) {
  auto p = parse(text);
  return p && p->is_probe && p->matches;
}

}  // namespace

TEST(WsDiscoveryMessage, ProbesForATransmitterADeviceOrAnythingMatch) {
  auto p = parse(npm_probe("<Types>dn:NetworkVideoTransmitter</Types>"));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->is_probe);
  EXPECT_TRUE(p->matches);
  EXPECT_EQ(p->message_id, "urn:uuid:42");
  EXPECT_TRUE(matches(npm_probe("<Types xmlns:t=\"http://www.onvif.org/ver10/device/wsdl\">t:Device</Types>")));
  EXPECT_TRUE(matches(npm_probe("<Types>\n dn:NetworkVideoTransmitter\t</Types>")));
  EXPECT_TRUE(matches(npm_probe("<Types/>")));
  EXPECT_TRUE(matches(npm_probe("", "")));
}

TEST(WsDiscoveryMessage, OtherTypesAndUnknownPrefixesDoNotMatch) {
  // node-onvif also probes for a display; the same local name in another namespace is another type.
  EXPECT_FALSE(matches(npm_probe("<Types>dn:NetworkVideoDisplay</Types>")));
  EXPECT_FALSE(matches(npm_probe("<Types xmlns:x=\"urn:other\">x:NetworkVideoTransmitter</Types>")));
  EXPECT_FALSE(matches(npm_probe("<Types>nope:NetworkVideoTransmitter</Types>")));
  EXPECT_FALSE(matches(npm_probe("<Types>dn:NetworkVideoTransmitter dn:NetworkVideoDisplay</Types>")));
}

TEST(WsDiscoveryMessage, ScopesMatchWholeSegments) {
  auto with = [](const std::string &scopes, const std::string &by = "") {
    return matches(npm_probe("", "<Scopes" + by + ">" + scopes + "</Scopes>"));
  };
  EXPECT_TRUE(with("onvif://www.onvif.org/name/garden%20cam"));
  EXPECT_TRUE(with("onvif://www.onvif.org/Profile onvif://www.onvif.org/type/"));
  EXPECT_FALSE(with("onvif://www.onvif.org/Prof"));
  EXPECT_FALSE(with("onvif://www.onvif.org/location/city/paris"));
  const std::string strcmp0 = " MatchBy=\"http://schemas.xmlsoap.org/ws/2005/04/discovery/strcmp0\"";
  EXPECT_TRUE(with("onvif://www.onvif.org/Profile/Streaming", strcmp0));
  EXPECT_FALSE(with("onvif://www.onvif.org/Profile", strcmp0));
  EXPECT_FALSE(with("onvif://www.onvif.org/Profile", " MatchBy=\"urn:some-rule\""));
}

TEST(WsDiscoveryMessage, OtherMessagesAreNotProbesAndNotMalformed) {
  const DiscoveryEndpoint e = device();
  const std::string hello = hello_message(e, "http://10.0.0.2:8080/onvif/device_service", 1);
  auto p = parse(hello);
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->is_probe);
  p = parse(bye_message(e, 2));
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->is_probe);
}

TEST(WsDiscoveryMessage, MalformedDatagramsAreNothing) {
  for (const std::string &junk :
       {std::string(), std::string("<<<<"), std::string("\x00\x01\x02", 3), std::string("<a>text</a>"),
        // SOAP 1.2 without a Header, a Probe without MessageID, an unclosed envelope
        std::string("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body/></s:Envelope>"),
        npm_probe("").replace(npm_probe("").find("urn:uuid:42"), 11, ""),
        npm_probe("").substr(0, 200), std::string(70000, 'x')})
    EXPECT_FALSE(parse(junk)) << junk.substr(0, 80);
}

TEST(WsDiscoveryMessage, ADoctypeIsRefusedBeforeAnyEntity) {
  std::string laughs = "<?xml version=\"1.0\"?><!DOCTYPE Envelope [<!ENTITY a \"lol\">";
  for (char c = 'b'; c <= 'j'; c++) {
    laughs += std::string("<!ENTITY ") + c + " \"";
    for (int i = 0; i < 10; i++) laughs += std::string("&") + char(c - 1) + ";";
    laughs += "\">";
  }
  laughs += "]>" + npm_probe("<Types>&j;</Types>");
  EXPECT_FALSE(parse(laughs));
  EXPECT_FALSE(parse("<!DOCTYPE x SYSTEM \"file:///etc/passwd\">" + npm_probe("<Types>&x;</Types>")));
  EXPECT_FALSE(parse("<!DOCTYPE Envelope>" + npm_probe("")));
}

TEST(WsDiscoveryMessage, TheProbeMatchReadsBack) {
  const DiscoveryEndpoint e = device();
  const std::string m = probe_matches_message(e, "urn:uuid:<&>", "http://10.0.0.2:8080/onvif/device_service", 7);
  xmlDoc *doc = xmlReadMemory(m.data(), int(m.size()), nullptr, nullptr, XML_PARSE_NONET);
  ASSERT_NE(doc, nullptr) << m;
  xmlChar *text = xmlNodeGetContent(xmlDocGetRootElement(doc));
  const std::string all = reinterpret_cast<const char *>(text);
  xmlFree(text);
  xmlFreeDoc(doc);
  // The prober's MessageID comes back escaped and whole; the rest as given.
  EXPECT_NE(all.find("urn:uuid:<&>"), std::string::npos);
  EXPECT_NE(all.find(e.uuid), std::string::npos);
  EXPECT_NE(all.find("http://10.0.0.2:8080/onvif/device_service"), std::string::npos);
  EXPECT_NE(all.find("onvif://www.onvif.org/name/garden%20cam"), std::string::npos);
  EXPECT_NE(all.find("dn:NetworkVideoTransmitter tds:Device"), std::string::npos);
  EXPECT_NE(m.find("MessageNumber=\"7\""), std::string::npos);
  EXPECT_NE(m.find("InstanceId=\"1700000000\""), std::string::npos);
}

TEST(WsDiscoveryMessage, TheEndpointUuidIsStableAndNameBased) {
  EXPECT_EQ(endpoint_uuid("machine port 8080"), endpoint_uuid("machine port 8080"));
  EXPECT_NE(endpoint_uuid("machine port 8080"), endpoint_uuid("machine port 8081"));
  const std::string u = endpoint_uuid("x");
  ASSERT_EQ(u.size(), 9u + 36u);
  EXPECT_EQ(u.substr(0, 9), "urn:uuid:");
  EXPECT_EQ(u[9 + 14], '5');  // version 5
  EXPECT_NE(std::string("89ab").find(u[9 + 19]), std::string::npos);  // the RFC 4122 variant
}
