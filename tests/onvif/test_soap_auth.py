"""The ONVIF services with server credentials (--rtsp-user): the PRE_AUTH
operations open to anyone; every other one with a WS-Security
UsernameToken (PasswordDigest right, wrong, replayed, with an old or
future Created; PasswordText) or HTTP Digest (right, wrong, replayed,
also when --rtsp-auth basic); a request without credentials gets a
Digest challenge. Bound to every address and reached at 127.0.0.2, the
stream URI names 127.0.0.2 and plays there. The log holds no password
and no digest."""

import base64
import hashlib
import os
import re
import unittest
import urllib.parse

from ipcamtest import players
from ipcamtest.onvif_soap import call, created_now, envelope, fault, op, parse, post, text, username_token
from ipcamtest.rtsp_rig import Rig

DEVICE = "/onvif/device_service"
MEDIA = "/onvif/media_service"
USER, PASSWORD = "viewer", "s3cret-Pw"
INFO = op("tds", "GetDeviceInformation")
MODEL = "tds:GetDeviceInformationResponse/tds:Model"


def digest_header(challenge, method, uri, user=USER, password=PASSWORD, nc=1):
    """An RFC 2617 (qop=auth) Authorization header for `challenge`, computed here."""
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', challenge.split(" ", 1)[1]))
    cnonce = os.urandom(8).hex()
    ha1 = hashlib.md5(("%s:%s:%s" % (user, params["realm"], password)).encode()).hexdigest()
    ha2 = hashlib.md5(("%s:%s" % (method, uri)).encode()).hexdigest()
    response = hashlib.md5(("%s:%s:%08x:%s:auth:%s" % (ha1, params["nonce"], nc, cnonce, ha2)).encode()).hexdigest()
    return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", qop=auth, nc=%08x, cnonce="%s", '
            'response="%s", algorithm=MD5'
            % (user, params["realm"], params["nonce"], uri, nc, cnonce, response)), response


class CredentialsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rig = Rig(server_args=["--onvif", "--bind", "0.0.0.0", "--rtsp-user", USER,
                                   "--rtsp-password", PASSWORD]).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.rig.__exit__(None, None, None)

    def refused(self, header, words):
        status, headers, b = call(self.rig.control, DEVICE, INFO, header)
        code, subs, reason = fault(b)
        self.assertEqual((status, code, subs[0]), (400, "env:Sender", "ter:NotAuthorized"), reason)
        self.assertIn(words, reason)

    def test_pre_auth_operations_need_none(self):
        for name in ("GetSystemDateAndTime", "GetCapabilities", "GetServices", "GetServiceCapabilities",
                     "GetHostname", "GetWsdlUrl"):
            status, _, b = call(self.rig.control, DEVICE, op("tds", name))
            self.assertEqual((status, fault(b)), (200, None), name)

    def test_no_credentials_get_a_digest_challenge(self):
        for path, body in ((DEVICE, INFO), (MEDIA, op("trt", "GetProfiles"))):
            status, headers, b = call(self.rig.control, path, body)
            self.assertEqual(status, 401)
            self.assertTrue(headers["www-authenticate"].startswith("Digest "), headers)
            self.assertEqual(fault(b)[1][0], "ter:NotAuthorized")

    def test_username_token_digest(self):
        status, _, b = call(self.rig.control, DEVICE, INFO, username_token(USER, PASSWORD))
        self.assertEqual((status, text(b, MODEL)), (200, "WiFi action camera"))
        self.refused(username_token(USER, "wrong"), "wrong user name or password")
        self.refused(username_token("someone", PASSWORD), "wrong user name or password")
        # Replayed: the same header a second time.
        header = username_token(USER, PASSWORD)
        self.assertEqual(call(self.rig.control, DEVICE, INFO, header)[0], 200)
        self.refused(header, "used before")
        # Created outside the 5 minutes either way, the digest right for it.
        self.refused(username_token(USER, PASSWORD, created=created_now(-6 * 60)), "more than 5 minutes")
        self.refused(username_token(USER, PASSWORD, created=created_now(6 * 60)), "more than 5 minutes")
        self.refused(username_token(USER, PASSWORD, created="yesterday"), "not an ISO 8601 time")
        # A digest with no nonce cannot be checked for replay.
        no_nonce = re.sub(r"<wsse:Nonce[^>]*>[^<]*</wsse:Nonce>", "", username_token(USER, PASSWORD))
        self.refused(no_nonce, "needs its Nonce and Created")
        log = self.rig.server.stderr()
        self.assertIn("ONVIF: GetDeviceInformation refused: the UsernameToken's Nonce was used before", log)
        digest = re.search(r"PasswordDigest\">([^<]+)<", header).group(1)
        self.assertNotIn(digest, log)
        self.assertNotIn(PASSWORD, log)

    def test_username_token_text(self):
        status, _, b = call(self.rig.control, MEDIA, op("trt", "GetProfiles"),
                            username_token(USER, PASSWORD, digest=False))
        self.assertEqual(status, 200)
        self.refused(username_token(USER, "wrong", digest=False), "wrong user name or password")

    def test_http_digest(self):
        status, headers, _ = post(self.rig.control, DEVICE, envelope(INFO))
        self.assertEqual(status, 401)
        auth, response = digest_header(headers["www-authenticate"], "POST", DEVICE)
        status, _, data = post(self.rig.control, DEVICE, envelope(INFO),
                               {"Content-Type": "application/soap+xml", "Authorization": auth})
        self.assertEqual((status, text(parse(data), MODEL)), (200, "WiFi action camera"))
        # The same header again (its nonce count spent): refused, a new challenge.
        status, headers, data = post(self.rig.control, DEVICE, envelope(INFO),
                                     {"Content-Type": "application/soap+xml", "Authorization": auth})
        self.assertEqual((status, fault(parse(data))[1][0]), (401, "ter:NotAuthorized"))
        wrong, _ = digest_header(headers["www-authenticate"], "POST", DEVICE, password="wrong")
        status, headers, data = post(self.rig.control, DEVICE, envelope(INFO),
                                     {"Content-Type": "application/soap+xml", "Authorization": wrong})
        self.assertEqual(status, 401)
        self.assertIn("Digest", headers["www-authenticate"])
        # Basic is not taken for ONVIF: Digest or a UsernameToken.
        basic = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
        status, headers, data = post(self.rig.control, DEVICE, envelope(INFO),
                                     {"Content-Type": "application/soap+xml", "Authorization": basic})
        self.assertEqual(status, 401)
        self.assertIn("is Digest", fault(parse(data))[2])
        log = self.rig.server.stderr()
        self.assertNotIn(PASSWORD, log)
        self.assertNotIn(response, log)

    def test_stream_uri_on_the_address_reached(self):
        # Reached at 127.0.0.2 (the server binds every address), Host naming 127.0.0.1.
        port = urllib.parse.urlsplit(self.rig.control).port
        other = "http://127.0.0.2:%d/" % port
        setup = ("<trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol>"
                 "</tt:Transport></trt:StreamSetup><trt:ProfileToken>cam</trt:ProfileToken>")
        status, _, data = post(other, MEDIA, envelope(op("trt", "GetStreamUri", setup), username_token(USER, PASSWORD)),
                               {"Content-Type": "application/soap+xml", "Host": "127.0.0.1:%d" % port})
        self.assertEqual(status, 200, data)
        uri = text(parse(data), "trt:GetStreamUriResponse/trt:MediaUri/tt:Uri")
        rtsp_port = urllib.parse.urlsplit(self.rig.url).port
        self.assertEqual(uri, "rtsp://127.0.0.2:%d/cam" % rtsp_port)
        with_login = uri.replace("rtsp://", "rtsp://%s:%s@" % (USER, PASSWORD))
        self.assertEqual(players.ffmpeg(with_login, seconds=1, level="warning"), (0, ""))
        status, _, data = post(other, DEVICE, envelope(op("tds", "GetCapabilities")),
                               {"Content-Type": "application/soap+xml", "Host": "127.0.0.1:%d" % port})
        self.assertEqual(text(parse(data), "tds:GetCapabilitiesResponse/tds:Capabilities/tt:Device/tt:XAddr"),
                         "http://127.0.0.2:%d/onvif/device_service" % port)


class BasicControlPortTest(unittest.TestCase):
    def test_onvif_takes_digest_whatever_rtsp_auth_says(self):
        with Rig(server_args=["--onvif", "--rtsp-user", USER, "--rtsp-password", PASSWORD,
                              "--rtsp-auth", "basic"]) as rig:
            status, headers, _ = post(rig.control, DEVICE, envelope(INFO))
            self.assertEqual(status, 401)
            auth, _ = digest_header(headers["www-authenticate"], "POST", DEVICE)
            status, _, data = post(rig.control, DEVICE, envelope(INFO),
                                   {"Content-Type": "application/soap+xml", "Authorization": auth})
            self.assertEqual((status, text(parse(data), MODEL)), (200, "WiFi action camera"))
            # The rest of the control port keeps its Basic.
            status, headers, _ = post(rig.control, "/api/status", None, {}, method="GET")
            self.assertEqual(status, 401)
            self.assertTrue(headers["www-authenticate"].startswith("Basic"), headers)


if __name__ == "__main__":
    unittest.main()
