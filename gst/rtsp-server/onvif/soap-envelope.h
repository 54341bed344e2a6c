// SOAP 1.2 as ONVIF clients speak it: a request envelope parsed with
// libxml2 (never by string search), and the envelopes and faults the
// services answer with.
//
// The parser is the part exposed to anyone who reaches the control port,
// so it takes no chances: a document with a DOCTYPE is refused as the
// parser meets it (a SAX internalSubset handler stops it before any
// entity is declared, let alone expanded: "billion laughs" and external
// entities never run), nothing is fetched (XML_PARSE_NONET), entities are
// never substituted, and nothing is printed on stderr. Bodies are capped
// before they get here (WebGuard's 64 KB).
#pragma once

#include <libxml/tree.h>

#include <glib.h>

#include <memory>
#include <string>
#include <string_view>

namespace ipcam::server {

inline constexpr const char kSoap12Ns[] = "http://www.w3.org/2003/05/soap-envelope";
inline constexpr const char kSoap11Ns[] = "http://schemas.xmlsoap.org/soap/envelope/";
inline constexpr const char kDeviceNs[] = "http://www.onvif.org/ver10/device/wsdl";
inline constexpr const char kMediaNs[] = "http://www.onvif.org/ver10/media/wsdl";
inline constexpr const char kSchemaNs[] = "http://www.onvif.org/ver10/schema";

// A SOAP 1.2 fault: env:Sender (the request is wrong: HTTP 400) or
// env:Receiver (this server cannot: HTTP 500), with ONVIF's subcodes
// ("ter:ActionNotSupported") and a reason a person can read.
struct SoapFault {
  enum class Code { kSender, kReceiver, kVersionMismatch };
  Code code = Code::kSender;
  std::string subcode;     // "ter:..."; empty = none
  std::string subsubcode;  // "ter:..."; empty = none
  std::string reason;

  static SoapFault sender(std::string sub, std::string reason, std::string subsub = {});
  static SoapFault receiver(std::string sub, std::string reason, std::string subsub = {});
  // The HTTP status the SOAP 1.2 HTTP binding gives this fault.
  guint http_status() const;
};

// One request envelope. parse() keeps the document; header() and
// operation() point into it.
class SoapRequest {
 public:
  // False with `fault` filled (a Sender fault, or VersionMismatch for a
  // SOAP 1.1 envelope) when `data` is not a well-formed SOAP 1.2 envelope
  // with one operation in its Body.
  bool parse(const char *data, size_t size, SoapFault &fault);

  xmlNode *header() const { return header_; }  // env:Header, or nullptr
  xmlNode *operation() const { return operation_; }  // the Body's first element
  // The operation's namespace ("" when it has none) and local name.
  const std::string &ns() const { return ns_; }
  const std::string &name() const { return name_; }

 private:
  struct DocFree {
    void operator()(xmlDoc *d) const { xmlFreeDoc(d); }
  };
  std::unique_ptr<xmlDoc, DocFree> doc_;
  xmlNode *header_ = nullptr;
  xmlNode *operation_ = nullptr;
  std::string ns_, name_;
};

// The first child element of `parent` named `name` in namespace `ns`
// (nullptr: any namespace), or nullptr.
xmlNode *child_element(const xmlNode *parent, const char *ns, const char *name);
// An element's text, trimmed of white space at both ends.
std::string element_text(const xmlNode *node);
// An attribute's value (no namespace), or "".
std::string attribute(const xmlNode *node, const char *name);

// `text` for an XML text node or attribute value: escaped, made valid
// UTF-8, and without the control characters XML 1.0 cannot carry (camera
// text goes through here).
std::string xml_text(std::string_view text);
// <name>text</name>, the text escaped.
std::string element(const char *name, std::string_view text);

// A SOAP 1.2 envelope around `body` (the response elements), declaring
// the prefixes the services use: env, tt, tds, trt, ter.
std::string soap_envelope(const std::string &body);
// A SOAP 1.2 envelope holding `fault`.
std::string fault_envelope(const SoapFault &fault);

}  // namespace ipcam::server
