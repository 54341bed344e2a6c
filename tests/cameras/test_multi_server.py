#!/usr/bin/python3
"""Several cameras in one ipcam-rtsp-server: two emulators at 127.0.0.2
(640x360) and 127.0.0.3 (320x240) on one shared preview port, served as
cameras a and b, from the command line and from --config. Each RTSP URL
shows its own camera's picture; /api/cameras and the ready line list both;
camera b dropping leaves a's viewer decoding without a word on stderr while
b's viewer is closed; a password file others may read is refused; the CLI
picks a camera with --server-camera. Run by meson (IPCAM_SIM,
IPCAM_RTSP_SERVER, IPCAM, PYTHONPATH, GST_PLUGIN_PATH_1_0 set)."""

import json
import os
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from ipcamtest import players
from ipcamtest.ports import free_udp_port
from ipcamtest.server import Server, run as run_to_exit
from ipcamtest.sim import IpcamSim
from ipcamtest.waiting import wait_for

SIZES = {"a": ("127.0.0.2", 640, 360), "b": ("127.0.0.3", 320, 240)}
PUBLISH_SECRET = "pub-secret-7731"
PASSWORDS = {"a": "pass-of-a=1", "b": "pass-of-b=2"}
EXIT_USAGE = 2
IPCAM = os.environ.get("IPCAM", "")


def get_json(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def write_private(path, text, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class MultiCamera(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="ipcam-multi-")
        self.addCleanup(self.tmp.cleanup)
        self.preview_port = free_udp_port()
        self.sims = {}
        for name, (address, w, h) in SIZES.items():
            sim = IpcamSim("--bind", address, "--size", "%dx%d" % (w, h), "--preview-port", self.preview_port,
                           "--serial", "CAM-" + name, "--password", PASSWORDS[name])
            sim.start()
            self.addCleanup(sim.stop)
            self.sims[name] = sim

    def start_server(self, args, env_extra=None):
        server = Server(["--port", 0, "--control-http-port", 0, "--linger", 1, "--reconnect-attempts", 1,
                         "--reconnect-backoff", 100] + args, env=dict(os.environ, **(env_extra or {})))
        self.addCleanup(server.close)
        ready = server.wait_ready(30)
        self.assertIsNotNone(ready, "no ready line; stderr:\n" + server.stderr())
        return server, ready

    def command_line(self, interface_a="lo"):
        # a through an interface (lo holds 127.0.0.2): its ipcamsrc, the login
        # check and downloads are bound to it; b through any.
        args = ["--preview-port", self.preview_port, "--interface", "a=" + interface_a]
        for name, sim in self.sims.items():
            args += ["--camera", "%s=%s" % (name, SIZES[name][0]), "--control-port", "%s=%d" % (name, sim.control_port),
                     "--http-port", "%s=%d" % (name, sim.http_port)]
            path = os.path.join(self.tmp.name, name + ".password")
            write_private(path, PASSWORDS[name] + "\n")
            args += ["--password-file", "%s=%s" % (name, path)]
        return args

    def check_served(self, server, ready):
        # The ready line: both cameras, and a (the first) as the default.
        self.assertEqual(sorted(ready["cameras"]), ["a", "b"])
        for name in SIZES:
            self.assertTrue(ready["cameras"][name]["url"].endswith("/" + name), ready)
            self.assertTrue(ready["cameras"][name]["whep"].endswith("/whep/" + name), ready)
        self.assertEqual(ready["url"], ready["cameras"]["a"]["url"])
        self.assertEqual(ready["whep"], ready["cameras"]["a"]["whep"])
        api = ready["control"] + "api/"
        status, listing = get_json(api + "cameras")
        self.assertEqual(status, 200)
        self.assertEqual(listing["default"], "a")
        self.assertEqual([(c["name"], c["address"], c["url"], c["whep"]) for c in listing["cameras"]],
                         [(n, SIZES[n][0], ready["cameras"][n]["url"], ready["cameras"][n]["whep"]) for n in SIZES])
        # Each RTSP URL shows its own camera's picture.
        for name, (address, w, h) in SIZES.items():
            self.assertEqual(players.probe_size(ready["cameras"][name]["url"]), (w, h), name)
        for name, (address, _, _) in SIZES.items():
            status, st = get_json(api + "cameras/%s/status" % name)
            self.assertEqual((status, st["name"], st["camera"]["address"]), (200, name, address))
        status, st = get_json(api + "status")
        self.assertEqual((status, st["camera"]["address"]), (200, SIZES["a"][0]))
        status, err = get_json(api + "cameras/zzz/status")
        self.assertEqual(status, 404)
        self.assertIn("no camera named zzz", err["error"])
        # Never a password in the log.
        for word in PASSWORDS.values():
            self.assertNotIn(word, server.stderr())

    def test_command_line(self):
        server, ready = self.start_server(self.command_line())
        self.check_served(server, ready)
        # The CLI picks camera b of the server.
        p = subprocess.run([IPCAM, "--server", ready["control"], "--server-camera", "b", "info"],
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        self.assertIn(ready["cameras"]["b"]["url"], out)
        self.assertIn("127.0.0.3", out)
        p = subprocess.run([IPCAM, "--server", ready["control"], "--server-camera", "nope", "info"],
                           capture_output=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no camera named nope", p.stderr.decode())

    def test_interface_per_camera(self):
        # A camera's interface that does not exist: refused at the start
        # check (exit 3), naming it; the interface is a's only.
        p = run_to_exit(["--port", "0", "--control-http-port", "0"] + self.command_line("nosuch0"), timeout=30)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn('no network interface called "nosuch0"', p.stderr.decode())
        self.assertIn("cannot use the camera at 127.0.0.2:%d (a)" % self.sims["a"].control_port, p.stderr.decode())
        self.assertNotIn("cannot use the camera at 127.0.0.3", p.stderr.decode())

    def test_one_camera_dropping_leaves_the_other(self):
        server, ready = self.start_server(self.command_line())
        api = ready["control"] + "api/"
        viewer_a = players.start_ffmpeg(ready["cameras"]["a"]["url"], 10, level="warning")
        viewer_b = players.start_ffmpeg(ready["cameras"]["b"]["url"], 30, level="warning")
        try:
            wait_for(lambda: all(c["connected"] and c["clients"] == 1
                                 for c in get_json(api + "cameras")[1]["cameras"]), 20, "both cameras watched")
            started = time.monotonic()
            self.sims["b"].stop()  # camera b goes away; ipcamsrc gives up after one reconnect
            viewer_b.wait(timeout=15)  # b's viewer is closed...
            self.assertLess(time.monotonic() - started, 10)
            b = get_json(api + "cameras/b/status")[1]
            self.assertEqual(b["clients"], 0, b)
            a = get_json(api + "cameras/a/status")[1]
            self.assertTrue(a["camera"]["connected"], a)
            self.assertEqual(a["clients"], 1, a)
            # ...while a's decodes to its end with nothing to say.
            _, err_a = viewer_a.communicate(timeout=30)
            self.assertEqual(viewer_a.returncode, 0, err_a)
            self.assertEqual(err_a.decode(errors="replace"), "")
            self.assertGreater(get_json(api + "cameras/a/status")[1]["stats"].get("frames", 0), 200)
        finally:
            for v in (viewer_a, viewer_b):
                if v.poll() is None:
                    v.kill()
                v.communicate()
        self.assertIn("camera b: its stream ended", server.stderr())

    def test_config_file(self):
        creds = os.path.join(self.tmp.name, "credentials")
        os.mkdir(creds, 0o700)
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        self.addCleanup(busy.close)
        lines = ["# two cameras on one preview port",
                 "[server]",
                 # In use: the command line's --control-http-port 0 overrides it.
                 "control-http-port = %d" % busy.getsockname()[1],
                 "linger = 1",
                 ""]
        for name, sim in self.sims.items():
            write_private(os.path.join(creds, name), PASSWORDS[name] + "\n")
            # b's address in the file is wrong: the command line's --camera b=... overrides it.
            lines += ["[camera %s]" % name, "address = " + (SIZES[name][0] if name == "a" else "127.0.0.99"), "control-port = %d" % sim.control_port,
                      "http-port = %d" % sim.http_port, "preview-port = %d" % self.preview_port,
                      "password-file = $CREDENTIALS_DIRECTORY/" + name, "timeout = 4000",
                      # Nobody listens on port 1: each publication retries, the viewers unaffected.
                      "publish = srt://127.0.0.1:1?passphrase=%s;rtsp://pub:%s@127.0.0.1:1/%s" %
                      (PUBLISH_SECRET, PUBLISH_SECRET, name), ""]
        path = os.path.join(self.tmp.name, "server.conf")
        with open(path, "w") as f:
            f.write("\n".join(lines))
        server, ready = self.start_server(["--config", path, "--camera", "b=" + SIZES["b"][0]],
                                          {"CREDENTIALS_DIRECTORY": creds})
        self.check_served(server, ready)
        # Each camera's own publications, in its own status, never a secret.
        api = ready["control"] + "api/"
        for name in SIZES:
            def failing(name=name):
                st = get_json(api + "cameras/%s/status" % name)[1]
                pubs = st.get("publish", [])
                return pubs if len(pubs) == 2 and all(p["state"] == "reconnecting" and p["error"]
                                                      for p in pubs) else None
            pubs = wait_for(failing, 15, "camera %s's two publications to fail and retry" % name)
            self.assertEqual([p["url"].split(":")[0] for p in pubs], ["srt", "rtsp"], pubs)
            self.assertTrue(pubs[1]["url"].endswith("127.0.0.1:1/" + name), pubs)
            self.assertNotIn(PUBLISH_SECRET, json.dumps(pubs))
        self.assertNotIn(PUBLISH_SECRET, server.stderr())
        # The local viewers are untouched by the failing publications.
        for name, (address, w, h) in SIZES.items():
            self.assertEqual(players.probe_size(ready["cameras"][name]["url"]), (w, h), name)


class Refusals(unittest.TestCase):
    """Usage errors: exit 2 and a message that names the file and the key."""

    def run_server(self, *args, env=None):
        p = run_to_exit(["--port", "0", "--control-http-port", "0", *args], timeout=20,
                        env=dict(os.environ, **(env or {})))
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="ipcam-multi-")
        self.addCleanup(self.tmp.cleanup)

    def config(self, text):
        path = os.path.join(self.tmp.name, "server.conf")
        with open(path, "w") as f:
            f.write(text)
        return path

    def assertUsage(self, result, *words):
        code, out, err = result
        self.assertEqual(code, EXIT_USAGE, err)
        self.assertEqual(out, "")
        for w in words:
            self.assertIn(w, err)

    def test_password_file_others_may_read(self):
        secret = os.path.join(self.tmp.name, "pw")
        write_private(secret, "very-secret\n", 0o644)
        conf = self.config("[camera a]\naddress = 127.0.0.2\npassword-file = %s\n" % secret)
        r = self.run_server("--config", conf)
        self.assertUsage(r, secret, "group or others may read it (mode 0644)", "chmod 600")
        self.assertNotIn("very-secret", r[2])
        r = self.run_server("--camera", "a=127.0.0.2", "--password-file", "a=" + secret)
        self.assertUsage(r, secret, "group or others may read it")

    def test_unknown_key_and_group(self):
        conf = self.config("[server]\nlinger = 1\ncolour = blue\n")
        self.assertUsage(self.run_server("--config", conf), conf, "[server] colour", "unknown key")
        conf = self.config("[server]\ninterface = wlan1\n")
        self.assertUsage(self.run_server("--config", conf), "[server] interface", "[camera NAME]")
        conf = self.config("[camera a]\naddress = 127.0.0.2\nlinger = 3\n")
        self.assertUsage(self.run_server("--config", conf), conf, "[camera a] linger", "unknown key")
        conf = self.config("[cameras]\naddress = 127.0.0.2\n")
        self.assertUsage(self.run_server("--config", conf), conf, "unknown group [cameras]")
        conf = self.config("[camera a]\naddress = 127.0.0.2\npassword = x\n")
        self.assertUsage(self.run_server("--config", conf), "[camera a] password", "password-file")

    def test_command_line_mistakes(self):
        self.assertUsage(self.run_server("--camera", "a=127.0.0.2", "--camera", "127.0.0.3"), "bare --camera")
        self.assertUsage(self.run_server("--camera", "a=127.0.0.2", "--camera", "b=127.0.0.3", "--interface", "lo"),
                         "several cameras", "--interface NAME=IFACE")
        self.assertUsage(self.run_server("--camera", "a=127.0.0.2", "--interface", "c=lo"), "no camera named c")
        self.assertUsage(self.run_server("--camera", "a=127.0.0.2", "--control-port", "a=0"), "--control-port",
                         "expected a port")
        self.assertUsage(self.run_server("--camera", "a=127.0.0.2", "--publish", "a=ftp://u:%s@127.0.0.1/x" %
                                         PUBLISH_SECRET), "--publish", "ftp://")
        code, _, err = self.run_server("--camera", "a=127.0.0.2", "--publish", "a=ftp://u:%s@127.0.0.1/x" % PUBLISH_SECRET)
        self.assertNotIn(PUBLISH_SECRET, err)


if __name__ == "__main__":
    unittest.main()
