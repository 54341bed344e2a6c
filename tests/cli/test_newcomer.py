"""What a first-time user of `ipcam` runs into: `ipcam firmware`, `fetch`
by a file's name alone, one rule for files already on disk (as `preview
-o`: refused with exit 2, --force replaces, one of the camera's size is
skipped), docs/cli.md's `xargs ipcam fetch` example run as written, a
server that is not a camera on the control port, and Ctrl+C during
discovery."""

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import threading
import unittest

from harness import *  # noqa: F401,F403
from fakecam import FILE_LIST_REQ, FakeCamera, answer_files, camera

DOCS_CLI = os.path.join(os.environ.get("IPCAM_SOURCE_ROOT", ""), "docs", "cli.md")


class FirmwareTest(CliTestCase):
    def test_firmware_prints_the_version(self):
        sim = self.start_sim("--firmware", "v9.9 (sim)", video=False)
        r = self.run_ipcam(*sim.options(), "firmware")
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout, "v9.9 (sim)\n")
        j = self.json_of(self.run_ipcam(*sim.options(), "firmware", "--json"))
        self.assertEqual(j, {"firmware": "v9.9 (sim)"})


class FetchByNameTest(CliTestCase):
    def test_a_base_name_fetches_the_one_file_that_has_it(self):
        store = self.make_store({"IMG_0002.JPG": b"\xff\xd8two\xff\xd9", "IMG_0003.JPG": b"three"})
        sim = self.start_sim("--no-samples", store=store, video=False)
        r = self.run_ipcam(*sim.options(), "fetch", "IMG_0002.JPG")
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout.strip(), "./IMG_0002.JPG")
        with open(os.path.join(self.tmp, "IMG_0002.JPG"), "rb") as f:
            self.assertEqual(f.read(), b"\xff\xd8two\xff\xd9")

    def test_a_name_several_files_have_is_refused_naming_them(self):
        cam = FakeCamera(camera({FILE_LIST_REQ: answer_files([
            (b"/mnt/sdcard/DCIM/100MEDIA/IMG_0002.JPG", 5), (b"/mnt/sdcard/DCIM/101MEDIA/IMG_0002.JPG", 6),
            (b"/mnt/sdcard/DCIM/101MEDIA/IMG_0003.JPG", 7)])}))
        self.addCleanup(cam.listener.close)
        r = self.run_ipcam("--camera", "127.0.0.1", "--control-port", str(cam.port), "fetch", "IMG_0002.JPG")
        self.assertExit(r, EXIT_USAGE, "IMG_0002.JPG names 2 files", "/mnt/sdcard/DCIM/100MEDIA/IMG_0002.JPG",
                        "/mnt/sdcard/DCIM/101MEDIA/IMG_0002.JPG")
        self.assertNotIn("IMG_0003", r.stderr)
        self.assertEqual(os.listdir(self.tmp), [])

    def test_an_unknown_name_still_points_at_ls(self):
        sim = self.start_sim(video=False)
        r = self.run_ipcam(*sim.options(), "fetch", "NOPE.JPG")
        self.assertExit(r, EXIT_IO, "no file NOPE.JPG on the camera", "ipcam ls")


class FetchOverExistingTest(CliTestCase):
    CAMERA_BYTES = b"the camera's picture, 38 bytes long.."

    def setUp(self):
        super().setUp()
        store = self.make_store({"IMG_0001.JPG": self.CAMERA_BYTES})
        self.sim = self.start_sim("--no-samples", store=store, video=False)
        self.out = os.path.join(self.tmp, "out")
        os.makedirs(self.out)
        self.local = os.path.join(self.out, "IMG_0001.JPG")

    def fetch(self, *extra):
        return self.run_ipcam(*self.sim.options(), "fetch", CAMERA_DIR + "IMG_0001.JPG", "--output", self.out,
                              *extra)

    def local_bytes(self):
        with open(self.local, "rb") as f:
            return f.read()

    def put_local(self, data):
        with open(self.local, "wb") as f:
            f.write(data)

    def test_a_file_of_another_size_is_refused_like_preview(self):
        self.put_local(b"mine")
        r = self.fetch()
        self.assertExit(r, EXIT_USAGE, self.local + " already exists", "--force")
        self.assertEqual(self.local_bytes(), b"mine")
        self.assertEqual(sorted(os.listdir(self.out)), ["IMG_0001.JPG"])  # nothing partial either

    def test_force_replaces_it(self):
        self.put_local(b"mine")
        r = self.fetch("--force")
        self.assertExit(r, EXIT_OK)
        self.assertEqual(self.local_bytes(), self.CAMERA_BYTES)

    def test_a_file_of_the_cameras_size_is_skipped_with_a_line(self):
        same_size = b"x" * len(self.CAMERA_BYTES)
        self.put_local(same_size)
        r = self.fetch()
        self.assertExit(r, EXIT_OK, "already here with the camera's size")
        self.assertEqual(r.stdout.strip(), self.local)
        self.assertEqual(self.local_bytes(), same_size)  # not fetched again

    def test_continue_resumes_as_before(self):
        self.put_local(b"mine")
        with open(self.local + ".part", "wb") as f:
            f.write(self.CAMERA_BYTES[:10])
        r = self.fetch("--continue")
        self.assertExit(r, EXIT_OK)
        self.assertEqual(self.local_bytes(), self.CAMERA_BYTES)

    def test_preview_and_fetch_refuse_with_the_same_code(self):
        self.put_local(b"mine")
        preview = self.run_ipcam(*self.sim.options(), "preview", "-o", self.local)
        fetch = self.fetch()
        self.assertEqual(preview.returncode, EXIT_USAGE, preview.stderr)
        self.assertEqual(fetch.returncode, preview.returncode, fetch.stderr)


def docs_xargs_example():
    """docs/cli.md's `xargs ipcam fetch` example, as one shell command."""
    with open(DOCS_CLI) as f:
        text = f.read()
    m = re.search(r"# fetch every video the card holds\n((?:.*\\\n)*.*xargs ipcam fetch.*)\n", text)
    if not m:
        raise AssertionError("docs/cli.md has no `xargs ipcam fetch` example")
    return m.group(1)


class DocsXargsExampleTest(CliTestCase):
    def test_the_example_runs_through_twice(self):
        videos = {"A.MOV": b"a" * 1000, "B.MOV": b"b" * 2000}
        store = self.make_store(dict(videos, **{"IMG_0001.JPG": b"jpeg"}))
        sim = self.start_sim("--no-samples", store=store, video=False)
        # `ipcam` as the example calls it: the real one, pointed at the
        # emulator (global options may follow the command).
        bin_dir = os.path.join(self.tmp, "bin")
        os.makedirs(bin_dir)
        wrapper = os.path.join(bin_dir, "ipcam")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\nexec %s \"$@\" %s\n" % (shlex.quote(IPCAM), " ".join(sim.options())))
        os.chmod(wrapper, 0o755)
        env = tool_env(PATH=bin_dir + ":/usr/bin:/bin")
        command = docs_xargs_example()
        work = os.path.join(self.tmp, "work")
        os.makedirs(work)
        first = subprocess.run(["bash", "-c", "set -o pipefail; " + command], cwd=work, env=env,
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(first.returncode, 0, first.stderr)
        for name, data in videos.items():
            with open(os.path.join(work, "videos", name), "rb") as f:
                self.assertEqual(f.read(), data)
        again = subprocess.run(["bash", "-c", "set -o pipefail; " + command], cwd=work, env=env,
                               capture_output=True, text=True, timeout=60)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual(again.stderr.count("already here with the camera's size"), 2, again.stderr)


class ForeignServer:
    """A TCP server on 127.0.0.1:0 that is not a camera: it answers the
    first bytes it gets with an HTTP error (`answer`), or stays silent."""

    def __init__(self, answer):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4)
        self.port = self.listener.getsockname()[1]
        self.answer = answer
        self.conns = []
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.conns.append(conn)
            if self.answer:
                conn.recv(4096)
                conn.sendall(self.answer)

    def close(self):
        self.listener.close()
        for c in self.conns:
            c.close()


class NotACameraTest(CliTestCase):
    def foreign(self, answer):
        server = ForeignServer(answer)
        self.addCleanup(server.close)
        return ["--camera", "127.0.0.1", "--control-port", str(server.port)]

    def test_an_http_answer_is_exit_5_at_once(self):
        # A long timeout: exit 5 can only come from the answer, not a wait.
        opts = self.foreign(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        for command in ("info", "firmware", "ls"):
            r = self.run_ipcam(*opts, "--timeout", "60", command, timeout=30)
            self.assertExit(r, EXIT_NOT_IPCAM, "is not an ipcam camera", "HTTP/1.1 400")

    def test_silence_stays_a_timeout(self):
        r = self.run_ipcam(*self.foreign(None), "--timeout", "1", "info", timeout=30)
        self.assertExit(r, EXIT_TIMEOUT, "No answer to login")


class DiscoverInterruptTest(CliTestCase):
    def test_ctrl_c_says_interrupted_like_the_others(self):
        quiet_port = free_udp_port()  # nobody answers there
        proc, err = self.start_ipcam("-v", "discover", "--broadcast", "127.255.255.255", "--discovery-port",
                                     str(quiet_port), "--timeout", "60")
        self.assertIsNotNone(err.wait_for("asking for"), "discover -v did not say it was asking")
        proc.send_signal(signal.SIGINT)
        proc.wait(10)
        self.assertEqual(proc.returncode, EXIT_INTERRUPTED)
        text = err.text()
        self.assertIn("ipcam: interrupted", text)
        self.assertNotIn("cancelled", text)


if __name__ == "__main__":
    unittest.main()
