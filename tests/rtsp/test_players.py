"""The players users run, against a camera whose every picture is several
slices (and whose keyframes carry SPS, PPS and SEI): ffmpeg, ffprobe,
GStreamer's rtspsrc ! avdec_h264 and mpv, each 10 s over TCP and over UDP,
all at once (so each also shares the camera with three other viewers).
Zero complaints, one packet per camera frame, timestamps increasing."""

import subprocess
import unittest

from ipcamtest import players
from ipcamtest.rtsp_rig import Rig

SECONDS = 10
# Three slices per picture whatever the machine (x264 otherwise uses one
# per thread, and these tests would pass on one core and fail on four).
LIVE_MULTI_SLICE = ["--slices", 3]


def check_players(test, transport):
    with Rig(live=True, sim_args=LIVE_MULTI_SLICE) as rig:
        runs = {
            "ffmpeg": subprocess.Popen(players.ffmpeg_cmd(rig.url, SECONDS, transport), stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, stdin=subprocess.DEVNULL),
            "ffprobe": subprocess.Popen(players.ffprobe_packets_cmd(rig.url, SECONDS, transport),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL),
            "gst": subprocess.Popen(players.gst_cmd(rig.url, SECONDS * 30, transport), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=players.gst_env()),
        }
        out = {name: p.communicate(timeout=SECONDS + 40) for name, p in runs.items()}
        for name, p in runs.items():
            stdout, stderr = (o.decode(errors="replace") for o in out[name])
            test.assertEqual(p.returncode, 0, "%s over %s: %s" % (name, transport, stderr))
            test.assertEqual(players.complaints(stderr), [], "%s over %s" % (name, transport))
            if name != "ffprobe":
                test.assertEqual(players.complaints(stdout), [], "%s over %s" % (name, transport))
        pkts = players.packets(out["ffprobe"][0].decode())
        test.assertGreaterEqual(len(pkts), SECONDS * 30 - 15, transport)
        test.assertTrue(pkts[0][1], "the first packet is not a keyframe")
        steps = players.frame_steps(pkts)
        # One packet per camera frame: every step one frame (the camera's
        # millisecond clock rounds: 33 or 34 ms), never 0 (a frame in two).
        test.assertTrue(all(0.9 <= s <= 1.1 for s in steps), "%s: steps %s" % (transport, sorted(set(steps))))
        keyframes = sum(1 for _, key in pkts if key)
        test.assertLessEqual(abs(keyframes - len(pkts) / 30), 1.5, "%d keyframes in %d packets" %
                             (keyframes, len(pkts)))
        test.assertEqual(rig.stop_server(), 0)
    test.assertEqual(rig.sim.counter("busy_refused"), 0)
    test.assertEqual(rig.sim.counter("logins_accepted"), 2)  # the start-up check and the one hub


class PlayersTest(unittest.TestCase):
    def test_tcp(self):
        check_players(self, "tcp")

    def test_udp(self):
        check_players(self, "udp")

    # Expected to fail: Debian 12's ffmpeg (5.1) gives the first H.264 packet
    # it reads over RTP no PTS: over RTSP from this server or from a plain
    # test-launch pipeline (live x264enc, any rtph264pay aggregate-mode,
    # avc or byte-stream), and from `ipcam relay`'s SDP alike (ffprobe shows
    # "N/A" for it, then every PTS). mpv, which uses that demuxer, says so
    # once at start: "No video PTS! Making something up", then "Invalid
    # video timestamp: 0.000000 -> 0.000000"; nothing after that. The
    # server cannot change what ffmpeg does with the first packet. An
    # unexpected pass fails the run: remove the marker then.
    @unittest.expectedFailure
    def test_mpv_tcp_and_udp(self):
        with Rig(live=True, sim_args=LIVE_MULTI_SLICE) as rig:
            runs = {t: subprocess.Popen(players.mpv_cmd(rig.url, SECONDS, t), stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL) for t in ("tcp", "udp")}
            for t, p in runs.items():
                text = p.communicate(timeout=SECONDS + 40)[0].decode(errors="replace")
                self.assertEqual(p.returncode, 0, text)
                self.assertEqual(players.complaints(text), [], "mpv over " + t)


if __name__ == "__main__":
    unittest.main()
