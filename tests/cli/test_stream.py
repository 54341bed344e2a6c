"""ipcam preview and relay against ipcam-sim: raw H.264 on stdout that
ffprobe reads as 640x360, an MP4 finalised by Ctrl+C, RTP packets of
payload type 99 that are never larger than 1400 bytes, and a relay of
multi-slice pictures that ffmpeg plays from its SDP without a complaint."""

import json
import os
import socket
import subprocess
import time
import unittest

from harness import *  # noqa: F401,F403
from ipcamtest import players
from ipcamtest.waiting import wait_until


def ffprobe(*args, stdin=None, timeout=30):
    r = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json",
                        *args], stdin=stdin, capture_output=True, timeout=timeout)
    return r.returncode, json.loads(r.stdout or b"{}"), r.stderr.decode(errors="replace")


class Preview(CliTestCase):
    def setUp(self):
        super().setUp()
        self.sim = self.start_sim()

    def test_raw_h264_to_stdout_piped_into_ffprobe(self):
        proc, err = self.start_ipcam("preview", "-", *self.sim.options())
        code, info, text = ffprobe("-probesize", "32768", "-f", "h264", "-i", "pipe:0",
                                   stdin=proc.stdout)
        stop_process(proc, signal.SIGINT)
        self.assertEqual(code, 0, text + err.text())
        video = info["streams"][0]
        self.assertEqual(video["codec_name"], "h264")
        self.assertEqual((video["width"], video["height"]), (640, 360))
        # Readiness went to stderr, never into the video.
        self.assertIn("raw H.264 to standard output", err.text())

    def test_stdout_starts_with_a_start_code_and_sps(self):
        proc, err = self.start_ipcam("preview", *self.sim.options(), "--output", "-")
        head = proc.stdout.read(5)
        stop_process(proc, signal.SIGINT)
        self.assertEqual(head[:4], b"\x00\x00\x00\x01")
        self.assertIn(head[4] & 0x1F, (7, 9))  # SPS first (an AUD is fine too)

    def test_mp4_finalised_on_ctrl_c(self):
        out = os.path.join(self.tmp, "clip.mp4")
        proc, err = self.start_ipcam("preview", "--output", out, *self.sim.options())
        self.assertIsNotNone(err.wait_for("recording"), err.text())
        time.sleep(2)  # the length of the recording, not a wait for readiness
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(20), EXIT_INTERRUPTED, err.text())
        self.assertEqual(proc.stdout.read().decode().strip(), out)
        self.assertIn("stopped after", err.text())
        self.assertPlayableMp4(out, 1.0)
        self.assertEqual(os.listdir(self.tmp), ["clip.mp4"])  # no temporary file left

    def assertPlayableMp4(self, path, min_seconds):
        code, info, text = ffprobe(path)
        self.assertEqual(code, 0, text)
        self.assertIn("mp4", info["format"]["format_name"])
        video = info["streams"][0]
        self.assertEqual(video["codec_name"], "h264")
        self.assertEqual((video["width"], video["height"]), (640, 360))
        self.assertGreater(float(info["format"]["duration"]), min_seconds)

    def test_recording_is_kept_when_reconnecting_gives_up(self):
        sim = self.start_sim("--drop-after-frames", "60")  # 2 s, then the camera is gone
        out = os.path.join(self.tmp, "clip.mp4")
        r = self.run_ipcam("preview", "--output", out, "--reconnect-attempts", "0",
                           *sim.options())
        self.assertExit(r, EXIT_NO_CAMERA, "could not reconnect", "kept")
        self.assertEqual(r.stdout.strip(), out)
        self.assertPlayableMp4(out, 1.0)
        self.assertEqual(os.listdir(self.tmp), ["clip.mp4"])

    def test_existing_file_is_not_replaced_without_force(self):
        out = os.path.join(self.tmp, "important.mp4")
        with open(out, "wb") as f:
            f.write(b"important")
        r = self.run_ipcam("preview", "--output", out, *self.sim.options())
        self.assertExit(r, EXIT_USAGE, "already exists", "--force")
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"important")

    def test_failed_preview_leaves_an_existing_file_alone(self):
        out = os.path.join(self.tmp, "important.mp4")
        with open(out, "wb") as f:
            f.write(b"important")
        r = self.run_ipcam("preview", "--force", "--output", out, "--camera", "127.0.0.1",
                           "--control-port", str(free_tcp_port()), "--reconnect-attempts", "0")
        self.assertExit(r, EXIT_NO_CAMERA)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"important")
        self.assertEqual(os.listdir(self.tmp), ["important.mp4"])

    def test_force_replaces_an_existing_file(self):
        out = os.path.join(self.tmp, "clip.mp4")
        with open(out, "wb") as f:
            f.write(b"old")
        proc, err = self.start_ipcam("preview", "--force", "--output", out, *self.sim.options())
        self.assertIsNotNone(err.wait_for("recording"), err.text())
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(20), EXIT_INTERRUPTED, err.text())
        self.assertPlayableMp4(out, 0.0)

    def test_reconnect_is_one_line_each_way(self):
        sim = self.start_sim("--drop-after-frames", "30")
        proc, err = self.start_ipcam("preview", "-", *sim.options(), stdout=subprocess.DEVNULL)
        self.assertIsNotNone(err.wait_for("reconnected after"), err.text())
        stop_process(proc, signal.SIGINT)
        self.assertEqual(proc.returncode, EXIT_INTERRUPTED)
        text = err.text()
        self.assertIn("ipcam: lost the camera (", text)
        self.assertIn("); reconnecting\n", text)
        self.assertNotIn("Message:", text)

    def test_second_preview_while_the_camera_is_busy(self):
        first, err = self.start_ipcam("preview", "-", *self.sim.options(),
                                      stdout=subprocess.DEVNULL)
        self.assertIsNotNone(err.wait_for("streaming"), err.text())
        r = self.run_ipcam("preview", "-", *self.sim.options())
        self.assertExit(r, EXIT_LOGIN_REFUSED, "already has a client", "close its phone app")
        stop_process(first, signal.SIGINT)
        self.assertEqual(first.returncode, EXIT_INTERRUPTED)

    def test_nothing_listening_says_it_once(self):
        r = self.run_ipcam("preview", "-", "--camera", "127.0.0.1", "--control-port",
                           str(free_tcp_port()), "--reconnect-attempts", "0")
        self.assertExit(r, EXIT_NO_CAMERA, "Connection refused")
        self.assertEqual(r.stderr.count("Check that"), 1, r.stderr)
        self.assertEqual(r.stderr.lower().count("connect to the camera"), 1, r.stderr)

    def test_wrong_password_is_reported_by_the_pipeline(self):
        out = os.path.join(self.tmp, "clip.mp4")
        r = self.run_ipcam("preview", "--output", out, "--password", "nope", *self.sim.options())
        self.assertExit(r, EXIT_LOGIN_REFUSED, "refused")
        self.assertFalse(os.path.exists(out))


class Relay(CliTestCase):
    def test_rtp_packets_and_sdp(self):
        sim = self.start_sim()
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(rx.close)
        rx.bind(("127.0.0.1", 0))
        rx.settimeout(15)
        port = rx.getsockname()[1]
        sdp = os.path.join(self.tmp, "cam.sdp")
        proc, err = self.start_ipcam("relay", "--to", "127.0.0.1:%d" % port, "--sdp", sdp,
                                     *sim.options())
        packets = [rx.recv(65536) for _ in range(200)]
        for p in packets:
            self.assertLessEqual(len(p), 1400)
            self.assertEqual(p[0] >> 6, 2)        # RTP version 2
            self.assertEqual(p[1] & 0x7F, 99)     # payload type 99
        nal_types = {p[12] & 0x1F for p in packets}
        self.assertIn(28, nal_types)  # FU-A: big frames are fragmented
        self.assertTrue(nal_types & {7, 24}, nal_types)  # SPS, alone or in a STAP-A
        self.assertIsNotNone(err.wait_for("relaying"), err.text())
        with open(sdp) as f:
            text = f.read()
        self.assertIn("m=video %d RTP/AVP 99" % port, text)
        self.assertIn("a=rtpmap:99 H264/90000", text)
        self.assertIn("sprop-parameter-sets=", text)
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(20), EXIT_INTERRUPTED, err.text())

    def wait_udp_bound(self, port, timeout=20):
        """Until something on this machine listens on UDP `port`."""
        needle = ":%04X " % port

        def bound():
            with open("/proc/net/udp") as f:
                return any(needle in line.split("00000000:0000")[0] for line in f.readlines()[1:])
        if not wait_until(bound, timeout, 0.02):
            self.fail("nothing listened on UDP port %d" % port)

    def test_ffmpeg_plays_the_sdp_of_multi_slice_pictures(self):
        # Three slices per picture whatever the machine's core count.
        sim = self.start_sim("--slices", "3", video=False)
        port = free_udp_port()
        sdp = os.path.join(self.tmp, "cam.sdp")
        # A first run only writes the SDP with its sprop-parameter-sets.
        proc, err = self.start_ipcam("relay", "--to", "127.0.0.1:%d" % port, "--sdp", sdp, *sim.options())
        def has_sprop():
            if not os.path.exists(sdp):
                return False
            with open(sdp) as f:
                return "sprop-parameter-sets=" in f.read()
        self.assertTrue(wait_until(has_sprop, 20, 0.05), err.text())
        proc.send_signal(signal.SIGINT)
        self.assertEqual(proc.wait(20), EXIT_INTERRUPTED, err.text())
        # The players listen before the relay starts: they see its first
        # keyframe, as a player started first would.
        for name, cmd in (("ffmpeg", players.ffmpeg_cmd(sdp, 10, sdp=True)),
                          ("ffprobe", players.ffprobe_packets_cmd(sdp, 5, sdp=True))):
            player = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
            self.addCleanup(stop_process, player)
            self.wait_udp_bound(port)
            relay, rerr = self.start_ipcam("relay", "--to", "127.0.0.1:%d" % port, *sim.options())
            stdout, stderr = player.communicate(timeout=60)
            stop_process(relay)
            self.assertEqual(player.returncode, 0, stderr)
            self.assertEqual(players.complaints(stderr.decode(errors="replace")), [], name)
            if name == "ffprobe":
                pkts = players.packets(stdout.decode())
                self.assertGreaterEqual(len(pkts), 5 * 30 - 15)
                self.assertTrue(pkts[0][1], "the first packet is not a keyframe")
                steps = players.frame_steps(pkts)
                self.assertTrue(all(0.9 <= s <= 1.1 for s in steps), sorted(set(steps)))


if __name__ == "__main__":
    unittest.main()
