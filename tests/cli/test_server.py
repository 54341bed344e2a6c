"""ipcam --server URL: ls, fetch, still and record through a running
ipcam-rtsp-server's control API (the camera takes one control client)."""

import os
import subprocess
import unittest

from harness import *  # noqa: F401,F403
from ipcamtest.server import Server



class ThroughServer(CliTestCase):
    def setUp(self):
        super().setUp()
        self.files = {"IMG_0001.JPG": os.urandom(4000), "VID_0003.MP4": os.urandom(250000)}
        self.sim = self.start_sim(store=self.make_store(self.files))

    def start_server(self, *extra):
        s = self.sim
        server = Server(["--camera", "127.0.0.1", "--control-port", str(s.control_port),
                         "--http-port", str(s.http_port), "--preview-port", str(s.preview_port),
                         "--port", "0", "--control-http-port", "0", *extra],
                        env=tool_env(), stderr=subprocess.DEVNULL)
        self.addCleanup(server.close)
        ready = server.wait_ready(30)
        self.assertIsNotNone(ready, "ipcam-rtsp-server printed no ready line")
        return ready["control"]

    def test_ls_fetch_still_record(self):
        url = self.start_server()
        listing = self.json_of(self.run_ipcam("--server", url, "ls", "--json"))
        self.assertEqual(sorted((f["path"], f["size"]) for f in listing),
                         sorted((CAMERA_DIR + n, len(d)) for n, d in self.files.items()))

        out = os.path.join(self.tmp, "out")
        r = self.run_ipcam("fetch", CAMERA_DIR + "VID_0003.MP4", "--output", out, "--server", url)
        self.assertExit(r, EXIT_OK)
        with open(os.path.join(out, "VID_0003.MP4"), "rb") as f:
            self.assertEqual(f.read(), self.files["VID_0003.MP4"])
        self.assertEqual(os.listdir(out), ["VID_0003.MP4"])

        r = self.run_ipcam("still", "--server", url)
        self.assertExit(r, EXIT_OK, "picture taken")
        r = self.run_ipcam("still", "--fetch", "--output", out, "--server", url)
        self.assertExit(r, EXIT_OK)
        local = r.stdout.strip()
        with open(local, "rb") as f:
            picture = f.read()
        self.assertEqual(picture[:2], b"\xff\xd8")
        with open(os.path.join(self.sim.store, os.path.basename(local)), "rb") as f:
            self.assertEqual(picture, f.read())

        status = self.json_of(self.run_ipcam("info", "--json", "--server", url))
        self.assertEqual(status["camera"]["address"], "127.0.0.1")
        r = self.run_ipcam("info", "--server", url)
        self.assertExit(r, EXIT_OK)
        self.assertRegex(r.stdout, r"rtsp +rtsp://127\.0\.0\.1:\d+/")

        self.assertEqual(self.json_of(self.run_ipcam("record", "start", "--json", "--server", url)),
                         {"recording": True})
        self.assertEqual(self.json_of(self.run_ipcam("record", "stop", "--json", "--server", url)),
                         {"recording": False})

    def test_fetch_never_writes_through_a_planted_part_symlink(self):
        """A NAME.part symbolic link planted in the folder: a plain fetch
        uses a fresh name of its own, and --continue refuses the link; the
        file it points at keeps its bytes either way."""
        url = self.start_server()
        out = os.path.join(self.tmp, "out")
        os.makedirs(out)
        victim = os.path.join(self.tmp, "victim")
        with open(victim, "wb") as f:
            f.write(b"precious")
        part = os.path.join(out, "VID_0003.MP4.part")
        os.symlink(victim, part)
        r = self.run_ipcam("--server", url, "fetch", CAMERA_DIR + "VID_0003.MP4", "--output", out,
                           "--continue")
        self.assertExit(r, EXIT_IO, "symbolic link")
        self.assertTrue(os.path.islink(part))
        with open(victim, "rb") as f:
            self.assertEqual(f.read(), b"precious")
        r = self.run_ipcam("--server", url, "fetch", CAMERA_DIR + "VID_0003.MP4", "--output", out)
        self.assertExit(r, EXIT_OK)
        with open(os.path.join(out, "VID_0003.MP4"), "rb") as f:
            self.assertEqual(f.read(), self.files["VID_0003.MP4"])
        with open(victim, "rb") as f:
            self.assertEqual(f.read(), b"precious")
        self.assertEqual(sorted(os.listdir(out)), ["VID_0003.MP4", "VID_0003.MP4.part"])

    def test_credentials(self):
        url = self.start_server("--rtsp-user", "viewer", "--rtsp-password", "pw-for-server")
        r = self.run_ipcam("ls", "--server", url, "--user", "viewer", "--password", "wrong")
        self.assertExit(r, EXIT_LOGIN_REFUSED, "401", "--password")
        r = self.run_ipcam("ls", "--server", url, "--user", "viewer",
                           env=tool_env(IPCAM_PASSWORD="pw-for-server"))
        self.assertExit(r, EXIT_OK)
        self.assertIn(CAMERA_DIR + "IMG_0001.JPG", r.stdout)


class ServerDown(CliTestCase):
    def test_commands_that_cannot_go_through_a_server(self):
        for cmd in ("preview", "relay", "raw", "discover"):
            r = self.run_ipcam(cmd, "--server", "http://127.0.0.1:1/")
            self.assertExit(r, EXIT_USAGE, "--server works with")

    def test_no_server(self):
        url = "http://127.0.0.1:%d/" % free_tcp_port()
        r = self.run_ipcam("ls", "--server", url)
        self.assertExit(r, EXIT_NO_CAMERA, "cannot reach ipcam-rtsp-server", "is it running")


if __name__ == "__main__":
    unittest.main()
