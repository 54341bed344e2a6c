"""The control API while clients watch, and RTSP/API authentication."""

import json
import os
import socket
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.error
import urllib.request

from ipcamtest.players import ffprobe_video
from ipcamtest.rtsp_rig import Rig
from ipcamtest.waiting import wait_for


def jpeg_size(data):
    """(width, height) of a JPEG decoded by ffprobe, or None."""
    with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
        f.write(data)
        f.flush()
        p = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height",
                            "-of", "json", f.name], capture_output=True, timeout=20)
    streams = json.loads(p.stdout or b"{}").get("streams", [])
    return (streams[0]["width"], streams[0]["height"]) if streams and streams[0]["codec_name"] == "mjpeg" else None


def server_side_connections(port):
    """This machine's TCP sockets on local port `port` that are established
    or that the peer closed and the server has not (CLOSE-WAIT)."""
    n = 0
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(name) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                n += local_port == port and fields[3] in ("01", "08")
    return n


def http_error(fn):
    try:
        fn()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
    return None


def log_in(port):
    """A control client logged in to the camera (answering its alive
    request, as the protocol wants before login accepted)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(struct.pack(">HHI", 0xABCD, 128, 0x0110) + b"admin".ljust(64, b"\0") + b"12345".ljust(64, b"\0"))
    data = b""
    while True:
        while len(data) < 8 or len(data) < 8 + struct.unpack(">H", data[2:4])[0]:
            chunk = s.recv(4096)
            if not chunk:
                raise AssertionError("the camera closed the login")
            data += chunk
        length, kind = struct.unpack(">HI", data[2:8])
        data = data[8 + length:]
        if kind == 0x0112:
            s.sendall(struct.pack(">HHI", 0xABCD, 0, 0x0113))
        elif kind == 0x0111:
            return s


class ControlTest(unittest.TestCase):
    def test_still_while_four_clients_watch(self):
        with Rig() as rig:
            watch_s = 8
            clients = [rig.start_ffmpeg(seconds=watch_s, transport="tcp" if i % 2 else "udp") for i in range(4)]
            rig.wait_for(lambda: rig.status()["clients"] == 4 and rig.status()["stats"].get("frames", 0) > 10, 20,
                         "four clients watching")
            status = rig.status()
            self.assertTrue(status["camera"]["connected"])
            self.assertEqual(status["camera"]["firmware"], "v1.0 rc5")
            frames_before = status["stats"]["frames"]

            code, headers, body = rig.get("still", method="POST")
            self.assertEqual(code, 200)
            self.assertEqual(headers["Content-Type"], "image/jpeg")
            self.assertTrue(body.startswith(b"\xff\xd8") and body.rstrip(b"\0").endswith(b"\xff\xd9"))
            self.assertEqual(jpeg_size(body), (640, 360))
            camera_path = headers["X-Ipcam-Path"]
            with open(os.path.join(rig.sim.store, os.path.basename(camera_path)), "rb") as f:
                self.assertEqual(f.read(), body)

            # The stream went on during the still and every client kept it.
            rig.wait_for(lambda: rig.status()["stats"]["frames"] > frames_before + 30, 10, "frames after the still")
            for i, c in enumerate(clients):
                _, err = c.communicate(timeout=40)
                self.assertEqual(c.returncode, 0, "client %d: %s" % (i, err.decode(errors="replace")))
            self.assertEqual(rig.stop_server(), 0)
        self.assertEqual(rig.sim.counter("busy_refused"), 0)
        self.assertEqual(rig.sim.counter("stills_requested"), 1)

    def test_record_files_download_without_clients(self):
        with Rig() as rig:
            self.assertEqual(json.loads(rig.get("record/start", method="POST")[2]), {"recording": True})
            self.assertTrue(rig.status()["recording"])
            self.assertEqual(json.loads(rig.get("record/stop", method="POST")[2]), {"recording": False})
            files = json.loads(rig.get("files")[2])
            self.assertTrue(files)
            for f in files:
                self.assertEqual(set(f), {"path", "size", "kind"})
                self.assertEqual(f["kind"], {"JPG": "photo", "MP4": "video"}[f["path"].rsplit(".", 1)[1]])
            dated = json.loads(rig.get("files?dates=true")[2])
            self.assertEqual([f["path"] for f in dated], [f["path"] for f in files])
            # The camera's Last-Modified, for each file.
            self.assertTrue(all(f["modified"].endswith("Z") for f in dated), dated)
            clip = max(files, key=lambda f: f["size"])
            code, headers, body = rig.get("files/download?path=" + urllib.request.quote(clip["path"]))
            self.assertEqual(code, 200)
            self.assertEqual(len(body), clip["size"])
            with open(os.path.join(rig.sim.store, os.path.basename(clip["path"])), "rb") as f:
                self.assertEqual(f.read(), body)
            self.assertEqual(headers["Content-Disposition"], 'attachment; filename="%s"' % os.path.basename(clip["path"]))

            self.assertEqual(http_error(lambda: rig.get("files/download?path=/mnt/sdcard/NOPE.MOV"))[0], 404)
            self.assertEqual(http_error(lambda: rig.get("files/download?path=/mnt/sdcard/.."))[0], 400)
            self.assertEqual(http_error(lambda: rig.get("files/download"))[0], 400)
            code, headers, body = http_error(lambda: rig.get("still"))
            self.assertEqual((code, headers["Allow"]), (405, "POST"))
            self.assertIn("error", json.loads(body))
            self.assertEqual(http_error(lambda: rig.get("nothing-here"))[0], 404)
            self.assertEqual(json.loads(rig.get("still?fetch=false", method="POST")[2]), {"taken": True})
            # A typo is refused, not taken as yes (no still is taken for it).
            stills = rig.sim.live_counter("stills_requested")
            code, _, body = http_error(lambda: rig.get("still?fetch=maybe", method="POST"))
            self.assertEqual(code, 400, body)
            self.assertIn("fetch", json.loads(body)["error"])
            self.assertEqual(rig.sim.live_counter("stills_requested"), stills)
            self.assertEqual(rig.stop_server(), 0)
        # No stream ran: each request used a short session of its own.
        self.assertEqual(rig.sim.counter("busy_refused"), 0)

    def test_connections_that_send_no_whole_request_are_closed(self):
        """The control port gives a connection 10 s to send a whole request
        (the first, or the next on a kept-alive one): one that never speaks,
        one that sends half a request head and one that idles after an
        answer are closed by the server, while another client is answered;
        and the server keeps none of the connections that came and went."""
        with Rig() as rig:
            u = urllib.parse.urlsplit(rig.control)
            for _ in range(100):
                self.assertEqual(rig.get("status")[0], 200)
            opened = time.monotonic()
            silent = socket.create_connection((u.hostname, u.port), timeout=20)
            half = socket.create_connection((u.hostname, u.port), timeout=20)
            half.sendall(b"GET /api/status HTTP/1.1\r\nHost: %s\r\n" % u.netloc.encode())
            kept = socket.create_connection((u.hostname, u.port), timeout=20)
            kept.sendall(b"GET /api/status HTTP/1.1\r\nHost: %s\r\n\r\n" % u.netloc.encode())
            answer = b""
            while b"\r\n\r\n" not in answer:
                answer += kept.recv(4096)
            self.assertTrue(answer.startswith(b"HTTP/1.1 200"), answer[:100])
            # Meanwhile another client is answered at once.
            self.assertEqual(rig.get("status")[0], 200)
            for name, s in (("silent", silent), ("half a request", half), ("kept alive", kept)):
                while s.recv(65536):  # what is left of the answer, then the end
                    pass
                took = time.monotonic() - opened
                self.assertLess(took, 15, "the %s connection still open %.1f s after it opened" % (name, took))
                s.close()
            print("the three connections were closed %.1f s after they opened" % (time.monotonic() - opened))
            wait_for(lambda: server_side_connections(u.port) == 0, 5,
                     "the server to let go of every connection of its control port")
            self.assertEqual(rig.get("status")[0], 200)
            self.assertEqual(rig.stop_server(), 0)

    def test_authentication_digest(self):
        self.check_auth("digest")

    def test_authentication_basic(self):
        self.check_auth("basic")

    def check_auth(self, scheme):
        with Rig(server_args=["--rtsp-user", "viewer", "--rtsp-password", "s3cret", "--rtsp-auth", scheme]) as rig:
            host = rig.url.split("//", 1)[1]
            rc, streams, err = ffprobe_video(rig.url, "tcp")
            self.assertNotEqual(rc, 0)
            self.assertIn("401", err)
            rc, streams, err = ffprobe_video("rtsp://viewer:wrong@" + host, "tcp")
            self.assertNotEqual(rc, 0)
            self.assertIn("401", err)
            rc, streams, err = ffprobe_video("rtsp://viewer:s3cret@" + host, "tcp")
            self.assertEqual(rc, 0, err)
            self.assertEqual(streams, [{"codec_name": "h264", "width": 640, "height": 360}])

            code, headers, _ = http_error(lambda: rig.get("status"))
            self.assertEqual(code, 401)
            self.assertTrue(headers["WWW-Authenticate"].lower().startswith(scheme))
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, rig.control, "viewer", "s3cret")
            handler = (urllib.request.HTTPDigestAuthHandler if scheme == "digest"
                       else urllib.request.HTTPBasicAuthHandler)(passwords)
            code, _, body = rig.get("status", opener=urllib.request.build_opener(handler))
            self.assertEqual(code, 200)
            self.assertIn("camera", json.loads(body))
            self.assertNotIn("s3cret", rig.server.stderr())
            self.assertEqual(rig.stop_server(), 0)

    def test_api_failures_keep_their_cause(self):
        # (A request waits --timeout for the stream's session to come back:
        # 1.5 s here, shorter than the 4 s before ipcamsrc reconnects.)
        with Rig(sim_args=["--drop-after-frames", 60],
                 server_args=["--reconnect-backoff", 4000, "--timeout", 1500]) as rig:
            # Busy: no stream runs, and another client holds the camera's one
            # control session, so the API's own short session is refused.
            holder = log_in(rig.sim.control_port)
            code, _, body = http_error(lambda: rig.get("still", method="POST"))
            self.assertEqual(code, 409, body)
            holder.close()
            rig.wait_for(lambda: rig.get("record/stop", method="POST")[0] == 200, 10, "the camera free again")
            # Not connected: a stream runs, the camera dropped it, and
            # ipcamsrc waits 4 s before it reconnects; the request goes
            # through the stream's ipcamsrc, which has no session now.
            client = rig.start_ffmpeg(seconds=15)
            rig.sim.wait_counter("sessions_dropped_fault", 1, 20)
            code, _, body = http_error(lambda: rig.get("still", method="POST"))
            self.assertEqual(code, 503, body)
            self.assertIn("not connected", json.loads(body)["error"])
            client.kill()
            client.communicate()
            self.assertEqual(rig.stop_server(), 0)
        # Timeout: the camera takes the still but never answers, while a
        # stream runs (the request goes through its ipcamsrc).
        with Rig(sim_args=["--no-still-answer"], server_args=["--timeout", 1500]) as rig:
            client = rig.start_ffmpeg(seconds=15)
            rig.sim.wait_counter("frames_sent", 10, 20)
            code, _, body = http_error(lambda: rig.get("still?fetch=false", method="POST"))
            self.assertEqual(code, 504, body)
            client.kill()
            client.communicate()
            self.assertEqual(rig.stop_server(), 0)
        # Camera gone: cannot connect.
        with Rig() as rig:
            rig.sim.stop()
            code, _, body = http_error(lambda: rig.get("still", method="POST"))
            self.assertEqual(code, 503, body)


if __name__ == "__main__":
    unittest.main()
