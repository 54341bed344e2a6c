"""The ONVIF services against hostile and broken requests: every one gets
a well-formed SOAP 1.2 fault (or the control port's 413), promptly, and
the server goes on answering. Unknown operations (ActionNotSupported,
500), malformed XML (Sender, 400), 1 MB bodies (413), entity expansion
("billion laughs") and external entities, refused before anything is
expanded or fetched (the server's memory stays flat and nothing connects
to the entity's address), a SOAP 1.1 envelope (VersionMismatch), missing
Content-Type and body, and the wrong method."""

import socket
import time
import unittest

from ipcamtest.onvif_soap import NS, SOAP_TYPE, envelope, fault, op, parse, post, text
from ipcamtest.rtsp_rig import Rig

DEVICE = "/onvif/device_service"
MEDIA = "/onvif/media_service"

LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join('<!ENTITY lol%d "%s">' % (i, ("&lol%d;" % (i - 1) if i > 1 else "&lol;") * 10)
                    for i in range(1, 10))
          + ']><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>'
            '<tds:GetDeviceInformation xmlns:tds="http://www.onvif.org/ver10/device/wsdl">&lol9;'
            '</tds:GetDeviceInformation></env:Body></env:Envelope>')


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


class HostileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rig = Rig(server_args=["--onvif"]).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.rig.__exit__(None, None, None)

    def tearDown(self):
        # Whatever came before, the server still answers.
        status, _, data = post(self.rig.control, DEVICE, envelope(op("tds", "GetSystemDateAndTime")))
        self.assertEqual(status, 200)
        self.assertNotIn("parser error", self.rig.server.stderr())  # libxml2 prints nothing

    def fault_of(self, data, status, code, path=DEVICE, headers=None):
        got, h, body = post(self.rig.control, path, data, headers)
        self.assertEqual(got, status, body[:300])
        self.assertTrue(h["content-type"].startswith("application/soap+xml"), h)
        f = fault(parse(body))
        self.assertIsNotNone(f, body[:300])
        self.assertEqual(f[0], code, f)
        return f

    def test_unknown_operations(self):
        for body in (op("tds", "SystemReboot"), op("tds", "SetSystemFactoryDefault"), op("trt", "CreateProfile"),
                     "<GetDeviceInformation/>",  # no namespace
                     '<x:GetProfiles xmlns:x="urn:nothing"/>', op("tds", "x" * 5000)):
            code, subs, reason = self.fault_of(envelope(body), 500, "env:Receiver", MEDIA)
            self.assertEqual(subs[0], "ter:ActionNotSupported")

    def test_malformed(self):
        cases = {
            "truncated": envelope(op("tds", "GetDeviceInformation"))[:-20],
            "not XML": "GET / HTTP/1.0\r\n\r\n",
            "binary": bytes(range(256)) * 8,
            "invalid UTF-8": envelope(op("tds", "GetHostname")).replace("GetHostname>", "GetHostname>\xff", 1)
                                                               .encode("latin-1"),
            "undefined entity": envelope(op("tds", "GetDeviceInformation", "&lol;")),
            "not an envelope": '<tds:GetDeviceInformation xmlns:tds="%s"/>' % NS["tds"],
            "no Body": '<env:Envelope xmlns:env="%s"/>' % NS["env"],
            "empty Body": envelope(""),
            "too deep": envelope("<a>" * 5000 + "</a>" * 5000),
            "two roots": envelope(op("tds", "GetHostname")) + "<x/>",
        }
        for name, data in cases.items():
            with self.subTest(name):
                code, subs, reason = self.fault_of(data, 400, "env:Sender")
                self.assertTrue(reason, name)

    def test_megabyte_body(self):
        start = time.monotonic()
        status, _, data = post(self.rig.control, DEVICE, envelope(op("tds", "GetHostname", "x" * (1 << 20))),
                               timeout=10)
        print("1 MB body answered %d in %.2f s" % (status, time.monotonic() - start))
        self.assertEqual(status, 413, data[:200])

    def test_billion_laughs_is_never_expanded(self):
        before = rss_kib(self.rig.server.pid)
        for _ in range(20):
            code, subs, reason = self.fault_of(LAUGHS, 400, "env:Sender")
            self.assertIn("DOCTYPE", reason)
        grown = rss_kib(self.rig.server.pid) - before
        print("server memory after 20 billion-laughs documents: %+d KiB" % grown)
        self.assertLess(grown, 16 * 1024)  # 3 GB had it been expanded once

    def test_external_entities_are_never_read_nor_fetched(self):
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        try:
            for data in (
                    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                    + envelope(op("tds", "GetHostname", "&xxe;"))[len('<?xml version="1.0" encoding="UTF-8"?>'):],
                    '<!DOCTYPE x SYSTEM "http://127.0.0.1:%d/x.dtd">' % port + envelope(op("tds", "GetHostname"))
                    [len('<?xml version="1.0" encoding="UTF-8"?>'):],
                    '<!DOCTYPE x [<!ENTITY %% p SYSTEM "http://127.0.0.1:%d/p.dtd"> %%p;]><x/>' % port):
                got, _, body = post(self.rig.control, DEVICE, data)
                self.assertEqual(got, 400)
                self.assertNotIn(b"root:", body)
                self.assertIn("DOCTYPE", fault(parse(body))[2])
            with self.assertRaises(BlockingIOError):
                listener.accept()  # nothing came for the DTD or the entity
        finally:
            listener.close()

    def test_soap_1_1(self):
        data = ('<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
                + op("tds", "GetDeviceInformation").replace("<tds:", '<tds:', 1) + "</s:Body></s:Envelope>")
        data = data.replace("<tds:GetDeviceInformation>",
                            '<tds:GetDeviceInformation xmlns:tds="%s">' % NS["tds"])
        code, subs, reason = self.fault_of(data, 500, "env:VersionMismatch",
                                           headers={"Content-Type": "text/xml; charset=utf-8",
                                                    "SOAPAction": '"x"'})
        self.assertIn("SOAP 1.2", reason)

    def test_missing_headers_and_methods(self):
        # No Content-Type: the envelope says what it is.
        status, _, data = post(self.rig.control, DEVICE, envelope(op("tds", "GetHostname")), {})
        self.assertEqual(status, 200)
        self.assertTrue(text(parse(data), "tds:GetHostnameResponse/tds:HostnameInformation/tt:Name"))
        # No body at all, and an empty one.
        for data in (None, b""):
            code, subs, reason = self.fault_of(data, 400, "env:Sender", headers={"Content-Type": SOAP_TYPE})
            self.assertIn("no body", reason)
        for method in ("GET", "PUT", "DELETE", "OPTIONS"):
            status, headers, data = post(self.rig.control, MEDIA, None, {}, method=method)
            self.assertEqual((status, headers.get("allow")), (405, "POST"), method)
            self.assertEqual(fault(parse(data))[0], "env:Sender")


if __name__ == "__main__":
    unittest.main()
