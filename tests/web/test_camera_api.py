"""The camera's settings, card and clock on the control API, against the
emulator: each route's JSON and status, the 403 of the requests that lose
files or change the clock on a port others reach without credentials,
simultaneous requests sharing the camera's one session, and GET / for a
client that is not a browser."""

import base64
import json
import os
import subprocess
import tempfile
import threading
import unittest
import urllib.request

from ipcamtest import server
from ipcamtest.rtsp_rig import Rig
from ipcamtest.web_rig import http_request

JSON = {"Content-Type": "application/json"}


def call(rig, method, path, body=None, headers=None):
    """(status, decoded JSON) of one request to the rig's server."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    code, _, data = http_request(rig.control, method, path, dict(JSON, **(headers or {})), body)
    return code, json.loads(data) if data else None


def sim_camera(rig):
    """The emulator's own view of the camera (its stats' "camera" part)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open("http://127.0.0.1:%d/ipcam-sim/stats" % rig.sim.http_port, timeout=5) as r:
        return json.loads(r.read())["camera"]


def paths(rig, prefix="/api/"):
    code, files = call(rig, "GET", prefix + "files")
    assert code == 200, files
    return [f["path"] for f in files]


class SettingsTest(unittest.TestCase):
    def test_read_set_refused_and_errors(self):
        with Rig() as rig:
            code, s = call(rig, "GET", "/api/settings")
            self.assertEqual(code, 200, s)
            self.assertEqual(s["firmware"], "v1.0 rc5")
            self.assertEqual(s["layout"], 112)
            # The published ACT76 block the emulator starts with (protocol.md).
            self.assertEqual(s["settings"]["exposure"], 3)
            self.assertEqual(s["settings"]["language"], 8)
            self.assertEqual(s["settings"]["recording"], 0)
            self.assertEqual(len(s["settings"]), 20)
            self.assertIsInstance(s["labels"], dict)
            self.assertIn("mirror", s["writable"])
            self.assertNotIn("model", s["writable"])
            self.assertEqual(call(rig, "GET", "/api/cameras/cam/settings")[1]["settings"], s["settings"])

            code, r = call(rig, "POST", "/api/settings", {"exposure": 2, "led": 0})
            self.assertEqual(code, 200, r)
            self.assertEqual(r["results"], [
                {"name": "exposure", "index": 2, "outcome": "taken", "result": 0, "value": 2},
                {"name": "led", "index": 0, "outcome": "taken", "result": 0, "value": 0}])
            self.assertEqual(call(rig, "GET", "/api/settings")[1]["settings"]["exposure"], 2)

            # Past the emulator's menu of 7 exposures: refused, its number given.
            code, r = call(rig, "POST", "/api/cameras/cam/settings", {"exposure": 9})
            self.assertEqual(code, 200, r)
            one = r["results"][0]
            self.assertEqual(one["outcome"], "refused")
            self.assertNotEqual(one["result"], 0)
            self.assertEqual(call(rig, "GET", "/api/settings")[1]["settings"]["exposure"], 2)

            # Write-only: sent, nothing to read back.
            code, r = call(rig, "POST", "/api/settings", {"mirror": 1})
            self.assertEqual((code, r["results"][0]["outcome"], r["results"][0]["value"]), (200, "sent", None))

            for body, words in [({"nope": 1}, "no setting named nope"), ({"recording": 1}, "recording is read-only"),
                                ({"exposure": "2"}, "an integer"), ({"exposure": 1.5}, "an integer"),
                                ({}, "no setting given"), ([1], "not a JSON object"), ("{", "not JSON")]:
                code, r = call(rig, "POST", "/api/settings", body)
                self.assertEqual(code, 400, body)
                self.assertIn(words, r["error"], body)
            for body in [{"nope": 1}, {"recording": 1}, {"exposure": "2"}]:
                self.assertIn("video-quality, loop-length", call(rig, "POST", "/api/settings", body)[1]["error"])
            self.assertEqual(call(rig, "PUT", "/api/settings")[0], 405)

    def test_ignored_past_the_menu(self):
        with Rig(sim_args=["--past-menu", "ignore"]) as rig:
            code, r = call(rig, "POST", "/api/settings", {"exposure": 9})
            self.assertEqual(code, 200, r)
            self.assertEqual(r["results"], [{"name": "exposure", "index": 9, "outcome": "ignored", "result": 0,
                                             "value": 3}])


class CardTest(unittest.TestCase):
    def test_storage_delete_clock_format(self):
        with Rig(sim_args=["--card-size", 2_000_000_000]) as rig:
            code, s = call(rig, "GET", "/api/storage")
            self.assertEqual(code, 200, s)
            cam = sim_camera(rig)
            self.assertEqual(s, {"remaining": cam["card_remaining"], "total": 2_000_000_000})
            self.assertLess(s["remaining"], s["total"])  # the emulator's files take room

            # Delete: the file leaves the emulator's list, and the room comes back.
            self.assertEqual(call(rig, "POST", "/api/still?fetch=false")[0], 200)
            before = paths(rig)
            room = call(rig, "GET", "/api/storage")[1]["remaining"]
            photo = [p for p in before if p.endswith(".JPG")][-1]
            code, r = call(rig, "DELETE", "/api/files?path=" + urllib.request.quote(photo))
            self.assertEqual((code, r), (200, {"deleted": photo}))
            self.assertNotIn(photo, paths(rig))
            self.assertEqual(len(paths(rig)), len(before) - 1)
            self.assertEqual(rig.sim.live_counter("deletes"), 1)
            self.assertGreater(call(rig, "GET", "/api/storage")[1]["remaining"], room)
            code, r = call(rig, "DELETE", "/api/cameras/cam/files?path=/mnt/sdcard/NOPE.JPG")
            self.assertEqual(code, 404, r)
            self.assertEqual(call(rig, "DELETE", "/api/files")[0], 400)
            self.assertEqual(rig.sim.live_counter("deletes"), 1)

            # The clock: as given, or the host's now.
            code, r = call(rig, "POST", "/api/clock", {"time": "2031-02-03T04:05:06"})
            self.assertEqual((code, r), (200, {"clock": "2031-02-03T04:05:06"}), r)
            self.assertTrue(sim_camera(rig)["clock"].startswith("2031-02-03T04:05"), sim_camera(rig))
            code, r = call(rig, "POST", "/api/cameras/cam/clock")
            self.assertEqual(code, 200, r)
            self.assertFalse(sim_camera(rig)["clock"].startswith("2031"))
            for body in [{"time": "yesterday"}, {"when": "2031-02-03T04:05:06"}, "nope"]:
                code, r = call(rig, "POST", "/api/clock", body)
                self.assertEqual(code, 400, body)
                self.assertIn("ISO 8601" if isinstance(body, dict) else "not JSON", r["error"])

            # Format: only when confirmed.
            for path in ["/api/format", "/api/format?confirm=no", "/api/format?confirm=maybe"]:
                code, r = call(rig, "POST", path)
                self.assertEqual(code, 400, path)
                self.assertIn("confirm=yes", r["error"])
            self.assertEqual(rig.sim.live_counter("formats"), 0)
            self.assertTrue(paths(rig))
            code, r = call(rig, "POST", "/api/cameras/cam/format?confirm=yes")
            self.assertEqual((code, r), (200, {"formatted": True}))
            self.assertEqual(rig.sim.live_counter("formats"), 1)
            self.assertEqual(paths(rig), [])
            self.assertEqual(call(rig, "GET", "/api/storage")[1], {"remaining": 2_000_000_000, "total": 2_000_000_000})
            err = rig.server.stderr()
            self.assertIn("deleting " + photo + " asked by 127.0.0.1", err)
            self.assertIn("formatting the card asked by 127.0.0.1", err)


class EraseGuardTest(unittest.TestCase):
    def test_refused_off_loopback_without_credentials(self):
        # Bound to every address (the server is reached on 127.0.0.1 here):
        # nobody has to log in, so nothing that loses files or the clock.
        with Rig(server_args=["--bind", "0.0.0.0"]) as rig:
            for method, path, body in [("DELETE", "/api/files?path=/mnt/sdcard/DCIM/IMG_0001.JPG", None),
                                       ("POST", "/api/cameras/cam/format?confirm=yes", None),
                                       ("POST", "/api/clock", {"time": "2031-02-03T04:05:06"})]:
                code, r = call(rig, method, path, body)
                self.assertEqual(code, 403, path)
                self.assertIn("--rtsp-user", r["error"])
            self.assertEqual(call(rig, "GET", "/api/storage")[0], 200)  # reading is fine
            self.assertEqual(call(rig, "POST", "/api/settings", {"led": 0})[0], 200)
            self.assertNotIn("2031", sim_camera(rig)["clock"])
            self.assertEqual(rig.sim.live_counter("deletes") + rig.sim.live_counter("formats"), 0)
            self.assertIn("formatting the card refused for 127.0.0.1", rig.server.stderr())

    def test_taken_off_loopback_with_credentials(self):
        args = ["--bind", "0.0.0.0", "--rtsp-user", "viewer", "--rtsp-password", "s3cret", "--rtsp-auth", "basic"]
        with Rig(server_args=args) as rig:
            basic = {"Authorization": "Basic " + base64.b64encode(b"viewer:s3cret").decode()}
            self.assertEqual(call(rig, "POST", "/api/clock", {"time": "2031-02-03T04:05:06"})[0], 401)
            code, r = call(rig, "POST", "/api/clock", {"time": "2031-02-03T04:05:06"}, basic)
            self.assertEqual(code, 200, r)
            self.assertTrue(sim_camera(rig)["clock"].startswith("2031-02-03"))


class SharedSessionTest(unittest.TestCase):
    def parallel(self, rig, paths_, method="POST"):
        """Sends each request at once from its own thread; their statuses and bodies."""
        results = [None] * len(paths_)
        start = threading.Barrier(len(paths_))

        def one(i):
            start.wait()
            results[i] = call(rig, method, paths_[i])

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(paths_))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        return results

    def test_simultaneous_requests_share_the_camera(self):
        with Rig() as rig:
            logins = rig.sim.live_counter("logins_accepted")
            results = self.parallel(rig, ["/api/still?fetch=false"] * 20)
            self.assertEqual([c for c, _ in results], [200] * 20, results)
            self.assertEqual(rig.sim.live_counter("stills_saved"), 20)
            # They queued for the session the first one opened, rather than
            # each logging in as the one before let go.
            logins = rig.sim.live_counter("logins_accepted") - logins
            print("20 simultaneous stills: %d logins" % logins)
            self.assertLess(logins, 20)
            results = self.parallel(rig, ["/api/record/start", "/api/record/stop"] * 5)
            self.assertEqual([c for c, _ in results], [200] * 10, results)
            self.assertEqual(rig.sim.live_counter("busy_replies"), 0)
            self.assertEqual(rig.sim.live_counter("busy_refused"), 0)


class ViewerDuringRequestsTest(unittest.TestCase):
    def test_viewer_arriving_while_requests_run(self):
        """A viewer that arrives while the API's own session is in use gets
        the camera at once (the session lets go), and the requests go on
        through the viewer's stream: none fails, the camera sees no second
        client."""
        with Rig() as rig:
            results = []
            burst = threading.Thread(target=lambda: results.extend(
                SharedSessionTest.parallel(None, rig, ["/api/files", "/api/settings", "/api/storage"] * 4, "GET")))
            burst.start()
            code, err = rig.ffmpeg(seconds=2)
            burst.join(60)
            self.assertEqual((code, err), (0, ""))
            self.assertEqual([c for c, _ in results], [200] * 12, results)
            self.assertEqual(rig.sim.live_counter("busy_replies"), 0)
            self.assertNotIn("already has a client", rig.server.stderr())


class ConfigRig(Rig):
    """A rig whose server also reads a --config file with [camera cam] `keys`."""

    def __init__(self, keys, **kwargs):
        self._config = tempfile.NamedTemporaryFile("w", suffix=".conf", prefix="ipcam-login-")
        self._config.write("[camera cam]\n" + keys + "\n")
        self._config.flush()
        super().__init__(server_args=["--config", self._config.name], **kwargs)

    def camera_args(self):
        args = super().camera_args()
        args[1] = "cam=" + args[1]  # the group's camera
        return args

    def close(self):
        super().close()
        self._config.close()


class LoginSettingsTest(unittest.TestCase):
    def test_apply_settings_after_every_login(self):
        with ConfigRig("apply-settings=exposure=2, led=0") as rig:
            code, s = call(rig, "GET", "/api/settings")
            self.assertEqual((s["settings"]["exposure"], s["settings"]["led"]), (2, 0))
            self.assertEqual(call(rig, "POST", "/api/settings", {"exposure": 5})[1]["results"][0]["value"], 5)
            # The next request logs in again: they are given again.
            self.assertEqual(call(rig, "GET", "/api/settings")[1]["settings"]["exposure"], 2)
            self.assertEqual(call(rig, "POST", "/api/settings", {"exposure": 5})[1]["results"][0]["value"], 5)
            # A viewer's stream (ipcamsrc's own login) gives them too.
            ffmpeg = rig.start_ffmpeg(seconds=30)
            try:
                rig.wait_for(lambda: rig.status()["camera"]["connected"], 20, "the stream")
                rig.wait_for(lambda: call(rig, "GET", "/api/settings")[1]["settings"]["exposure"] == 2, 20,
                             "exposure 2 through the stream")
            finally:
                ffmpeg.kill()
                ffmpeg.wait()
            self.assertNotIn("apply-settings", rig.server.stderr())

    def test_refused_and_mismatched_settings_are_warnings(self):
        with ConfigRig("apply-settings=exposure=9, led=0") as rig:
            self.assertEqual(call(rig, "GET", "/api/settings")[1]["settings"]["led"], 0)  # the rest still given
            self.assertIn("camera cam: apply-settings exposure=9: the camera refused it", rig.server.stderr())
        with ConfigRig("apply-settings=exposure=2, firmware=v9.9") as rig:
            self.assertEqual(call(rig, "GET", "/api/settings")[1]["settings"]["exposure"], 3)
            self.assertIn("apply-settings skipped: they were made for firmware v9.9, the camera has v1.0 rc5",
                          rig.server.stderr())
            self.assertEqual(rig.sim.live_counter("set_exposure"), 0)
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write("[camera cam]\napply-settings=nope=1\n")
            f.flush()
            r = server.run(["--config", f.name, "--camera", "cam=127.0.0.1", "--port", 0, "--control-http-port", 0])
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn(b"apply-settings", r.stderr)
            self.assertIn(b"nope", r.stderr)

    def test_sync_clock(self):
        # On by default: each login gives the camera the host's clock.
        with Rig() as rig:
            self.assertEqual(call(rig, "POST", "/api/clock", {"time": "2031-02-03T04:05:06"})[0], 200)
            self.assertTrue(sim_camera(rig)["clock"].startswith("2031"))
            self.assertEqual(call(rig, "GET", "/api/storage")[0], 200)
            self.assertFalse(sim_camera(rig)["clock"].startswith("2031"))
        with ConfigRig("sync-clock=false") as rig:
            self.assertEqual(call(rig, "POST", "/api/clock", {"time": "2031-02-03T04:05:06"})[0], 200)
            self.assertEqual(call(rig, "GET", "/api/storage")[0], 200)
            self.assertTrue(sim_camera(rig)["clock"].startswith("2031"))
        # A host whose clock was never synchronised leaves the camera's as it is, and says why.
        saved = os.environ.get("IPCAM_HOST_CLOCK")
        os.environ["IPCAM_HOST_CLOCK"] = "unsynchronised"
        try:
            with Rig() as rig:
                self.assertEqual(call(rig, "POST", "/api/clock", {"time": "2031-02-03T04:05:06"})[0], 200)
                self.assertEqual(call(rig, "GET", "/api/storage")[0], 200)
                self.assertTrue(sim_camera(rig)["clock"].startswith("2031"))
                self.assertIn("camera cam: its clock is left as it is", rig.server.stderr())
        finally:
            if saved is None:
                del os.environ["IPCAM_HOST_CLOCK"]
            else:
                os.environ["IPCAM_HOST_CLOCK"] = saved


class RootTest(unittest.TestCase):
    def test_curl_gets_the_page(self):
        with Rig() as rig:
            out = subprocess.run(["curl", "-sS", "--noproxy", "*", "-D", "-", rig.control], capture_output=True,
                                 timeout=30, check=True).stdout.decode()
            head, _, body = out.partition("\r\n\r\n")
            self.assertTrue(head.startswith("HTTP/1.1 200"), head)
            self.assertIn("content-type: text/html", head.lower())
            self.assertIn("/web/page.js", body)
            # A client that asks for JSON only is still sent to the API.
            code, h, _ = http_request(rig.control, "GET", "/", {"Accept": "application/json"})
            self.assertEqual((code, h["location"]), (307, "/api/"))


if __name__ == "__main__":
    unittest.main()
