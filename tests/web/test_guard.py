"""What keeps hostile web pages away: Host on every request, Origin on
every request that changes something, and --rtsp-user on the page, the API
and WHEP (Basic or Digest as configured, and Bearer on WHEP)."""

import base64
import http.client
import json
import unittest
import urllib.request

from ipcamtest.rtsp_rig import Rig
from ipcamtest.web_rig import Browser, http_request, wait_page_playing

SDP = {"Content-Type": "application/sdp"}


def peak_rss_kib(pid):
    """The process's peak resident memory (VmHWM), in KiB."""
    with open("/proc/%d/status" % pid) as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


class GuardTest(unittest.TestCase):
    def test_host_and_origin(self):
        with Rig() as rig, Browser() as b:
            base = rig.control
            own = base.split("//", 1)[1].rstrip("/")
            port = own.rsplit(":", 1)[1]
            b.open(base + "api/status")
            b.install_whep_client()
            offer = b.offer()

            # A DNS-rebound name (or any name not this server's) is refused.
            for path in ["/", "/api/status", "/web/page.js", "/whep/cam"]:
                code, _, body = http_request(base, "GET", path, {"Host": "evil.example:" + port})
                self.assertEqual(code, 403, path)
                self.assertIn("Host is not this server", json.loads(body)["error"])
            self.assertEqual(http_request(base, "GET", "/api/status", {"Host": "localhost:" + port})[0], 200)
            self.assertEqual(http_request(base, "GET", "/api/status", {"Host": own})[0], 200)

            # Changing things from another origin is refused, and nothing happens.
            evil = {"Origin": "http://evil.example"}
            for path in ["/api/still", "/still", "/api/record/start", "/record/stop"]:
                code, _, body = http_request(base, "POST", path, evil, b"")
                self.assertEqual(code, 403, path)
                self.assertIn("cross-origin", json.loads(body)["error"])
            code, h, _ = http_request(base, "POST", "/whep/cam", dict(SDP, **evil), offer)
            self.assertEqual(code, 403)
            self.assertEqual(h["access-control-allow-origin"], "*")  # the refusal is readable by a WHEP page
            self.assertEqual(rig.sim.live_counter("stills_requested"), 0)
            self.assertEqual(rig.sim.live_counter("recordings_started"), 0)
            self.assertEqual(rig.status()["webrtc_viewers"], 0)

            # Same origin, or no Origin at all (not a browser): allowed.
            code, _, body = http_request(base, "POST", "/api/still?fetch=false", {}, b"")
            self.assertEqual(code, 200, body)
            code, h, _ = http_request(base, "POST", "/whep/cam", dict(SDP, Origin="http://" + own), offer)
            self.assertEqual(code, 201)
            self.assertEqual(http_request(base, "DELETE", h["location"], evil)[0], 403)
            self.assertEqual(http_request(base, "DELETE", h["location"], {"Origin": "http://" + own})[0], 200)
            # CORS headers on /whep/ only.
            self.assertNotIn("access-control-allow-origin", http_request(base, "GET", "/api/status")[1])

    def test_request_bodies_are_capped(self):
        """A client that posts without end (announced or chunked) gets 413,
        and the server's memory does not grow with what it sent."""
        with Rig() as rig:
            base = rig.control
            host_port = base.split("//", 1)[1].rstrip("/")
            before = peak_rss_kib(rig.server.proc.pid)
            big = bytes(48 << 20)
            for path in ["/whep/cam", "/api/still"]:
                code, _, body = http_request(base, "POST", path, SDP, big)
                self.assertEqual(code, 413, path)
                self.assertIn("over 65536 bytes", json.loads(body)["error"])
            c = http.client.HTTPConnection(*host_port.rsplit(":", 1), timeout=60)
            c.putrequest("POST", "/whep/cam")
            c.putheader("Content-Type", "application/sdp")
            c.putheader("Transfer-Encoding", "chunked")
            c.endheaders()
            chunk = bytes(1 << 20)
            for _ in range(48):
                c.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            c.send(b"0\r\n\r\n")
            self.assertEqual(c.getresponse().status, 413)
            c.close()
            grown = peak_rss_kib(rig.server.proc.pid) - before
            self.assertLess(grown, 16 << 10, "the server's peak memory grew by %d KiB" % grown)
            self.assertEqual(rig.status()["webrtc_viewers"], 0)
            self.assertEqual(rig.sim.live_counter("stills_requested"), 0)

    def test_json_clients_of_root_and_aliases(self):
        with Rig() as rig:
            code, h, _ = http_request(rig.control, "GET", "/", {"Accept": "application/json"})
            self.assertEqual(code, 307)
            self.assertEqual(h["location"], "/api/")
            for path in ["/api/", "/api/status", "/status"]:
                code, _, body = http_request(rig.control, "GET", path)
                self.assertEqual(code, 200, path)
                self.assertEqual(json.loads(body)["whep"], rig.server.ready["whep"])
            code, h, body = http_request(rig.control, "GET", "/", {"Accept": "text/html"})
            self.assertEqual(code, 200)
            self.assertTrue(h["content-type"].startswith("text/html"))
            self.assertIn(b"/web/page.js", body)
            self.assertIn("default-src 'self'", h["content-security-policy"])
            self.assertNotIn(b"http://", body)  # nothing fetched from elsewhere
            self.assertNotIn(b"https://", body)

    def test_auth_on_page_api_and_whep(self):
        args = ["--rtsp-user", "viewer", "--rtsp-password", "s3cret", "--rtsp-auth", "basic"]
        with Rig(server_args=args) as rig, Browser() as b:
            base = rig.control
            basic = {"Authorization": "Basic " + base64.b64encode(b"viewer:s3cret").decode()}
            wrong = {"Authorization": "Basic " + base64.b64encode(b"viewer:nope").decode()}
            for path in ["/", "/web/page.js", "/api/status", "/status"]:
                self.assertEqual(http_request(base, "GET", path, {"Accept": "text/html"})[0], 401, path)
                self.assertEqual(http_request(base, "GET", path, dict(wrong, Accept="text/html"))[0], 401, path)
                self.assertEqual(http_request(base, "GET", path, dict(basic, Accept="text/html"))[0], 200, path)
            b.open(base.replace("http://", "http://viewer:s3cret@") + "api/status")
            b.install_whep_client()
            offer = b.offer()
            self.assertEqual(http_request(base, "POST", "/whep/cam", SDP, offer)[0], 401)
            # The CORS preflight carries no credentials.
            self.assertEqual(http_request(base, "OPTIONS", "/whep/cam")[0], 204)
            code, h, body = http_request(base, "POST", "/whep/cam", dict(SDP, Authorization="Bearer nope"), offer)
            self.assertEqual(code, 401)
            self.assertIn("Bearer", h["www-authenticate"])
            code, h, _ = http_request(base, "POST", "/whep/cam", dict(SDP, **basic), offer)
            self.assertEqual(code, 201)
            self.assertEqual(http_request(base, "DELETE", h["location"])[0], 401)
            self.assertEqual(http_request(base, "DELETE", h["location"], basic)[0], 200)
            # A WHEP player with the password as its Bearer token plays.
            r = b.js_async("whep(arguments[0], 's3cret')", rig.server.ready["whep"])
            self.assertEqual(r.get("status"), 201, r)
            b.wait_js("return frames_of(0) >= 10", 20, "the Bearer client playing")

    def test_page_with_digest_login(self):
        # The default scheme, Digest, in the browser: the page, its API
        # calls and its WHEP session all pass with the login the user gave.
        args = ["--rtsp-user", "viewer", "--rtsp-password", "s3cret"]
        with Rig(server_args=args) as rig, Browser() as b:
            self.assertEqual(http_request(rig.control, "GET", "/", {"Accept": "text/html"})[0], 401)
            b.open(rig.control.replace("http://", "http://viewer:s3cret@"))
            self.assertEqual(wait_page_playing(b), 640)
            b.driver.find_element("id", "snapshot").click()
            b.wait_js("return document.getElementById('still').naturalWidth > 0", 20, "the picture shown")
            # The file list's thumbnails and settings come with the same login.
            b.wait_js("const i = document.querySelector('#files tr img.thumb'); return i && i.naturalWidth > 0", 20,
                      "the first thumbnail")
            b.wait_js("return !!document.getElementById('set-exposure')", 20, "the settings panel")
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, rig.control, "viewer", "s3cret")
            opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
            status = json.loads(rig.get("api/status", opener=opener)[2])
            self.assertEqual(status["webrtc_viewers"], 1)


if __name__ == "__main__":
    unittest.main()
