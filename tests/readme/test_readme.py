"""README.md's own commands, run as a newcomer types them.

- The first command (`gst-launch-1.0 ipcamsrc ! ... ! autovideosink`, read
  from README.md as it stands) against README's emulator line, on a virtual
  display without XVideo (Xvfb): the camera is found with no property, and
  decoded frames reach the display sink.
- README's emulator line (`ipcam-sim ...`, read from README.md) beside
  `ipcam-rtsp-server` with its defaults: both print their ready lines.

Both run inside a network namespace this test makes (only its loopback is
up), so the default ports (6666, 6669, 22600, 21600, 8554, 8080) are the
namespace's own and a discovery broadcast reaches nothing outside.

Run by meson (suite 'readme') with IPCAM_SIM, IPCAM_RTSP_SERVER,
GST_PLUGIN_PATH_1_0, GST_REGISTRY_1_0, IPCAM_SOURCE_ROOT, PYTHONPATH.
Needs root (ip netns) and Xvfb.
"""

import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from ipcamtest.ports import free_udp_port
from ipcamtest.server import Server
from ipcamtest.sim import IpcamSim
from ipcamtest.waiting import LineWatcher, end_process

ROOT = os.environ.get("IPCAM_SOURCE_ROOT", "")
README = os.path.join(ROOT, "README.md")
FRAMES_WANTED = 30  # one second of the emulator's 30 fps


def readme_line(prefix):
    """The first line of README.md that starts with `prefix`, without its
    trailing comment, as an argument list."""
    with open(README) as f:
        for line in f:
            if line.startswith(prefix):
                return shlex.split(line, comments=True)
    raise AssertionError("README.md has no line starting with " + prefix)


class Namespace:
    """A network namespace with only its loopback up, removed on close."""

    def __init__(self):
        self.name = "ipcam-readme-%d" % os.getpid()
        subprocess.run(["ip", "netns", "del", self.name], stderr=subprocess.DEVNULL)
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        subprocess.run(["ip", "-n", self.name, "link", "set", "lo", "up"], check=True)

    def argv(self, *argv):
        return ["ip", "netns", "exec", self.name, *argv]

    def close(self):
        subprocess.run(["ip", "netns", "del", self.name], check=True)


class Xvfb:
    """A virtual display (no XVideo, like many VMs), on a free display
    number that Xvfb picks and writes to a pipe (-displayfd)."""

    def __init__(self, ns=None):
        r, w = os.pipe()
        # -noreset: a server that resets when its last client leaves (the
        # sink autovideosink tried first) refuses the next one meanwhile.
        argv = ["Xvfb", "-displayfd", str(w), "-nolisten", "tcp", "-noreset", "-screen", "0", "1280x720x24"]
        self.proc = subprocess.Popen(
            ns.argv(*argv) if ns else argv,
            pass_fds=(w,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(w)
        number = b""
        deadline = time.monotonic() + 20
        while not number.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                break
            chunk = os.read(r, 64)
            if not chunk:
                break
            number += chunk
        os.close(r)
        if not number.strip():
            self.close()
            raise AssertionError("Xvfb gave no display number")
        self.display = ":" + number.decode().strip()

    def close(self):
        end_process(self.proc)
        self.proc.stderr.close()


def readme_sim(ns):
    """README's emulator line, run in `ns` (the build's binary for
    ipcam-sim), as an IpcamSim whose ready line has been read."""
    argv = readme_line("ipcam-sim ")
    # --stats-file given, so that IpcamSim adds none before `ip`'s own arguments.
    stats = tempfile.NamedTemporaryFile(prefix="ipcam-readme-stats-", suffix=".json")
    sim = IpcamSim(*ns.argv(os.environ["IPCAM_SIM"], *argv[1:], "--stats-file", stats.name)[1:],
                   binary="ip", default_ports=False, capture_stderr=True)
    sim.stats_tmp = stats  # removed with the IpcamSim
    return sim.start()


class FirstCommandTest(unittest.TestCase):
    def setUp(self):
        self.assertEqual(os.geteuid(), 0, "ip netns needs root")
        self.assertTrue(shutil.which("Xvfb"), "Xvfb (package xvfb) is missing")
        self.ns = Namespace()
        self.addCleanup(self.ns.close)
        self.display = Xvfb(self.ns)
        self.addCleanup(self.display.close)

    def test_first_command_finds_the_emulator_and_shows_frames(self):
        argv = readme_line("gst-launch-1.0 ")
        self.assertIn("ipcamsrc", argv)
        sim = readme_sim(self.ns)
        self.addCleanup(sim.stop)
        env = dict(os.environ, DISPLAY=self.display.display, GST_DEBUG="basesink:5", GST_DEBUG_NO_COLOR="1")
        # -e: SIGINT becomes an EOS, so the run ends as a user's Ctrl+C does.
        proc = subprocess.Popen(self.ns.argv(argv[0], "-e", *argv[1:]), env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
        rendered = []  # the display sink's "rendering object" debug lines
        errors = []
        seen = threading.Event()

        def watch_stderr():
            for line in proc.stderr:
                if "rendering object" in line and "actual-sink" in line:
                    rendered.append(line)
                    if len(rendered) >= FRAMES_WANTED:
                        seen.set()
                elif "ERROR" in line:
                    errors.append(line.strip())

        stdout = []
        readers = [threading.Thread(target=watch_stderr, daemon=True),
                   threading.Thread(target=lambda: stdout.extend(proc.stdout), daemon=True)]
        for r in readers:
            r.start()
        deadline = time.monotonic() + 30
        while not seen.is_set() and proc.poll() is None and time.monotonic() < deadline:
            seen.wait(0.1)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            self.fail("gst-launch-1.0 did not end within 15 s of SIGINT")
        finally:
            for r in readers:
                r.join(5)
            proc.stdout.close()
            proc.stderr.close()
        out = "".join(stdout)
        self.assertNotIn("ERROR", out, out)
        self.assertEqual(errors, [])
        self.assertGreaterEqual(len(rendered), FRAMES_WANTED,
                                "decoded frames reached the display sink: %d\n%s" % (len(rendered), out))
        self.assertIn("Got EOS from element", out)
        self.assertEqual(proc.returncode, 0, out)
        self.assertEqual(sim.stop(signal.SIGINT), 0)


class EmulatorBesideServerTest(unittest.TestCase):
    def setUp(self):
        self.assertEqual(os.geteuid(), 0, "ip netns needs root")
        self.ns = Namespace()
        self.addCleanup(self.ns.close)

    def test_readme_emulator_line_runs_beside_the_server_defaults(self):
        argv = readme_line("ipcam-sim ")
        self.assertNotIn("&", argv)
        sim = readme_sim(self.ns)
        self.addCleanup(sim.stop)
        # The server with no option at all: its default ports, and the
        # camera found by discovery.
        with Server([], wrapper=self.ns.argv()) as server:
            ready = server.wait_ready(30)
            self.assertIsNotNone(ready, server.stderr())
            self.assertIn(":8554/", ready["url"])
            self.assertIn(":8080", ready["control"])
            self.assertEqual(server.stop()[0], 0, server.stderr())
        self.assertEqual(sim.stop(signal.SIGINT), 0)


class OpenCvExampleTest(unittest.TestCase):
    """docs/examples/opencv_preview.py run as the docs say (through its
    first line, with another python3 first on PATH), ended with Ctrl+C."""

    def test_runs_through_its_shebang_and_ends_quietly_on_ctrl_c(self):
        example = os.path.join(ROOT, "docs", "examples", "opencv_preview.py")
        self.assertTrue(os.access(example, os.X_OK), "the example is not executable")
        with open(example) as f:
            self.assertEqual(f.readline(), "#!/usr/bin/python3\n")
        display = Xvfb()
        self.addCleanup(display.close)
        tmp = tempfile.TemporaryDirectory(prefix="ipcam-opencv-example-")
        self.addCleanup(tmp.cleanup)
        # A python3 without gi first on PATH, as pyenv or a virtualenv puts one.
        with open(os.path.join(tmp.name, "python3"), "w") as f:
            f.write("#!/bin/sh\necho 'No module named gi' >&2\nexit 1\n")
        os.chmod(os.path.join(tmp.name, "python3"), 0o755)
        preview_port = free_udp_port()
        sim = IpcamSim("--preview-port", preview_port).start()
        self.addCleanup(sim.stop)
        env = dict(os.environ, DISPLAY=display.display, PATH=tmp.name + ":" + os.environ.get("PATH", ""),
                   QT_QPA_PLATFORM="xcb")
        proc = subprocess.Popen([example, "127.0.0.1", "--control-port", str(sim.control_port), "--http-port",
                                 str(sim.http_port), "--preview-port", str(preview_port)],
                                env=env, cwd=tmp.name, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        err = LineWatcher(proc.stderr)
        try:
            self.assertIsNotNone(err.wait_for("showing 640x360 frames", 60), "no frame shown:\n" + "".join(err.lines))
            proc.send_signal(signal.SIGINT)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        text = err.text()
        self.assertEqual(proc.returncode, 130, text)
        self.assertNotIn("Traceback", text)
        self.assertNotIn("KeyboardInterrupt", text)


class DocumentedCommandsTest(unittest.TestCase):
    """What every page shows, checked on the text (the runs above cover
    README.md's lines)."""

    def pages(self):
        docs = os.path.join(ROOT, "docs")
        paths = [README] + [os.path.join(docs, n) for n in sorted(os.listdir(docs)) if n.endswith(".md")]
        for path in paths:
            with open(path) as f:
                # A command continued with a backslash is one line here.
                yield os.path.relpath(path, ROOT), f.read().replace("\\\n", " ")

    def test_every_display_sink_follows_videoconvert(self):
        sinks = r"(autovideosink|ximagesink|xvimagesink|glimagesink|waylandsink|kmssink|fbdevsink)"
        for name, text in self.pages():
            for line in text.splitlines():
                for m in re.finditer(r"!\s*" + sinks, line):
                    before = line[:m.start()].rstrip()
                    self.assertTrue(before.endswith("videoconvert"), "%s: %s" % (name, line.strip()))

    def test_the_systemd_recipe_is_the_packaged_unit(self):
        with open(os.path.join(ROOT, "debian", "ipcam-rtsp-server.service")) as f:
            unit = f.read()
        exec_start = re.search(r"^ExecStart=(.*)$", unit, re.M).group(1)
        for name, text in self.pages():
            self.assertNotIn("/usr/local/bin/ipcam-rtsp-server", text, name)
            self.assertNotIn("EnvironmentFile", text, name)
            for line in re.findall(r"^ExecStart=(.*)$", text, re.M):
                self.assertEqual(line, exec_start, name)
            for source in re.findall(r"^LoadCredential=[^:]+:(\S+)$", text, re.M):
                self.assertTrue(source.startswith("/etc/ipcam/"), "%s: %s" % (name, source))

    def test_every_emulator_line_uses_the_one_port_set(self):
        ports = {"--control-port", "--http-port", "--preview-port", "--discovery-port"}
        found = 0
        for name, text in self.pages():
            for line in text.splitlines():
                m = re.match(r"\s*(?:sudo |meson devenv -C build )?ipcam-sim(\s.*)?$", line)
                if not m:
                    continue
                found += 1
                argv = shlex.split(m.group(1) or "", comments=True)
                self.assertNotIn("&", argv, "%s: %s" % (name, line.strip()))
                given = {(a, argv[i + 1]) for i, a in enumerate(argv[:-1]) if a in ports}
                # The one set, or free ports (the tests' way, shown as such:
                # then the preview goes to the test's own port).
                free = given and all(v == "0" for a, v in given if a != "--preview-port")
                self.assertTrue(given in ({("--http-port", "8081")}, set()) or free,
                                "%s: %s" % (name, line.strip()))
        self.assertGreater(found, 3)


if __name__ == "__main__":
    unittest.main()
