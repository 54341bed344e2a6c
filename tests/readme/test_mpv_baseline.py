"""mpv against ipcam-rtsp-server and against the plainest gst-rtsp-server
(docs/examples/plain_rtsp_server.py, a live x264 picture): whatever mpv
says about ours, it says the same, word for word, about the plain one.
Today that is two lines at start ("No video PTS! Making something up",
"Invalid video timestamp"), FFmpeg's RTP demuxer giving the first packet no
timestamp, which docs/rtsp-server.md shows with that script; the rtsp
suite's mpv case is an expected failure for it. Should mpv fall silent on
the plain server, the first case fails: ours must then be silent too.

Run by meson (suite 'readme') with IPCAM_SIM, IPCAM_RTSP_SERVER,
GST_PLUGIN_PATH_1_0, GST_REGISTRY_1_0, IPCAM_SOURCE_ROOT, PYTHONPATH.
"""

import os
import re
import subprocess
import unittest

from ipcamtest import players
from ipcamtest.rtsp_rig import Rig
from ipcamtest.waiting import read_line

ROOT = os.environ.get("IPCAM_SOURCE_ROOT", "")
PLAIN = os.path.join(ROOT, "docs", "examples", "plain_rtsp_server.py")
SECONDS = 4


def mpv_says(url):
    """mpv's complaints over TCP, with the numbers in them blanked."""
    p = subprocess.run(players.mpv_cmd(url, SECONDS, "tcp"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, timeout=SECONDS + 40)
    text = p.stdout.decode(errors="replace")
    assert p.returncode == 0, text
    return [re.sub(r"\d+(\.\d+)?", "N", line) for line in players.complaints(text)]


class MpvBaselineTest(unittest.TestCase):
    def plain_server(self):
        proc = subprocess.Popen([PLAIN, "0"], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.addCleanup(proc.wait, 10)
        self.addCleanup(proc.terminate)
        self.addCleanup(proc.stdout.close)
        url = read_line(proc, 20)
        self.assertTrue(url and url.startswith("rtsp://"), "the plain server printed no URL")
        return url

    def test_mpv_says_the_same_of_ours_and_of_the_plain_server(self):
        plain = mpv_says(self.plain_server())
        with Rig(live=True) as rig:
            ours = mpv_says(rig.url)
            self.assertEqual(rig.stop_server(), 0)
        self.assertEqual(ours, plain)

    def test_the_documented_lines_are_what_mpv_says_of_the_plain_server(self):
        plain = mpv_says(self.plain_server())
        self.assertEqual(plain, ["No video PTS! Making something up. Using N FPS.",
                                 "Invalid video timestamp: N -> N"])


if __name__ == "__main__":
    unittest.main()
