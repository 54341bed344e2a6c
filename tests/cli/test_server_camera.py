"""ipcam --server URL: settings, record status, storage, rm, set-clock,
format and sync through a running ipcam-rtsp-server's camera API (the
camera takes one control client, and the server holds it); and a busy
camera's 409 answer read as exit 4."""

import http.server
import json
import os
import subprocess
import threading
import unittest

from harness import *  # noqa: F401,F403
from ipcamtest.server import Server

EXIT_REFUSED = 8


class AnswersBusy:
    """An HTTP server that answers every request 409 with the JSON error
    ipcam-rtsp-server gives for a camera that has another client."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                body = json.dumps({"error": "the camera at 127.0.0.1 already has a client"}).encode()
                self.send_response(409)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = answer

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class CameraThroughServer(CliTestCase):
    def setUp(self):
        super().setUp()
        self.files = {"IMG_0001.JPG": os.urandom(4000), "VID_0003.MP4": os.urandom(250000)}
        self.sim = self.start_sim(store=self.make_store(self.files))
        s = self.sim
        self.server = Server(["--camera", "127.0.0.1", "--control-port", str(s.control_port),
                              "--http-port", str(s.http_port), "--preview-port", str(s.preview_port),
                              "--port", "0", "--control-http-port", "0"],
                             env=tool_env(), stderr=subprocess.DEVNULL)
        self.addCleanup(self.server.close)
        ready = self.server.wait_ready(30)
        self.assertIsNotNone(ready, "ipcam-rtsp-server printed no ready line")
        self.url = ready["control"]

    def ipcam(self, *args):
        return self.run_ipcam("--server", self.url, *args)

    def card_files(self):
        return sorted(n for n in os.listdir(self.sim.store) if not n.startswith("."))

    def test_settings(self):
        values = self.json_of(self.ipcam("settings", "--json"))
        self.assertEqual((values["exposure"], values["recording"]), (3, 0))
        r = self.ipcam("settings", "exposure=2", "mirror=1")
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout.splitlines(), ["exposure=2: taken",
                                                 "mirror=1: sent (write-only: the camera does not report it)"])
        self.assertEqual(self.json_of(self.ipcam("settings", "--json"))["exposure"], 2)
        r = self.ipcam("settings", "exposure=99")
        self.assertExit(r, EXIT_REFUSED, "not taken")
        self.assertIn("exposure=99: refused", r.stdout)
        self.assertExit(self.ipcam("settings", "brightness=1"), EXIT_USAGE, "video-quality")
        self.assertEqual(self.ipcam("record", "status").stdout.strip(), "not recording")

    def test_card_and_clock(self):
        info = self.json_of(self.ipcam("storage", "--json"))
        self.assertEqual(info["total"] - info["remaining"], sum(len(d) for d in self.files.values()))
        self.assertExit(self.ipcam("set-clock", "--time", "2026-05-01T12:00:00"), EXIT_OK, "camera clock set")
        self.assertExit(self.ipcam("rm", CAMERA_DIR + "IMG_0001.JPG"), EXIT_OK, "deleted")
        self.assertEqual(self.card_files(), ["VID_0003.MP4"])
        self.assertExit(self.ipcam("format"), EXIT_USAGE, "1 files, 250000 bytes")
        self.assertEqual(self.card_files(), ["VID_0003.MP4"])
        self.assertExit(self.ipcam("format", "--yes"), EXIT_OK, "card formatted")
        self.assertEqual(self.card_files(), [])

    def test_sync_twice(self):
        out = os.path.join(self.tmp, "mirror")
        r = self.ipcam("sync", out)
        self.assertExit(r, EXIT_OK, "2 downloaded")
        for name, data in self.files.items():
            with open(os.path.join(out, "DCIM", "100MEDIA", name), "rb") as f:
                self.assertEqual(f.read(), data)
        served = self.sim.sim.live_counter("http_files_served")
        r = self.ipcam("sync", out, "--delete-after")
        self.assertExit(r, EXIT_OK, "0 downloaded", "2 up to date", "2 deleted")
        self.assertEqual(self.sim.sim.live_counter("http_files_served"), served)
        self.assertEqual(self.card_files(), [])

    def test_wifi_password_is_not_on_the_server(self):
        self.assertExit(self.ipcam("wifi-password", "--ssid", "CAM"), EXIT_USAGE, "--server")


class BusyThroughServer(CliTestCase):
    def test_409_is_exit_4(self):
        busy = AnswersBusy()
        self.addCleanup(busy.close)
        for args in (["settings"], ["storage"], ["record", "status"]):
            r = self.run_ipcam("--server", busy.url, *args)
            self.assertExit(r, EXIT_LOGIN_REFUSED, "already has a client", "close the phone app")


if __name__ == "__main__":
    unittest.main()
