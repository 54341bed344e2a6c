// SOAP envelopes and faults: see soap-envelope.h.
#include "onvif/soap-envelope.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#include <cstring>
#include <utility>

namespace ipcam::server {

namespace {

struct ParseState {
  bool doctype = false;
};

// The SAX internalSubset handler: a DOCTYPE ends the parse right there,
// before the parser reads a single declaration of its internal subset.
void refuse_doctype(void *ctx, const xmlChar *, const xmlChar *, const xmlChar *) {
  auto *parser = static_cast<xmlParserCtxtPtr>(ctx);
  static_cast<ParseState *>(parser->_private)->doctype = true;
  xmlStopParser(parser);
}

// libxml2 prints its errors on stderr unless given a handler; the fault
// reports them instead (from the context's last error).
void quiet(void *, xmlErrorPtr) {}

bool is_element(const xmlNode *n, const char *ns, const char *name) {
  return n && n->type == XML_ELEMENT_NODE && !strcmp(reinterpret_cast<const char *>(n->name), name) &&
         (!ns || (n->ns && n->ns->href && !strcmp(reinterpret_cast<const char *>(n->ns->href), ns)));
}

xmlNode *first_element(const xmlNode *parent) {
  for (xmlNode *n = parent ? parent->children : nullptr; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE) return n;
  return nullptr;
}

const char *code_name(SoapFault::Code c) {
  switch (c) {
    case SoapFault::Code::kSender: return "env:Sender";
    case SoapFault::Code::kReceiver: return "env:Receiver";
    case SoapFault::Code::kVersionMismatch: return "env:VersionMismatch";
  }
  return "env:Receiver";
}

}  // namespace

SoapFault SoapFault::sender(std::string sub, std::string reason, std::string subsub) {
  return SoapFault{Code::kSender, std::move(sub), std::move(subsub), std::move(reason)};
}

SoapFault SoapFault::receiver(std::string sub, std::string reason, std::string subsub) {
  return SoapFault{Code::kReceiver, std::move(sub), std::move(subsub), std::move(reason)};
}

guint SoapFault::http_status() const { return code == Code::kSender ? 400 : 500; }

bool SoapRequest::parse(const char *data, size_t size, SoapFault &fault) {
  if (!data || size == 0) {
    fault = SoapFault::sender("", "no SOAP envelope: the request has no body");
    return false;
  }
  ParseState state;
  xmlParserCtxtPtr parser = xmlCreateMemoryParserCtxt(data, int(size));
  if (!parser) {
    fault = SoapFault::receiver("", "out of memory");
    return false;
  }
  // Entities are never substituted (no XML_PARSE_NOENT), no DTD is
  // loaded (no XML_PARSE_DTDLOAD), nothing comes off the network.
  xmlCtxtUseOptions(parser, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  parser->sax->internalSubset = refuse_doctype;
  parser->sax->serror = quiet;
  parser->sax->error = nullptr;
  parser->sax->warning = nullptr;
  parser->_private = &state;
  xmlParseDocument(parser);
  const bool well_formed = parser->wellFormed && !state.doctype;
  std::string error;
  if (!well_formed && !state.doctype) {
    const xmlError *e = xmlCtxtGetLastError(parser);
    g_autofree char *message = e && e->message ? g_strdup_printf("line %d: %s", e->line, e->message) : nullptr;
    error = message ? g_strstrip(message) : "not XML";
  }
  doc_.reset(parser->myDoc);
  parser->myDoc = nullptr;
  xmlFreeParserCtxt(parser);
  if (state.doctype) {
    doc_.reset();
    fault = SoapFault::sender("", "a document with a DOCTYPE is not accepted");
    return false;
  }
  if (!well_formed || !doc_) {
    doc_.reset();
    fault = SoapFault::sender("", "malformed XML: " + error);
    return false;
  }
  xmlNode *root = xmlDocGetRootElement(doc_.get());
  if (is_element(root, kSoap11Ns, "Envelope")) {
    fault = SoapFault{SoapFault::Code::kVersionMismatch, "", "",
                      "a SOAP 1.1 envelope: this server speaks SOAP 1.2 (ONVIF's), "
                      "with the envelope namespace http://www.w3.org/2003/05/soap-envelope"};
    return false;
  }
  if (!is_element(root, kSoap12Ns, "Envelope")) {
    fault = SoapFault::sender(
        "", "not a SOAP 1.2 envelope (an env:Envelope in http://www.w3.org/2003/05/soap-envelope)");
    return false;
  }
  header_ = child_element(root, kSoap12Ns, "Header");
  xmlNode *body = child_element(root, kSoap12Ns, "Body");
  operation_ = first_element(body);
  if (!operation_) {
    fault = SoapFault::sender("", body ? "the SOAP Body names no operation" : "the SOAP envelope has no Body");
    return false;
  }
  ns_ = operation_->ns && operation_->ns->href ? reinterpret_cast<const char *>(operation_->ns->href) : "";
  name_ = reinterpret_cast<const char *>(operation_->name);
  return true;
}

xmlNode *child_element(const xmlNode *parent, const char *ns, const char *name) {
  for (xmlNode *n = parent ? parent->children : nullptr; n; n = n->next)
    if (is_element(n, ns, name)) return n;
  return nullptr;
}

std::string element_text(const xmlNode *node) {
  if (!node) return {};
  xmlChar *content = xmlNodeGetContent(node);
  std::string text = content ? reinterpret_cast<const char *>(content) : "";
  xmlFree(content);
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

std::string attribute(const xmlNode *node, const char *name) {
  xmlChar *value = node ? xmlGetNoNsProp(node, reinterpret_cast<const xmlChar *>(name)) : nullptr;
  std::string out = value ? reinterpret_cast<const char *>(value) : "";
  xmlFree(value);
  return out;
}

std::string xml_text(std::string_view text) {
  g_autofree char *valid = g_utf8_make_valid(text.data(), gssize(text.size()));
  std::string out;
  for (const char *p = valid; *p; p++) {
    const unsigned char c = static_cast<unsigned char>(*p);
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c >= 0x20 || c == '\t' || c == '\n') out += char(c);
    }
  }
  return out;
}

std::string element(const char *name, std::string_view text) {
  return std::string("<") + name + ">" + xml_text(text) + "</" + name + ">";
}

std::string soap_envelope(const std::string &body) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\""
         " xmlns:tt=\"http://www.onvif.org/ver10/schema\""
         " xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\""
         " xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\""
         " xmlns:ter=\"http://www.onvif.org/ver10/error\">"
         "<env:Body>" +
         body + "</env:Body></env:Envelope>\n";
}

std::string fault_envelope(const SoapFault &f) {
  std::string code = std::string("<env:Code><env:Value>") + code_name(f.code) + "</env:Value>";
  if (!f.subcode.empty()) {
    code += "<env:Subcode><env:Value>" + xml_text(f.subcode) + "</env:Value>";
    if (!f.subsubcode.empty())
      code += "<env:Subcode><env:Value>" + xml_text(f.subsubcode) + "</env:Value></env:Subcode>";
    code += "</env:Subcode>";
  }
  code += "</env:Code>";
  return soap_envelope("<env:Fault>" + code + "<env:Reason><env:Text xml:lang=\"en\">" + xml_text(f.reason) +
                       "</env:Text></env:Reason></env:Fault>");
}

}  // namespace ipcam::server
