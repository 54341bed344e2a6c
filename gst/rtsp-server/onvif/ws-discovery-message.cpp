// WS-Discovery messages: see ws-discovery-message.h.
#include "onvif/ws-discovery-message.h"

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>

#include <climits>
#include <memory>

namespace ipcam::server {

namespace {

constexpr const char *kSoap12 = "http://www.w3.org/2003/05/soap-envelope";
constexpr const char *kSoap11 = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr const char *kAddressing = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
constexpr const char *kDiscovery = "http://schemas.xmlsoap.org/ws/2005/04/discovery";
constexpr const char *kProbeAction = "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe";
constexpr const char *kRfc3986 = "http://schemas.xmlsoap.org/ws/2005/04/discovery/rfc3986";
constexpr const char *kStrcmp0 = "http://schemas.xmlsoap.org/ws/2005/04/discovery/strcmp0";

// The types this device is, as {namespace, local name}: a transmitter and
// a device (ONVIF Device Manager probes for the latter).
constexpr std::pair<const char *, const char *> kTypes[] = {
    {"http://www.onvif.org/ver10/network/wsdl", "NetworkVideoTransmitter"},
    {"http://www.onvif.org/ver10/device/wsdl", "Device"},
};

struct DocFree {
  void operator()(xmlDoc *d) const { xmlFreeDoc(d); }
};
using Doc = std::unique_ptr<xmlDoc, DocFree>;

// A DOCTYPE stops the parse before its internal subset is read: no entity
// of a datagram is ever declared, so none is expanded.
void refuse_doctype(void *ctx, const xmlChar *, const xmlChar *, const xmlChar *) {
  xmlStopParser(static_cast<xmlParserCtxtPtr>(ctx));
}

Doc read_document(const char *data, size_t size) {
  if (size == 0 || size > INT_MAX) return nullptr;
  xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(data, static_cast<int>(size));
  if (!ctxt) return nullptr;
  xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  ctxt->sax->internalSubset = refuse_doctype;
  xmlParseDocument(ctxt);
  Doc doc(ctxt->myDoc);
  const bool well_formed = ctxt->wellFormed && !ctxt->disableSAX;
  ctxt->myDoc = nullptr;
  xmlFreeParserCtxt(ctxt);
  return well_formed ? std::move(doc) : nullptr;
}

bool is(const xmlNode *n, const char *ns, const char *name) {
  return n && n->type == XML_ELEMENT_NODE && n->ns && xmlStrEqual(n->ns->href, BAD_CAST ns) &&
         xmlStrEqual(n->name, BAD_CAST name);
}

const xmlNode *child(const xmlNode *parent, const char *ns, const char *name) {
  for (const xmlNode *c = parent ? parent->children : nullptr; c; c = c->next)
    if (is(c, ns, name)) return c;
  return nullptr;
}

std::vector<std::string> words_of(const xmlNode *n) {
  std::vector<std::string> words;
  xmlChar *content = xmlNodeGetContent(n);
  if (!content) return words;
  g_auto(GStrv) parts = g_strsplit_set(reinterpret_cast<const char *>(content), " \t\r\n", -1);
  xmlFree(content);
  for (char **p = parts; *p; p++)
    if (**p) words.emplace_back(*p);
  return words;
}

std::string text_of(const xmlNode *n) {
  auto words = words_of(n);
  return words.size() == 1 ? words[0] : std::string();
}

// Every QName in Types must be a type of this device (an empty list asks
// for every device).
bool types_match(const xmlDoc *doc, const xmlNode *types) {
  if (!types) return true;
  for (const std::string &qname : words_of(types)) {
    const size_t colon = qname.find(':');
    const std::string prefix = colon == std::string::npos ? std::string() : qname.substr(0, colon);
    const std::string local = colon == std::string::npos ? qname : qname.substr(colon + 1);
    xmlNs *ns = xmlSearchNs(const_cast<xmlDoc *>(doc), const_cast<xmlNode *>(types),
                            prefix.empty() ? nullptr : BAD_CAST prefix.c_str());
    bool known = false;
    for (const auto &[href, name] : kTypes)
      known = known || (ns && xmlStrEqual(ns->href, BAD_CAST href) && local == name);
    if (!known) return false;
  }
  return true;
}

// RFC 3986 matching as WS-Discovery defines it, simplified to what ONVIF
// scopes are: the probe's scope is ours or a whole-segment prefix of one.
bool scope_matches(const std::string &asked, const std::string &ours, bool exact) {
  if (exact) return asked == ours;
  std::string a = asked;
  while (!a.empty() && a.back() == '/') a.pop_back();
  if (a.empty() || ours.compare(0, a.size(), a) != 0) return false;
  return ours.size() == a.size() || ours[a.size()] == '/';
}

bool scopes_match(const xmlNode *scopes, const DiscoveryEndpoint &self) {
  if (!scopes) return true;
  xmlChar *match_by = xmlGetNoNsProp(scopes, BAD_CAST "MatchBy");
  const std::string rule = match_by ? reinterpret_cast<const char *>(match_by) : kRfc3986;
  xmlFree(match_by);
  if (rule != kRfc3986 && rule != kStrcmp0) return false;  // a rule not supported matches nothing
  for (const std::string &asked : words_of(scopes)) {
    bool found = false;
    for (const std::string &ours : self.scopes) found = found || scope_matches(asked, ours, rule == kStrcmp0);
    if (!found) return false;
  }
  return true;
}

std::string escaped(const std::string &text) {
  g_autofree char *e = g_markup_escape_text(text.c_str(), -1);
  return e;
}

std::string joined(const std::vector<std::string> &items) {
  std::string all;
  for (const auto &s : items) all += (all.empty() ? "" : " ") + s;
  return all;
}

// The envelope every message shares; `relates_to` only in an answer.
std::string envelope(const DiscoveryEndpoint &self, const std::string &action, const std::string &to,
                     const std::string &relates_to, uint64_t message_number, const std::string &body) {
  g_autofree char *message_id = g_uuid_string_random();
  std::string m =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\""
      " xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\""
      " xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\""
      " xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\""
      " xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\">"
      "<s:Header><a:MessageID>urn:uuid:";
  m += message_id;
  m += "</a:MessageID>";
  if (!relates_to.empty()) m += "<a:RelatesTo>" + escaped(relates_to) + "</a:RelatesTo>";
  m += "<a:To>" + to + "</a:To><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/" + action +
       "</a:Action>";
  m += "<d:AppSequence InstanceId=\"" + std::to_string(self.instance_id) + "\" MessageNumber=\"" +
       std::to_string(message_number) + "\"/></s:Header><s:Body>" + body + "</s:Body></s:Envelope>";
  return m;
}

// EndpointReference, Types, Scopes, XAddrs, MetadataVersion: what a
// ProbeMatch and a Hello both describe.
std::string description(const DiscoveryEndpoint &self, const std::string &xaddr) {
  return "<a:EndpointReference><a:Address>" + escaped(self.uuid) +
         "</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types><d:Scopes>" +
         escaped(joined(self.scopes)) + "</d:Scopes><d:XAddrs>" + escaped(xaddr) +
         "</d:XAddrs><d:MetadataVersion>" + std::to_string(self.metadata_version) + "</d:MetadataVersion>";
}

constexpr const char *kToMulticast = "urn:schemas-xmlsoap-org:ws:2005:04:discovery";
constexpr const char *kToAnonymous = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";

}  // namespace

std::optional<Probe> parse_probe(const char *data, size_t size, const DiscoveryEndpoint &self) {
  Doc doc = read_document(data, size);
  if (!doc) return std::nullopt;
  const xmlNode *root = xmlDocGetRootElement(doc.get());
  const char *soap = is(root, kSoap12, "Envelope") ? kSoap12 : is(root, kSoap11, "Envelope") ? kSoap11 : nullptr;
  if (!soap) return std::nullopt;
  const xmlNode *header = child(root, soap, "Header");
  const xmlNode *body = child(root, soap, "Body");
  if (!header || !body) return std::nullopt;
  const xmlNode *probe = child(body, kDiscovery, "Probe");
  Probe p;
  if (!probe || text_of(child(header, kAddressing, "Action")) != kProbeAction) return p;
  p.is_probe = true;
  p.message_id = text_of(child(header, kAddressing, "MessageID"));
  if (p.message_id.empty() || p.message_id.size() > 256) return std::nullopt;
  p.matches = types_match(doc.get(), child(probe, kDiscovery, "Types")) &&
              scopes_match(child(probe, kDiscovery, "Scopes"), self);
  return p;
}

std::string probe_matches_message(const DiscoveryEndpoint &self, const std::string &relates_to,
                                  const std::string &xaddr, uint64_t message_number) {
  return envelope(self, "ProbeMatches", kToAnonymous, relates_to, message_number,
                  "<d:ProbeMatches><d:ProbeMatch>" + description(self, xaddr) + "</d:ProbeMatch></d:ProbeMatches>");
}

std::string hello_message(const DiscoveryEndpoint &self, const std::string &xaddr, uint64_t message_number) {
  return envelope(self, "Hello", kToMulticast, "", message_number,
                  "<d:Hello>" + description(self, xaddr) + "</d:Hello>");
}

std::string bye_message(const DiscoveryEndpoint &self, uint64_t message_number) {
  return envelope(self, "Bye", kToMulticast, "", message_number,
                  "<d:Bye><a:EndpointReference><a:Address>" + escaped(self.uuid) +
                      "</a:Address></a:EndpointReference></d:Bye>");
}

std::string endpoint_uuid(const std::string &name) {
  guint8 digest[20];
  gsize length = sizeof digest;
  g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
  g_checksum_update(sha1, reinterpret_cast<const guchar *>(name.data()), name.size());
  g_checksum_get_digest(sha1, digest, &length);
  digest[6] = (digest[6] & 0x0f) | 0x50;  // version 5: name-based, SHA-1
  digest[8] = (digest[8] & 0x3f) | 0x80;  // the RFC 4122 variant
  g_autofree char *uuid = g_strdup_printf(
      "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", digest[0], digest[1],
      digest[2], digest[3], digest[4], digest[5], digest[6], digest[7], digest[8], digest[9], digest[10], digest[11],
      digest[12], digest[13], digest[14], digest[15]);
  return uuid;
}

}  // namespace ipcam::server
