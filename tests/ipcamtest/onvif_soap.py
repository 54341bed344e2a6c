"""SOAP 1.2 calls to ipcam-rtsp-server's ONVIF services, written by hand
(the envelope, the WS-Security UsernameToken, the HTTP request) and read
back with xml.etree, so that neither side's XML code checks itself.

    status, headers, root = call(control, "/onvif/device_service", op("tds", "GetDeviceInformation"))
    text(root, "tds:GetDeviceInformationResponse/tds:Model")
    fault(root)  # -> ("env:Sender", ["ter:NotAuthorized", ...], reason) or None
"""

import base64
import datetime
import hashlib
import http.client
import os
import xml.etree.ElementTree as ET

NS = {
    "env": "http://www.w3.org/2003/05/soap-envelope",
    "tt": "http://www.onvif.org/ver10/schema",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "ter": "http://www.onvif.org/ver10/error",
}
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DIGEST_TYPE = ("http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
               "#PasswordDigest")
TEXT_TYPE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
SOAP_TYPE = "application/soap+xml; charset=utf-8"


def op(prefix, name, inner=""):
    """The Body's operation element, e.g. op("trt", "GetProfile",
    "<trt:ProfileToken>cam</trt:ProfileToken>")."""
    return "<%s:%s>%s</%s:%s>" % (prefix, name, inner, prefix, name)


def created_now(offset_s=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def username_token(user, password, digest=True, nonce=None, created=None):
    """A wsse:Security header; PasswordDigest = Base64(SHA-1(nonce + created + password))."""
    nonce = os.urandom(16) if nonce is None else nonce
    created = created_now() if created is None else created
    if digest:
        value = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()
        kind = DIGEST_TYPE
    else:
        value, kind = password, TEXT_TYPE
    return ('<wsse:Security xmlns:wsse="%s" xmlns:wsu="%s" env:mustUnderstand="1"><wsse:UsernameToken>'
            '<wsse:Username>%s</wsse:Username><wsse:Password Type="%s">%s</wsse:Password>'
            '<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/'
            'oasis-200401-wss-soap-message-security-1.0#Base64Binary">%s</wsse:Nonce>'
            '<wsu:Created>%s</wsu:Created></wsse:UsernameToken></wsse:Security>'
            % (WSSE, WSU, user, kind, value, base64.b64encode(nonce).decode(), created))


def envelope(body, header=""):
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<env:Envelope xmlns:env="%s" xmlns:tds="%s" xmlns:trt="%s" xmlns:tt="%s">'
            '<env:Header>%s</env:Header><env:Body>%s</env:Body></env:Envelope>'
            % (NS["env"], NS["tds"], NS["trt"], NS["tt"], header, body))


def post(control, path, data, headers=None, method="POST", timeout=30):
    """(status, lower-case headers, body bytes) of one raw request to the
    control port at `control` (http://HOST:PORT/)."""
    host_port = control.split("//", 1)[1].rstrip("/")
    host, port = host_port.rsplit(":", 1)
    c = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=timeout)
    try:
        c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        headers = dict(headers if headers is not None else {"Content-Type": SOAP_TYPE})
        headers.setdefault("Host", host_port)
        if data is not None:
            data = data.encode() if isinstance(data, str) else data
            headers["Content-Length"] = str(len(data))
        for k, v in headers.items():
            c.putheader(k, v)
        c.endheaders(data)
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def call(control, path, body, header="", headers=None):
    """(status, headers, the parsed Body element) of one SOAP call."""
    status, h, data = post(control, path, envelope(body, header), headers)
    return status, h, parse(data)


def parse(data):
    """The env:Body of a reply (raises when it is no SOAP 1.2 envelope)."""
    root = ET.fromstring(data)
    if root.tag != "{%s}Envelope" % NS["env"]:
        raise AssertionError("not a SOAP 1.2 envelope: %r" % data[:200])
    body = root.find("env:Body", NS)
    if body is None:
        raise AssertionError("no env:Body: %r" % data[:200])
    return body


def find(body, path):
    return body.find(path, NS)


def text(body, path):
    node = body.find(path, NS)
    if node is None:
        raise AssertionError("no %s in %s" % (path, ET.tostring(body)[:600]))
    return (node.text or "").strip()


def fault(body):
    """(code, [subcodes], reason) of a SOAP 1.2 fault, or None."""
    f = body.find("env:Fault", NS)
    if f is None:
        return None
    code = text(f, "env:Code/env:Value")
    subs, node = [], f.find("env:Code", NS)
    while node is not None:
        node = node.find("env:Subcode", NS)
        if node is not None:
            subs.append(text(node, "env:Value"))
    return code, subs, text(f, "env:Reason/env:Text")
