"""ipcam sync: a mirror of the card that a second run leaves alone, resumes
after a kill, deletes on the camera only what it copied whole, keeps every
file inside its folder, and leaves the newest file while the camera records.
Against ipcam-sim, and a scripted camera (tests/hostile/fakecam.py) where a
camera must lie."""

import calendar
import http.server
import os
import signal
import struct
import threading
import unittest

from harness import *  # noqa: F401,F403
from hostile.fakecam import (ALIVE_RESP, FILE_LIST_REQ, FIRMWARE, FIRMWARE_REQ, FakeCamera,
                             HttpFiles, file_list_part, message)
from ipcamtest.terminal import stderr_on_a_terminal
from ipcamtest.waiting import wait_until
from test_fetch import StallingFileServer

DELETE, DELETE_REPLY = 0xA02C, 0xA02D
RECORDING_FIELD = 15  # record_switch in the 112-byte block


def block(recording=0):
    fields = [0] * 20
    fields[RECORDING_FIELD] = recording
    return struct.pack("<20i", *fields) + b"v1.0 rc5".ljust(32, b"\0")


class ScriptedCamera:
    """Lists `entries` [(path, size)], answers the block, and answers every
    delete with result 0, noting the path."""

    def __init__(self, entries, recording=0):
        self.deleted = []
        text = b"".join(p.encode() + b":" + str(s).encode() + b";" for p, s in entries)

        def script(cam, conn):
            cam.login(conn)
            while True:
                mtype, payload = cam.read_message(conn)
                if mtype == ALIVE_RESP:
                    continue
                if mtype == FILE_LIST_REQ:
                    cam.send(conn, file_list_part(1, 0, text))
                elif mtype == FIRMWARE_REQ:
                    cam.send(conn, message(FIRMWARE, block(recording)))
                elif mtype == DELETE:
                    self.deleted.append(payload.split(b"\0")[0].decode())
                    cam.send(conn, message(DELETE_REPLY, struct.pack("<i", 0)))

        self.cam = FakeCamera(script)
        self.http = HttpFiles()

    def options(self):
        return ["--camera", "127.0.0.1", "--control-port", str(self.cam.port),
                "--http-port", str(self.http.port)]

    def close(self):
        self.cam.listener.close()
        self.http.close()


def short_body(data):
    """200 with the right Content-Length, then half the body and a close."""
    def route(h):
        h.send_response(200)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data[: len(data) // 2])
    return route


class DatedFiles:
    """An HTTP server that serves `data` for any path, GET and HEAD alike,
    with a Last-Modified header."""

    def __init__(self, data, last_modified):
        class Handler(http.server.BaseHTTPRequestHandler):
            def head(self):
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Last-Modified", last_modified)
                self.end_headers()

            def do_HEAD(self):  # noqa: N802 (http.server's name)
                self.head()

            def do_GET(self):  # noqa: N802
                self.head()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def files_below(folder):
    found = []
    for top, _, names in os.walk(folder):
        found += [os.path.relpath(os.path.join(top, n), folder) for n in names]
    return sorted(found)


class Sync(CliTestCase):
    BIG = "VID_0007.MP4"

    def setUp(self):
        super().setUp()
        self.files = {"IMG_0001.JPG": os.urandom(5000), "VID_0002.MP4": os.urandom(300000),
                      self.BIG: os.urandom(4 * 1024 * 1024)}
        self.out = os.path.join(self.tmp, "mirror")
        self.local_dir = os.path.join(self.out, "DCIM", "100MEDIA")

    def scripted(self, entries, **kwargs):
        cam = ScriptedCamera(entries, **kwargs)
        self.addCleanup(cam.close)
        return cam

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def test_second_run_downloads_nothing(self):
        sim = self.start_sim(store=self.make_store(self.files))
        r = self.run_ipcam("sync", self.out, *sim.options())
        self.assertExit(r, EXIT_OK, "3 downloaded", "0 failed")
        self.assertEqual(files_below(self.out),
                         sorted(os.path.join("DCIM", "100MEDIA", n) for n in self.files))
        for name, data in self.files.items():
            local = os.path.join(self.local_dir, name)
            self.assertEqual(self.read(local), data)
            # Dated with the camera's Last-Modified: the store file's time.
            self.assertEqual(os.stat(local).st_mtime, int(os.stat(os.path.join(sim.store, name)).st_mtime))
        self.assertEqual(sorted(r.stdout.splitlines()),
                         sorted(os.path.join(self.local_dir, n) for n in self.files))
        served = sim.sim.live_counter("http_files_served")
        self.assertGreaterEqual(served, 3)
        r = self.run_ipcam("sync", self.out, "--json", *sim.options())
        summary = self.json_of(r)
        self.assertEqual((summary["downloaded"], summary["up_to_date"], summary["failed"]), ([], 3, []))
        self.assertEqual(sim.sim.live_counter("http_files_served"), served)

    def start_killable_sync(self):
        """A sync of a card that holds the big file alone, from an HTTP server
        that stalls half-way through it; returns (sim, proc, err) once the
        part file has grown."""
        self.files = {self.BIG: self.files[self.BIG]}
        store = self.make_store(self.files)
        sim = self.start_sim(store=store)
        server = StallingFileServer(store, 1024 * 1024)
        self.addCleanup(server.close)
        opts = sim.options()
        opts[opts.index("--http-port") + 1] = str(server.port)
        proc, err = self.start_ipcam("sync", self.out, *opts)
        part = os.path.join(self.local_dir, self.BIG + ".part")
        # Sent is not yet written: wait on the part file's growth.
        self.assertTrue(wait_until(lambda: os.path.exists(part) and os.path.getsize(part) > 0, 20),
                        "nothing reached " + part)
        return sim, proc, err

    def check_resumes(self, sim):
        self.assertNotIn(self.BIG, os.listdir(self.local_dir))  # never under its final name
        r = self.run_ipcam("sync", self.out, "-v", *sim.options())
        self.assertExit(r, EXIT_OK, "resuming " + self.BIG + " from byte")
        self.assertEqual(self.read(os.path.join(self.local_dir, self.BIG)), self.files[self.BIG])
        self.assertEqual(sorted(os.listdir(self.local_dir)), sorted(self.files))

    def test_killed_mid_file_resumes(self):
        sim, proc, _ = self.start_killable_sync()
        proc.kill()
        proc.wait(15)
        self.check_resumes(sim)

    def test_interrupted_keeps_the_part(self):
        sim, proc, err = self.start_killable_sync()
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(15), EXIT_INTERRUPTED)
        self.assertIn("run the same command again to resume", err.text())
        self.check_resumes(sim)

    def test_delete_after_only_what_was_copied_whole(self):
        good, bad = os.urandom(20000), os.urandom(60000)
        cam = self.scripted([(CAMERA_DIR + "GOOD.MP4", len(good)), (CAMERA_DIR + "SHORT.MP4", len(bad))])
        cam.http.routes[CAMERA_DIR + "GOOD.MP4"] = HttpFiles.body(good)
        cam.http.routes[CAMERA_DIR + "SHORT.MP4"] = short_body(bad)
        r = self.run_ipcam("sync", self.out, "--delete-after", *cam.options())
        self.assertExit(r, EXIT_IO, "SHORT.MP4", "1 downloaded", "1 deleted", "1 failed")
        self.assertEqual(cam.deleted, [CAMERA_DIR + "GOOD.MP4"])
        self.assertEqual(self.read(os.path.join(self.local_dir, "GOOD.MP4")), good)
        self.assertNotIn("SHORT.MP4", os.listdir(self.local_dir))

    def test_a_copy_already_whole_is_deleted_without_a_download(self):
        data = os.urandom(10000)
        cam = self.scripted([(CAMERA_DIR + "A.JPG", len(data))])
        os.makedirs(self.local_dir)
        with open(os.path.join(self.local_dir, "A.JPG"), "wb") as f:
            f.write(data)
        r = self.run_ipcam("sync", self.out, "--delete-after", *cam.options())
        self.assertExit(r, EXIT_OK, "0 downloaded", "1 up to date", "1 deleted")
        self.assertEqual(cam.deleted, [CAMERA_DIR + "A.JPG"])
        self.assertEqual(cam.http.requests, [])

    def test_no_file_escapes_the_folder(self):
        data = os.urandom(1000)
        escape = "/mnt/sdcard/../../../" + os.path.basename(self.tmp) + "/ESCAPED.JPG"
        deep = "/mnt/sdcard/" + "D/" * 40 + "DEEP.JPG"
        cam = self.scripted([(escape, len(data)), (deep, len(data)), (CAMERA_DIR + "OK.JPG", len(data))])
        cam.http.routes[None] = HttpFiles.body(data)
        r = self.run_ipcam("sync", self.out, "--delete-after", *cam.options())
        self.assertExit(r, EXIT_IO, "..", "folders deep", "2 failed")
        self.assertEqual(files_below(self.tmp), [os.path.join("mirror", "DCIM", "100MEDIA", "OK.JPG")])
        self.assertEqual(cam.deleted, [CAMERA_DIR + "OK.JPG"])
        self.assertNotIn(escape, cam.http.requests)
        self.assertNotIn(deep, cam.http.requests)

    def test_a_symlink_in_the_folder_is_not_followed(self):
        data = os.urandom(1000)
        cam = self.scripted([(CAMERA_DIR + "A.JPG", len(data))])
        cam.http.routes[None] = HttpFiles.body(data)
        elsewhere = os.path.join(self.tmp, "elsewhere")
        os.makedirs(elsewhere)
        os.makedirs(self.out)
        os.symlink(elsewhere, os.path.join(self.out, "DCIM"))
        r = self.run_ipcam("sync", self.out, *cam.options())
        self.assertExit(r, EXIT_IO, "symlink", "1 failed")
        self.assertEqual(os.listdir(elsewhere), [])

    def test_a_copy_is_dated_with_last_modified(self):
        data = os.urandom(2000)
        cam = self.scripted([(CAMERA_DIR + "A.JPG", len(data))])
        dated = DatedFiles(data, "Fri, 01 May 2026 12:34:56 GMT")
        self.addCleanup(dated.close)
        opts = cam.options()
        opts[opts.index("--http-port") + 1] = str(dated.port)
        self.assertExit(self.run_ipcam("sync", self.out, *opts), EXIT_OK, "1 downloaded")
        local = os.path.join(self.local_dir, "A.JPG")
        self.assertEqual(self.read(local), data)
        self.assertEqual(os.stat(local).st_mtime, calendar.timegm((2026, 5, 1, 12, 34, 56)))

    def test_the_newest_file_waits_while_the_camera_records(self):
        data = os.urandom(1000)
        cam = self.scripted([(CAMERA_DIR + "A.MP4", len(data)), (CAMERA_DIR + "B.MP4", len(data))],
                            recording=1)
        cam.http.routes[None] = HttpFiles.body(data)
        r = self.run_ipcam("sync", self.out, "--delete-after", *cam.options())
        self.assertExit(r, EXIT_OK, "the camera records; " + CAMERA_DIR + "B.MP4 is left for later",
                        "1 left while recording")
        self.assertEqual(os.listdir(self.local_dir), ["A.MP4"])
        self.assertEqual(cam.deleted, [CAMERA_DIR + "A.MP4"])

    def test_watch_repeats_until_ctrl_c(self):
        sim = self.start_sim(store=self.make_store({"IMG_0001.JPG": self.files["IMG_0001.JPG"]}))
        proc, err = self.start_ipcam("sync", self.out, "--watch", "1", *sim.options())
        self.assertTrue(err.wait_for("next in 1 s"), "no first pass")
        # A file that comes between passes is fetched by the next one (made
        # under a hidden name the camera does not list, then renamed whole).
        hidden = os.path.join(sim.store, ".new")
        with open(hidden, "wb") as f:
            f.write(b"\xff\xd8" + os.urandom(3000))
        os.rename(hidden, os.path.join(sim.store, "IMG_0002.JPG"))
        self.assertTrue(wait_until(lambda: os.path.exists(os.path.join(self.local_dir, "IMG_0002.JPG")), 20))
        self.assertTrue(err.wait_for("pass done"), "no pass after the new file")
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(15), EXIT_OK)
        self.assertIn("sync: stopped", err.text())
        self.assertIn("2 downloaded", err.text())

    def sync_on_a_terminal(self, sim, env):
        """Runs a sync with stderr on a pseudo-terminal; returns what it drew."""
        code, drawn = stderr_on_a_terminal([IPCAM, "sync", self.out, *sim.options()], env, self.tmp)
        self.assertEqual(code, EXIT_OK)
        return drawn

    def test_progress_bar_only_on_a_terminal(self):
        sim = self.start_sim(store=self.make_store({self.BIG: self.files[self.BIG]}))
        env = tool_env()
        del env["CI"]
        drawn = self.sync_on_a_terminal(sim, env)
        self.assertIn("\r" + self.BIG, drawn)
        self.assertIn("100%", drawn)
        self.assertIn("sync: 1 downloaded", drawn)
        os.remove(os.path.join(self.local_dir, self.BIG))
        drawn = self.sync_on_a_terminal(sim, tool_env(CI="true"))
        self.assertNotIn("%", drawn)
        self.assertIn("sync: fetching " + CAMERA_DIR + self.BIG, drawn)

    def test_usage(self):
        self.assertExit(self.run_ipcam("sync"), EXIT_USAGE, "folder")
        self.assertExit(self.run_ipcam("sync", "a", "b"), EXIT_USAGE)


if __name__ == "__main__":
    unittest.main()
