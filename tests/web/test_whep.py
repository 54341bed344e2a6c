"""WHEP for other players: the test's own WebRTC client in Chromium (not
the page's), the session's release, the port range, and a camera that
cannot be reached."""

import re
import time
import unittest

from ipcamtest import server
from ipcamtest.ports import free_udp_port
from ipcamtest.rtsp_rig import Rig
from ipcamtest.web_rig import Browser, http_request


def candidates(sdp):
    return re.findall(r"^a=candidate:\S+ \d+ UDP \d+ (\S+) (\d+) typ host", sdp, re.M | re.I)


class WhepTest(unittest.TestCase):
    def test_plain_client_plays_and_delete_releases(self):
        with Rig(linger=1) as rig, Browser() as b:
            whep = rig.server.ready["whep"]
            b.open(rig.control + "api/status")  # the server's origin, not its page
            b.install_whep_client()
            started = time.monotonic()
            r = b.js_async("whep(arguments[0])", whep)
            self.assertEqual(r.get("status"), 201, r)
            self.assertRegex(r["location"], r"^/whep/cam/[0-9a-f-]{36}$")
            # No trickle: every candidate is in the answer, on the bind address.
            self.assertEqual(candidates(r["answer"]), [("127.0.0.1", candidates(r["answer"])[0][1])])
            self.assertIn("a=end-of-candidates", r["answer"])
            self.assertIn("a=sendonly", r["answer"])
            b.wait_js("return frames_of(0) >= 30", 20, "the WHEP client playing")
            first_frames = time.monotonic() - started
            self.assertEqual(b.js("return sessions[0].video.videoWidth"), 640)
            # It started on a keyframe: the browser never had to ask for one
            # (PLI, FIR), and dropped and lost nothing.
            stats = b.js_async(
                "sessions[0].pc.getStats().then((r) => [...r.values()].filter((s) => s.type === 'inbound-rtp')"
                ".map((s) => [s.pliCount, s.firCount, s.framesDropped, s.packetsLost, s.keyFramesDecoded]))")
            self.assertEqual(len(stats), 1, stats)
            self.assertEqual(stats[0][:4], [0, 0, 0, 0], stats)
            self.assertGreaterEqual(stats[0][4], 1)
            self.assertEqual(rig.status()["webrtc_viewers"], 1)
            self.assertEqual(rig.status()["viewers"], 1)
            self.assertEqual(b.js_async("whep_delete(0)"), 200)
            gone = time.monotonic()
            rig.wait_for(lambda: rig.status()["viewers"] == 0 and rig.status()["webrtc_viewers"] == 0, 5,
                         "the session released")
            # ... and the camera with it, after --linger 1.
            rig.wait_for(lambda: not rig.status()["camera"]["connected"], 5, "the camera released")
            self.assertLess(time.monotonic() - gone, 5)
            code, _, body = http_request(rig.control, "DELETE", r["location"])
            self.assertEqual(code, 404, body)
            print("first 30 frames after %.2f s" % first_frames)

    def test_closed_browser_is_released(self):
        with Rig() as rig:
            b = Browser()
            try:
                b.open(rig.control + "api/status")
                b.install_whep_client()
                self.assertEqual(b.js_async("whep(arguments[0])", rig.server.ready["whep"]).get("status"), 201)
                b.wait_js("return frames_of(0) >= 10", 20, "playing")
                self.assertEqual(rig.status()["webrtc_viewers"], 1)
            finally:
                b.close()  # the tab goes without a DELETE
            closed = time.monotonic()
            rig.wait_for(lambda: rig.status()["webrtc_viewers"] == 0 and rig.status()["viewers"] == 0, 5,
                         "the closed browser's viewer released")
            print("released %.2f s after the browser closed" % (time.monotonic() - closed))

    def test_bad_port_range_is_a_usage_error(self):
        for bad in ["0-10", "60000-50000", "50000", "x-y"]:
            p = server.run(["--webrtc-ports", bad], timeout=30)
            self.assertEqual(p.returncode, 2, bad)
            self.assertIn("--webrtc-ports %s: expected MIN-MAX" % bad, p.stderr.decode())

    def test_webrtc_ports(self):
        port = free_udp_port()
        with Rig(server_args=["--webrtc-ports", "%d-%d" % (port, port)]) as rig, Browser() as b:
            b.open(rig.control + "api/status")
            b.install_whep_client()
            r = b.js_async("whep(arguments[0])", rig.server.ready["whep"])
            self.assertEqual(r.get("status"), 201, r)
            self.assertEqual(candidates(r["answer"]), [("127.0.0.1", str(port))])
            b.wait_js("return frames_of(0) >= 10", 20, "playing on the one port")
            # The range is used up: the next viewer is told so.
            r2 = b.js_async("whep(arguments[0])", rig.server.ready["whep"])
            self.assertEqual(r2.get("status"), 503, r2)
            self.assertIn("--webrtc-ports", r2["text"])

    def test_methods(self):
        with Rig() as rig, Browser() as b:
            b.open(rig.control + "api/status")
            b.install_whep_client()
            path = "/whep/cam"
            code, h, _ = http_request(rig.control, "OPTIONS", path)
            self.assertEqual(code, 204)
            self.assertEqual(h["accept-post"], "application/sdp")
            self.assertEqual(h["access-control-allow-origin"], "*")
            self.assertIn("POST", h["access-control-allow-methods"])
            self.assertEqual(http_request(rig.control, "GET", path)[0], 405)
            self.assertEqual(http_request(rig.control, "POST", path, {"Content-Type": "text/plain"}, "x")[0], 415)
            self.assertEqual(http_request(rig.control, "POST", "/whep/other",
                                          {"Content-Type": "application/sdp"}, b.offer())[0], 404)
            code, h, answer = http_request(rig.control, "POST", path, {"Content-Type": "application/sdp"}, b.offer())
            self.assertEqual(code, 201, answer)
            self.assertEqual(h["content-type"], "application/sdp")
            self.assertEqual(h["access-control-expose-headers"], "Location, Accept-Post")
            # Trickle ICE is not supported: PATCH is 405.
            self.assertEqual(http_request(rig.control, "PATCH", h["location"],
                                          {"Content-Type": "application/trickle-ice-sdpfrag"}, "a=x\r\n")[0], 405)
            self.assertEqual(http_request(rig.control, "DELETE", h["location"])[0], 200)
            self.assertEqual(rig.status()["webrtc_viewers"], 0)

    def test_unreachable_camera_is_503(self):
        with Rig(server_args=["--wait-for-camera", "--timeout", "500", "--reconnect-attempts", "0"]) as rig, \
                Browser() as b:
            b.open(rig.control + "api/status")
            b.install_whep_client()
            rig.sim.stop()  # the camera is gone
            code, _, body = http_request(rig.control, "POST", "/whep/cam", {"Content-Type": "application/sdp"},
                                         b.offer())
            self.assertEqual(code, 503, body)
            self.assertIn("camera", body.decode())

    def test_sigterm_while_a_browser_watches(self):
        with Rig() as rig, Browser() as b:
            b.open(rig.control + "api/status")
            b.install_whep_client()
            self.assertEqual(b.js_async("whep(arguments[0])", rig.server.ready["whep"]).get("status"), 201)
            b.wait_js("return frames_of(0) >= 10", 20, "playing")
            code, seconds = rig.stop_server(), rig.shutdown_seconds
            self.assertEqual(code, 0, rig.server.stderr())
            self.assertLess(seconds, 6)
            err = rig.server.stderr()
            for bad in ["CRITICAL", "WARNING **", "did not stop in time"]:
                self.assertNotIn(bad, err)


if __name__ == "__main__":
    unittest.main()
