"""A WS-Discovery peer written from the specification for the tests, to
send what no ONVIF client sends (junk, oversized datagrams, a probe on one
network only) and to hear Hello and Bye. Run inside a test's namespace:

    ws_probe.py probe [--types T] [--expect N] [--timeout S]   answers as JSON lines
    ws_probe.py listen --until Bye [--timeout S]               group messages as JSON lines
    ws_probe.py junk --size N | --doctype                      one datagram to the group
    ws_probe.py probe --count N --source ADDR                  N probes at once (a flood)

Each JSON line: {"from": address, "action": ..., "relates_to": ..., "address":
endpoint, "xaddrs": [...], "types": ..., "scopes": [...]}.
"""

import argparse
import json
import select
import socket
import struct
import sys
import time
import uuid
import xml.etree.ElementTree as ET

GROUP, PORT = "239.255.255.250", 3702
A = "{http://schemas.xmlsoap.org/ws/2004/08/addressing}"
D = "{http://schemas.xmlsoap.org/ws/2005/04/discovery}"

PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"
  xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"
  xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"
  xmlns:dn="http://www.onvif.org/ver10/network/wsdl"
  xmlns:other="http://example.invalid/other"><s:Header>
<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>
<a:MessageID>%s</a:MessageID>
<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>
</s:Header><s:Body><d:Probe>%s</d:Probe></s:Body></s:Envelope>"""


def described(data, source):
    root = ET.fromstring(data)
    text = lambda path: (root.findtext(path) or "").strip()
    body = "./{http://www.w3.org/2003/05/soap-envelope}Body/"
    header = "./{http://www.w3.org/2003/05/soap-envelope}Header/"
    match = body + D + "ProbeMatches/" + D + "ProbeMatch/"
    for kind in (match, body + D + "Hello/", body + D + "Bye/"):
        if root.find(kind[:-1]) is not None:
            break
    return {"from": source, "action": text(header + A + "Action").rsplit("/", 1)[-1],
            "relates_to": text(header + A + "RelatesTo"),
            "address": text(kind + A + "EndpointReference/" + A + "Address"),
            "xaddrs": text(kind + D + "XAddrs").split(), "types": text(kind + D + "Types"),
            "scopes": text(kind + D + "Scopes").split()}


def collect(sock, timeout, expect, until=None):
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline and (not expect or seen < expect):
        if not select.select([sock], [], [], max(0, deadline - time.monotonic()))[0]:
            break
        data, (source, _) = sock.recvfrom(65536)
        try:
            message = described(data, source)
        except ET.ParseError:
            continue
        print(json.dumps(message), flush=True)
        seen += 1
        if until and message["action"] == until:
            break


def main():
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=("probe", "listen", "junk"))
    p.add_argument("--types", default="dn:NetworkVideoTransmitter")
    p.add_argument("--expect", type=int, default=0)
    p.add_argument("--timeout", type=float, default=3)
    p.add_argument("--until")
    p.add_argument("--size", type=int, default=100)
    p.add_argument("--doctype", action="store_true", help="a probe that declares nested entities")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--source", default="")
    a = p.parse_args()
    if a.what == "listen":
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("", PORT))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                        struct.pack("4s4s", socket.inet_aton(GROUP), socket.inet_aton("0.0.0.0")))
        print(json.dumps({"listening": True}), flush=True)
        collect(sock, a.timeout, 0, a.until)
        return 0
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    sock.bind((a.source, 0))
    types = "<d:Types>%s</d:Types>" % a.types if a.types else ""
    if a.what == "junk":
        laughs = ('<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY a "lol">'
                  + "".join('<!ENTITY %s "%s">' % (chr(98 + i), ("&%s;" % chr(97 + i)) * 10) for i in range(9))
                  + ']>')
        data = (laughs + (PROBE % ("urn:uuid:%s" % uuid.uuid4(), "<d:Types>&j;</d:Types>")).split("?>", 1)[1]
                if a.doctype else "<" * a.size)
        sock.sendto(data.encode(), (GROUP, PORT))
        return 0
    for _ in range(a.count):
        message_id = "urn:uuid:%s" % uuid.uuid4()
        sock.sendto((PROBE % (message_id, types)).encode(), (GROUP, PORT))
        print(json.dumps({"message_id": message_id}), flush=True)
    collect(sock, a.timeout, a.expect)
    return 0


if __name__ == "__main__":
    sys.exit(main())
