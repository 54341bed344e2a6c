"""ipcam fetch and still --fetch against ipcam-sim: byte-for-byte copies,
nothing partial left on failure or Ctrl+C, and --continue resuming."""

import http.server
import os
import threading
import unittest

from harness import *  # noqa: F401,F403
from ipcamtest.terminal import stderr_on_a_terminal
from ipcamtest.waiting import wait_until


class StallingFileServer:
    """Serves the emulator's store files over HTTP, but sends only the first
    `send` bytes of each, then stalls (or closes, with `close=True`): the
    slow path that lets a test interrupt a download half-way."""

    def __init__(self, store, send, close=False):
        self.sent = threading.Event()
        self.release = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = os.path.basename(self.path)
                with open(os.path.join(store, name), "rb") as f:
                    data = f.read()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[:send])
                self.wfile.flush()
                outer.sent.set()
                if not close:
                    outer.release.wait(30)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class Fetch(CliTestCase):
    BIG = "VID_0007.MP4"

    def setUp(self):
        super().setUp()
        self.files = {"IMG_0001.JPG": os.urandom(5000), "VID_0002.MP4": os.urandom(300000),
                      self.BIG: os.urandom(4 * 1024 * 1024)}
        self.sim = self.start_sim(store=self.make_store(self.files))
        self.out = os.path.join(self.tmp, "out")

    def read(self, *parts):
        with open(os.path.join(*parts), "rb") as f:
            return f.read()

    def test_fetch_paths_byte_for_byte(self):
        r = self.run_ipcam("fetch", CAMERA_DIR + "VID_0002.MP4", CAMERA_DIR + "IMG_0001.JPG",
                           "--output", self.out, *self.sim.options())
        self.assertExit(r, EXIT_OK, "fetching " + CAMERA_DIR + "VID_0002.MP4")
        self.assertEqual(r.stdout.splitlines(), [os.path.join(self.out, "VID_0002.MP4"),
                                                 os.path.join(self.out, "IMG_0001.JPG")])
        for name in ("VID_0002.MP4", "IMG_0001.JPG"):
            self.assertEqual(self.read(self.out, name), self.read(self.sim.store, name))
        self.assertEqual(sorted(os.listdir(self.out)), ["IMG_0001.JPG", "VID_0002.MP4"])

    def test_fetch_latest_json_into_current_folder(self):
        r = self.run_ipcam("fetch", "--latest", "--json", *self.sim.options())
        result = self.json_of(r)
        self.assertEqual(len(result), 1)
        self.assertEqual(result[0]["path"], CAMERA_DIR + self.BIG)
        self.assertEqual(result[0]["size"], len(self.files[self.BIG]))
        self.assertEqual(self.read(self.tmp, result[0]["local"]), self.files[self.BIG])

    def test_unknown_path(self):
        r = self.run_ipcam("fetch", CAMERA_DIR + "NOPE.MP4", "--output", self.out,
                           *self.sim.options())
        self.assertExit(r, EXIT_IO, "no file " + CAMERA_DIR + "NOPE.MP4", "ipcam ls")
        self.assertFalse(os.path.exists(self.out) and os.listdir(self.out))

    def start_stalled_fetch(self, server, *extra):
        opts = self.sim.options()
        opts[opts.index("--http-port") + 1] = str(server.port)
        proc, err = self.start_ipcam("fetch", CAMERA_DIR + self.BIG, "--output", self.out,
                                     *extra, *opts)
        self.assertTrue(server.sent.wait(20), "the download never started")
        return proc, err

    @staticmethod
    def wait_for_bytes_in(folder, timeout=20):
        """True once a file in `folder` holds a byte (polled, with a deadline)."""
        return wait_until(lambda: any(os.path.getsize(os.path.join(folder, n)) > 0 for n in os.listdir(folder)),
                          timeout)

    def test_interrupted_fetch_leaves_nothing(self):
        server = StallingFileServer(self.sim.store, 1024 * 1024)
        self.addCleanup(server.close)
        proc, err = self.start_stalled_fetch(server)
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(15), EXIT_INTERRUPTED)
        self.assertIn("interrupted", err.text())
        self.assertIn("nothing kept", err.text())
        self.assertEqual(os.listdir(self.out), [])

    def test_broken_transfer_leaves_nothing(self):
        server = StallingFileServer(self.sim.store, 100000, close=True)
        self.addCleanup(server.close)
        opts = self.sim.options()
        opts[opts.index("--http-port") + 1] = str(server.port)
        r = self.run_ipcam("fetch", CAMERA_DIR + self.BIG, "--output", self.out, *opts)
        # A body shorter than its Content-Length is an I/O error.
        self.assertExit(r, EXIT_IO, CAMERA_DIR + self.BIG)
        self.assertEqual(os.listdir(self.out), [])

    def test_wrong_http_port_names_the_option(self):
        opts = self.sim.options()
        opts[opts.index("--http-port") + 1] = str(free_tcp_port())
        r = self.run_ipcam("fetch", "--latest", "--output", self.out, *opts)
        self.assertExit(r, EXIT_IO, "--http-port")
        self.assertNotIn("--control-port", r.stderr)

    def test_continue_keeps_the_part_and_resumes(self):
        server = StallingFileServer(self.sim.store, 1024 * 1024)
        self.addCleanup(server.close)
        proc, err = self.start_stalled_fetch(server, "--continue")
        # Sent is not yet written: interrupt once the part holds bytes (an
        # empty part is not worth keeping, and goes).
        self.assertTrue(self.wait_for_bytes_in(self.out), "nothing reached the part file")
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(15), EXIT_INTERRUPTED)
        self.assertIn("kept", err.text())
        left = os.listdir(self.out)
        self.assertEqual(len(left), 1)
        self.assertNotEqual(left[0], self.BIG)  # a part, never the final name
        # Resume from the emulator's real HTTP server.
        r = self.run_ipcam("fetch", CAMERA_DIR + self.BIG, "--output", self.out, "--continue",
                           "-v", *self.sim.options())
        self.assertExit(r, EXIT_OK, "resuming " + self.BIG)
        self.assertEqual(os.listdir(self.out), [self.BIG])
        self.assertEqual(self.read(self.out, self.BIG), self.files[self.BIG])

    def fetch_with_stderr_on_a_terminal(self, env):
        """Runs a fetch with stderr on a pseudo-terminal; returns what it drew."""
        code, drawn = stderr_on_a_terminal([IPCAM, "fetch", CAMERA_DIR + self.BIG, "--output", self.out,
                                            *self.sim.options()], env, self.tmp)
        self.assertEqual(code, EXIT_OK)
        return drawn

    def test_progress_bar_only_on_a_terminal(self):
        env = tool_env()
        del env["CI"]
        drawn = self.fetch_with_stderr_on_a_terminal(env)
        self.assertIn("\r", drawn)
        self.assertIn("100%", drawn)
        os.remove(os.path.join(self.out, self.BIG))
        # CI set: plain lines even on a terminal.
        drawn = self.fetch_with_stderr_on_a_terminal(tool_env(CI="true"))
        self.assertNotIn("\r" + self.BIG, drawn)
        self.assertNotIn("%", drawn)
        self.assertIn("fetching " + CAMERA_DIR + self.BIG, drawn)

    def test_still_fetch(self):
        r = self.run_ipcam("still", "--fetch", "--output", self.out, *self.sim.options())
        self.assertExit(r, EXIT_OK)
        local = r.stdout.strip()
        name = os.path.basename(local)
        self.assertTrue(name.endswith(".JPG") and name not in self.files, name)
        self.assertEqual(self.read(local), self.read(self.sim.store, name))
        self.assertEqual(self.read(local)[:2], b"\xff\xd8")  # a JPEG


if __name__ == "__main__":
    unittest.main()
