"""Real clients against ipcam-rtsp-server: ffprobe over TCP and UDP,
GStreamer rtspsrc ! decodebin, startup checks, clean shutdown."""

import subprocess
import unittest

from ipcamtest import players, server
from ipcamtest.players import decoder_errors, ffprobe_video
from ipcamtest.rtsp_rig import Rig
from ipcamtest.server import Server

H264_640x360 = [{"codec_name": "h264", "width": 640, "height": 360}]


class ClientsTest(unittest.TestCase):
    def test_ffmpeg_decodes_without_a_complaint(self):
        with Rig() as rig:
            # The first client of a fresh camera session decodes without a
            # single decoder complaint (the stream starts at a keyframe).
            rc, err = rig.ffmpeg(seconds=2)
            self.assertEqual(rc, 0, err)
            self.assertEqual(decoder_errors(err), [])

    def test_ffprobe_tcp_and_udp_and_gstreamer_decode(self):
        with Rig() as rig:
            for transport in ("tcp", "udp"):
                rc, streams, err = ffprobe_video(rig.url, transport)
                self.assertEqual(rc, 0, err)
                self.assertEqual(streams, H264_640x360, transport)
            # 30 decoded raw frames through rtspsrc ! decodebin, then EOS.
            p = subprocess.run(players.gst_cmd(rig.url, 30, "tcp", decodebin=(640, 360)), capture_output=True,
                               timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
            self.assertEqual(rig.stop_server(), 0)
            self.assertLess(rig.shutdown_seconds, 5)
        self.assertEqual(rig.sim.counter("busy_refused"), 0)

    def test_sigterm_while_clients_watch(self):
        with Rig() as rig:
            clients = [rig.start_ffmpeg(seconds=30, transport=t) for t in ("tcp", "udp")]
            rig.wait_for(lambda: rig.status()["clients"] == 2 and rig.status()["camera"]["connected"], 20,
                         "two watching clients")
            self.assertEqual(rig.stop_server(), 0, rig.server.stderr())
            self.assertLess(rig.shutdown_seconds, 5)
            # The TCP client sees its connection end and finishes on its own.
            self.assertIsNotNone(clients[0].wait(15))
            for c in clients:
                if c.poll() is None:
                    c.kill()
                c.wait()
                c.stderr.close()
        # The camera saw its session end: one login for the check, one for the stream.
        self.assertEqual(rig.sim.counter("logins_accepted"), 2)

    def test_ready_line_is_the_only_stdout(self):
        with Rig() as rig:
            self.assertEqual(set(rig.server.ready), {"url", "control", "web", "whep", "cameras"})
            self.assertEqual(rig.server.ready["cameras"],
                             {"cam": {"url": rig.url, "whep": rig.server.ready["whep"]}})
            self.assertTrue(rig.url.startswith("rtsp://127.0.0.1:") and rig.url.endswith("/cam"))
            self.assertTrue(rig.control.startswith("http://127.0.0.1:"))
            self.assertIn("loopback", rig.server.stderr())
            self.assertEqual(rig.stop_server(), 0)
            self.assertEqual(rig.server.proc.stdout.read(), b"")  # nothing after the ready line

    def test_wrong_password_is_a_clear_error(self):
        with Rig() as rig:
            s = Server(rig.camera_args() + ["--port", 0, "--control-http-port", 0, "--password", "Zq9-not-it"])
            self.assertIsNone(s.wait_ready(15))
            code, _ = s.stop()
            err = s.stderr()
            s.close()
            self.assertNotIn(code, (0, "hung"))
            self.assertIn("cannot use the camera at 127.0.0.1", err)
            self.assertNotIn("Zq9-not-it", err)  # never print a password

    def test_unreachable_camera_unless_wait_for_camera(self):
        with Rig() as rig:
            port = rig.sim.control_port
        # The emulator is gone: nothing listens on its control port now.
        args = ["--camera", "127.0.0.1", "--control-port", port, "--timeout", 1000, "--port", 0,
                "--control-http-port", 0]
        s = Server(args)
        self.assertIsNone(s.wait_ready(15))
        code, _ = s.stop()
        self.assertEqual(code, 3, s.stderr())
        s.close()
        s = Server(args + ["--wait-for-camera"])
        ready = s.wait_ready(15)
        self.assertIsNotNone(ready, s.stderr())
        self.assertEqual(set(ready), {"url", "control", "web", "whep", "cameras"})
        self.assertEqual(s.stop()[0], 0)
        s.close()

    def test_help_and_version(self):
        p = server.run(["--version"], timeout=10)
        self.assertEqual(p.returncode, 0)
        self.assertTrue(p.stdout.startswith(b"ipcam-rtsp-server "))
        p = server.run(["--help"], timeout=10)
        for option in (b"--camera", b"--linger", b"--rtsp-user", b"--control-http-port", b"--wait-for-camera"):
            self.assertIn(option, p.stdout)
        p = server.run(["--port", "70000"], timeout=10)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, b"")


if __name__ == "__main__":
    unittest.main()
