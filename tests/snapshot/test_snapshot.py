"""GET /api/frame.jpeg against ipcam-sim encoding live with its capture
time painted across the top (--paint-frame-number): the picture is the
current one (its painted time within two frame intervals of the request)
with an RTSP viewer and without; it decodes in ffmpeg with no warning, at
the camera's size or the asked width; blacks are 0 (full range); a cold
camera answers and is released after --linger; an unreachable camera is a
503 with its reason within the camera's timeout; a stop answers a waiting
snapshot at once; bad widths are 400, unknown cameras 404."""

import json
import subprocess
import threading
import time
import unittest
import urllib.error
import urllib.request

from ipcamtest.rtsp_rig import Rig

FPS = 30
FRAME_MS = 1000.0 / FPS
STAMP_BITS, STAMP_ROWS = 16, 48  # sim/frame-stamp.h


def fetch(base, path, method="GET", timeout=30):
    """(status, headers, body, seconds) of one request, errors included."""
    req = urllib.request.Request(base + path, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    start = time.monotonic()
    try:
        with opener.open(req, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read(), time.monotonic() - start
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read(), time.monotonic() - start


def decode(jpeg):
    """The JPEG through ffmpeg: (width, height, its luma plane, what ffmpeg
    -v warning said decoding it)."""
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=width,height,pix_fmt", "-of", "json",
                            "-"], input=jpeg, capture_output=True, timeout=30)
    stream = json.loads(probe.stdout)["streams"][0]
    w, h = stream["width"], stream["height"]
    check = subprocess.run(["ffmpeg", "-nostdin", "-v", "warning", "-f", "jpeg_pipe", "-i", "-", "-f", "null", "-"],
                           input=jpeg, capture_output=True, timeout=30)
    # The decoder's own planar format, unconverted (a conversion would be
    # swscale's, not the JPEG's): the luma plane comes first.
    assert stream["pix_fmt"] in ("yuvj420p", "yuvj422p", "yuvj444p", "gray"), stream
    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "jpeg_pipe", "-i", "-", "-f", "rawvideo", "-"],
                         input=jpeg, capture_output=True, timeout=30)
    return w, h, raw.stdout[:w * h], check.stderr.decode(errors="replace")


def painted(w, luma):
    """The painted capture time (wall clock ms mod 65536) and the luma of
    its black and white blocks."""
    block = w // STAMP_BITS
    values = [luma[(STAMP_ROWS // 2) * w + b * block + block // 2] for b in range(STAMP_BITS)]
    stamp = 0
    for v in values:
        stamp = (stamp << 1) | (1 if v >= 128 else 0)
    return stamp, [v for v in values if v < 128], [v for v in values if v >= 128]


def age_ms(stamp, at_ms):
    """How long before `at_ms` (wall clock ms) the picture was taken (negative: after)."""
    d = (int(at_ms) - stamp) % 65536
    return d - 65536 if d >= 32768 else d


class SnapshotTest(unittest.TestCase):
    def check_picture(self, body, width=640, height=360):
        w, h, luma, warnings = decode(body)
        self.assertEqual(warnings, "")
        self.assertEqual((w, h), (width, height))
        return w, luma

    def check_current(self, rig, n):
        """n snapshots, each painted within two frame intervals of its request."""
        ages = []
        for _ in range(n):
            asked = time.time() * 1000
            code, headers, body, _ = fetch(rig.control, "api/frame.jpeg")
            self.assertEqual(code, 200, body)
            self.assertEqual(headers["content-type"], "image/jpeg")
            self.assertEqual(headers["cache-control"], "no-store")
            w, luma = self.check_picture(body)
            stamp, blacks, whites = painted(w, luma)
            self.assertTrue(blacks and whites)
            self.assertLessEqual(max(blacks), 8, "full range: black is 0")
            self.assertGreaterEqual(min(whites), 245, "full range: white is 255")
            ages.append(age_ms(stamp, asked))
            time.sleep(0.05)
        print("picture age at the request, ms:", ages, flush=True)
        self.assertLessEqual(max(abs(a) for a in ages), 2 * FRAME_MS, ages)
        return ages

    def test_current_picture_with_a_viewer_and_without(self):
        linger = 2
        with Rig(live=True, sim_args=["--paint-frame-number", "--fps", FPS], linger=linger) as rig:
            # Cold: the camera starts for the snapshot; the picture is newer than the request.
            asked = time.time() * 1000
            code, _, body, _ = fetch(rig.control, "api/frame.jpeg")
            self.assertEqual(code, 200, body)
            answered = time.time() * 1000
            w, luma = self.check_picture(body)
            stamp, _, _ = painted(w, luma)
            self.assertLessEqual(age_ms(stamp, asked), 0)
            self.assertGreaterEqual(age_ms(stamp, answered), 0)
            # Warm, nobody watching: the snapshots keep the camera.
            self.check_current(rig, 10)
            self.assertTrue(rig.status()["camera"]["connected"])
            # The other camera path and width: the aspect kept, the height even.
            code, _, body, _ = fetch(rig.control, "api/cameras/cam/frame.jpeg?width=320")
            self.assertEqual(code, 200, body)
            self.check_picture(body, 320, 180)
            code, _, body, _ = fetch(rig.control, "api/frame.jpeg?width=101")
            self.assertEqual(code, 200, body)
            self.check_picture(body, 101, 56)
            code, headers, body, _ = fetch(rig.control, "api/frame.jpeg", method="HEAD")
            self.assertEqual((code, headers["content-type"], body), (200, "image/jpeg", b""))
            # Nobody asks any more: released after the linger, not before.
            left = time.monotonic()
            rig.wait_for(lambda: not rig.status()["camera"]["connected"], linger + 10, "camera release")
            self.assertGreaterEqual(time.monotonic() - left, linger - 0.5)

            # With an RTSP viewer.
            viewer = rig.start_ffmpeg(seconds=20)
            try:
                rig.wait_for(lambda: rig.status()["stats"].get("frames", 0) > 30, 15, "frames flowing")
                self.check_current(rig, 10)
            finally:
                viewer.kill()
                viewer.communicate()
            self.assertEqual(rig.stop_server(), 0)
            for bad in ["CRITICAL", "WARNING **"]:
                self.assertNotIn(bad, rig.server.stderr())

    def test_errors(self):
        with Rig(server_args=["--timeout", "1000", "--reconnect-attempts", "0"]) as rig:
            for width in ["abc", "0", "15", "4097", "-320", "3.5", ""]:
                code, headers, body, _ = fetch(rig.control, "api/frame.jpeg?width=" + width)
                self.assertEqual(code, 400, width)
                self.assertEqual(headers["content-type"], "application/json")
                self.assertIn("width is a whole number of pixels", json.loads(body)["error"])
            code, _, body, _ = fetch(rig.control, "api/cameras/nope/frame.jpeg")
            self.assertEqual(code, 404)
            self.assertIn("no camera named nope", json.loads(body)["error"])
            code, _, body, _ = fetch(rig.control, "api/frame.jpeg", method="POST")
            self.assertEqual(code, 405)

            rig.sim.stop()  # the camera is gone
            code, headers, body, seconds = fetch(rig.control, "api/frame.jpeg")
            self.assertEqual(code, 503, body)
            self.assertEqual(headers["content-type"], "application/json")
            print("unreachable camera: %.2f s, %s" % (seconds, body.decode()), flush=True)
            self.assertIn("camera", json.loads(body)["error"])
            self.assertLess(seconds, 1.0 + 1.0)  # the camera's timeout, and a margin for a loaded machine
            self.assertFalse(rig.status()["camera"]["connected"])

    def test_silent_camera_times_out_and_a_stop_answers_a_waiting_snapshot(self):
        # A camera that takes the connection and never answers: the snapshot waits.
        with Rig(sim_args=["--silent"], server_args=["--wait-for-camera", "--timeout", "2000",
                                                     "--reconnect-attempts", "0"]) as rig:
            code, _, body, seconds = fetch(rig.control, "api/frame.jpeg")
            print("silent camera: %.2f s, %s" % (seconds, body.decode()), flush=True)
            self.assertEqual(code, 503, body)
            self.assertIn("camera", json.loads(body)["error"])
            self.assertLess(seconds, 2.0 + 1.0)  # the camera's timeout, and a margin for a loaded machine
            rig.wait_for(lambda: not rig.status()["camera"]["connected"], 10, "camera let go")
            answer = {}

            def ask():
                answer["r"] = fetch(rig.control, "api/frame.jpeg")
                answer["at"] = time.monotonic()

            t = threading.Thread(target=ask)
            t.start()
            rig.wait_for(lambda: rig.server.stderr().count("connecting to the camera") == 2, 10, "snapshot waiting")
            stopped = time.monotonic()
            self.assertEqual(rig.stop_server(), 0)
            t.join(10)
            code, _, body, _ = answer["r"]
            self.assertEqual(code, 503, body)
            self.assertIn("stopping", json.loads(body)["error"])
            print("stop to answer: %.3f s, server exit %.3f s" % (answer["at"] - stopped, rig.shutdown_seconds),
                  flush=True)
            self.assertLessEqual(answer["at"] - stopped, 0.5)
            self.assertLess(rig.shutdown_seconds, 2)


if __name__ == "__main__":
    unittest.main()
