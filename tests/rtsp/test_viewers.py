"""How viewers come and go: a late joiner starts at the next keyframe, a
SETUP without DESCRIBE joins the one camera pipeline, a killed viewer
lets go of the camera at once, idle unauthenticated connections are
closed, and connections never stall."""

import http.client
import json
import signal
import socket
import threading
import time
import unittest
import urllib.parse
import urllib.request

from ipcamtest.players import decoder_errors
from ipcamtest.rtsp_rig import Rig

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

Gst.init(None)
GOP = 30  # the sample stream: a keyframe every 30 frames


def rtsp_request(host, port, lines, timeout=10):
    """Sends one RTSP request on a new connection; returns (status, headers, socket)."""
    s = socket.create_connection((host, port), timeout=timeout)
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    raw_head, _, body = data.partition(b"\r\n\r\n")
    head = raw_head.decode(errors="replace").split("\r\n")
    status = int(head[0].split()[1]) if head and len(head[0].split()) > 1 else None
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
    while len(body) < int(headers.get("content-length", "0")):  # the SDP of a DESCRIBE
        chunk = s.recv(4096)
        if not chunk:
            break
        body += chunk
    return status, headers, s


class Viewer:
    """rtspsrc ! rtph264depay ! h264parse ! avdec_h264 ! fakesink in this
    process: when the first picture is decoded, whether the first access
    unit was a keyframe, and every warning or error on the bus."""

    def __init__(self, url):
        self.pipeline = Gst.parse_launch(
            "rtspsrc name=rtsp protocols=tcp latency=100 location=%s ! rtph264depay ! h264parse name=parse ! "
            "avdec_h264 name=dec ! fakesink sync=false" % url)
        self.first_au_key = None
        self.first_decoded = threading.Event()
        self.on_first_decoded = None
        self.complaints = []
        parse_src = self.pipeline.get_by_name("parse").get_static_pad("src")
        parse_src.add_probe(Gst.PadProbeType.BUFFER, self._au)
        self.pipeline.get_by_name("dec").get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, self._decoded)
        bus = self.pipeline.get_bus()
        bus.enable_sync_message_emission()
        bus.connect("sync-message", self._message)

    def _au(self, pad, info):
        if self.first_au_key is None:
            self.first_au_key = not info.get_buffer().has_flags(Gst.BufferFlags.DELTA_UNIT)
        return Gst.PadProbeReturn.OK

    def _decoded(self, pad, info):
        if not self.first_decoded.is_set():
            if self.on_first_decoded:
                self.on_first_decoded()
            self.first_decoded.set()
        return Gst.PadProbeReturn.OK

    def _message(self, bus, msg):
        if msg.type in (Gst.MessageType.WARNING, Gst.MessageType.ERROR):
            err, _ = msg.parse_warning() if msg.type == Gst.MessageType.WARNING else msg.parse_error()
            self.complaints.append("%s: %s" % (msg.src.get_name(), err.message))

    def play(self):
        self.pipeline.set_state(Gst.State.PLAYING)

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)


class ViewersTest(unittest.TestCase):
    def test_late_joiner_starts_at_the_next_keyframe(self):
        with Rig() as rig:
            watcher = rig.start_ffmpeg(seconds=20)
            rig.sim.wait_counter("frames_sent", 2 * GOP, 20)
            # Join at frame 15 of a group of pictures.
            deadline = time.monotonic() + 10
            while rig.sim.live_counter("frames_sent") % GOP != GOP // 2:
                self.assertLess(time.monotonic(), deadline)
            joined_at = rig.sim.live_counter("frames_sent")
            viewer = Viewer(rig.url)
            first = {}
            viewer.on_first_decoded = lambda: first.setdefault("frames_sent", rig.sim.live_counter("frames_sent"))
            viewer.play()
            self.assertTrue(viewer.first_decoded.wait(15), viewer.complaints)
            # A couple of groups of pictures more, then stop.
            frames_then = rig.sim.live_counter("frames_sent")
            rig.sim.wait_counter("frames_sent", frames_then + 2 * GOP, 20)
            viewer.stop()
            watcher.kill()
            watcher.communicate()
            self.assertEqual(viewer.complaints, [])
            self.assertTrue(viewer.first_au_key, "the first access unit was not a keyframe")
            # The first picture is the next keyframe: within one keyframe
            # interval of the join (plus the client's 100 ms jitter buffer).
            waited = first["frames_sent"] - joined_at
            print("late joiner: first picture %d camera frames after joining at frame %d of the group" %
                  (waited, GOP // 2))
            self.assertLessEqual(waited, GOP + 6)

    def test_setup_without_describe_joins_the_one_camera(self):
        with Rig(linger=1) as rig:
            u = urllib.parse.urlsplit(rig.url)
            # TCP interleaved and UDP, kept open while a normal client
            # plays (a connection that closes takes its media with it at
            # once), then gone without TEARDOWN.
            held = []
            for transport in ("RTP/AVP/TCP;unicast;interleaved=0-1", "RTP/AVP;unicast;client_port=40000-40001"):
                status, headers, s = rtsp_request(u.hostname, u.port, [
                    "SETUP %s/stream=0 RTSP/1.0" % rig.url, "CSeq: 1", "Transport: " + transport])
                held.append(s)
                self.assertIn(status, (200, 454, 455, 459), headers)
                if status == 200:
                    self.assertIn("timeout=15", headers.get("session", ""))  # --session-timeout's default
            # A normal client plays at once, and without a complaint.
            rc, err = rig.ffmpeg(seconds=2)
            for s in held:
                s.close()
            self.assertEqual(rc, 0, err)
            self.assertEqual(decoder_errors(err), [])
            self.assertEqual(rig.stop_server(), 0)
        self.assertEqual(rig.sim.counter("busy_refused"), 0)
        self.assertEqual(rig.sim.counter("logins_accepted"), 2)  # the check, then one camera session

    def test_a_viewer_that_does_not_play_loses_whole_groups_of_pictures(self):
        with Rig() as rig:
            u = urllib.parse.urlsplit(rig.url)
            # DESCRIBE and SETUP, then never PLAY: gst-rtsp-server holds
            # that media blocked, its appsrc stops asking, the hub drops.
            status, headers, s = rtsp_request(u.hostname, u.port, ["DESCRIBE %s RTSP/1.0" % rig.url, "CSeq: 1",
                                                                   "Accept: application/sdp"])
            self.assertEqual(status, 200, headers)
            s.sendall(("SETUP %s/stream=0 RTSP/1.0\r\nCSeq: 2\r\n"
                       "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n" % rig.url).encode())
            self.assertIn(b"200 OK", s.recv(4096))
            rig.wait_for(lambda: rig.status()["dropped_gops"] >= 1, 20, "a dropped group of pictures")
            # Meanwhile everyone else watches as if it were not there.
            rc, err = rig.ffmpeg(seconds=3)
            self.assertEqual(rc, 0, err)
            self.assertEqual(decoder_errors(err), [])
            self.assertEqual(rig.status()["viewers"], 1)  # the stalled one
            s.close()
            self.assertEqual(rig.stop_server(), 0)

    def check_released_after_kill(self, transport, server_args, limit):
        with Rig(linger=1, server_args=server_args) as rig:
            client = rig.start_ffmpeg(seconds=60, transport=transport)
            rig.wait_for(lambda: rig.status()["camera"]["connected"] and rig.status().get("viewers") == 1, 20,
                         "one viewer watching")
            rig.sim.wait_counter("frames_sent", 30, 10)
            client.send_signal(signal.SIGKILL)
            client.communicate()
            killed = time.monotonic()
            rig.wait_for(lambda: not rig.status()["camera"]["connected"], limit + 5, "the camera released")
            took = time.monotonic() - killed
            print("killed %s viewer: camera released %.2f s later" % (transport, took))
            self.assertLessEqual(took, limit)
            self.assertIn("camera released", rig.server.stderr())
            # And the camera is free for another client at once.
            rc, err = rig.ffmpeg(seconds=1)
            self.assertEqual(rc, 0, err)
            self.assertEqual(rig.stop_server(), 0)
        self.assertEqual(rig.sim.counter("busy_refused"), 0)

    def test_killed_tcp_viewer_releases_the_camera_after_the_linger(self):
        self.check_released_after_kill("tcp", [], 1 + 1)  # --linger 1, + 1 s

    def test_killed_udp_viewer_releases_the_camera_within_its_session_timeout(self):
        self.check_released_after_kill("udp", ["--session-timeout", 2], 2 + 1 + 1)

    def test_silent_udp_viewer_releases_the_camera_after_its_session_timeout(self):
        # A UDP viewer whose RTSP connection stays open but says nothing
        # more (no keep-alive, no RTCP): gone when its session times out.
        with Rig(linger=1, server_args=["--session-timeout", 2]) as rig:
            u = urllib.parse.urlsplit(rig.url)
            status, _, s = rtsp_request(u.hostname, u.port, ["DESCRIBE %s RTSP/1.0" % rig.url, "CSeq: 1"])
            self.assertEqual(status, 200)
            rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            rtp.bind(("127.0.0.1", 0))
            port = rtp.getsockname()[1]
            s.sendall(("SETUP %s/stream=0 RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP;unicast;client_port=%d-%d"
                       "\r\n\r\n" % (rig.url, port, port + 1)).encode())
            reply = s.recv(4096).decode()
            self.assertIn("timeout=2", reply)
            session = reply.split("Session:", 1)[1].split(";", 1)[0].strip()
            s.sendall(("PLAY %s RTSP/1.0\r\nCSeq: 3\r\nSession: %s\r\n\r\n" % (rig.url, session)).encode())
            self.assertIn("200 OK", s.recv(4096).decode())
            rtp.settimeout(10)
            self.assertTrue(rtp.recv(2048))  # it plays
            silent = time.monotonic()
            rig.wait_for(lambda: not rig.status()["camera"]["connected"], 15, "the camera released")
            took = time.monotonic() - silent
            print("silent UDP viewer: camera released %.2f s after its last word" % took)
            self.assertLessEqual(took, 2 + 1 + 1)  # --session-timeout, --linger, 1 s
            s.close()
            rtp.close()
            self.assertEqual(rig.stop_server(), 0)

    def test_idle_unauthenticated_connections_are_closed(self):
        n = 500
        with Rig(linger=1, server_args=["--rtsp-user", "viewer", "--rtsp-password", "s3cret"]) as rig:
            u = urllib.parse.urlsplit(rig.url)
            idle = [socket.create_connection((u.hostname, u.port), timeout=15) for _ in range(n)]
            opened = time.monotonic()
            # A real client plays meanwhile.
            url = "rtsp://viewer:s3cret@%s:%d%s" % (u.hostname, u.port, u.path)
            rc, err = rig.ffmpeg(seconds=2, url=url)
            self.assertEqual(rc, 0, err)
            self.assertEqual(decoder_errors(err), [])
            # The camera goes after the linger although the idle ones are open.
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, rig.control, "viewer", "s3cret")
            opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
            connected = lambda: json.loads(rig.get("status", opener=opener)[2])["camera"]["connected"]  # noqa: E731
            rig.wait_for(lambda: not connected(), 1 + 5, "the camera released")
            still_open = sum(1 for s in idle if s.fileno() >= 0)
            self.assertEqual(still_open, n)
            # Every idle connection is closed by the server within 10 s.
            for s in idle:
                s.settimeout(max(0.1, opened + 10 - time.monotonic()))
                self.assertEqual(s.recv(1), b"", "an idle connection still open after 10 s")
                s.close()
            print("%d idle connections closed %.1f s after they opened" % (n, time.monotonic() - opened))
            self.assertEqual(rig.stop_server(), 0)

    def test_three_hundred_connects_do_not_stall(self):
        with Rig() as rig:
            u = urllib.parse.urlsplit(rig.url)
            start = time.monotonic()
            for i in range(300):
                status, _, s = rtsp_request(u.hostname, u.port, ["OPTIONS %s RTSP/1.0" % rig.url, "CSeq: %d" % i])
                s.close()
                self.assertEqual(status, 200)
            rtsp_s = time.monotonic() - start
            c = urllib.parse.urlsplit(rig.control)
            start = time.monotonic()
            for _ in range(300):
                conn = http.client.HTTPConnection(c.hostname, c.port, timeout=10)
                conn.request("GET", "/status")
                self.assertEqual(conn.getresponse().status, 200)
                conn.close()
            api_s = time.monotonic() - start
            print("300 connects: RTSP %.2f s, control API %.2f s" % (rtsp_s, api_s))
            self.assertLess(rtsp_s, 5)
            self.assertLess(api_s, 5)


if __name__ == "__main__":
    unittest.main()
