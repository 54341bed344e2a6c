"""ipcam-rtsp-server --archive: segments that hold every frame the camera
sent exactly once, each from a keyframe, that ffmpeg decodes without a
word; the list, the download and the status that describe them."""

import datetime
import os
import unittest
import urllib.parse
import urllib.request

from archive_rig import ArchiveRig, complaints, frame_tags, packet_flags


CET = "CET-1CEST,M3.5.0,M10.5.0/3"


def parse_iso(text):
    return datetime.datetime.fromisoformat(text)


class Segments(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Names in the server's local time, here Central Europe's (an offset of +0100 or +0200).
        cls.rig = ArchiveRig(["--archive-segment", "2s"], env=dict(os.environ, TZ=CET)).__enter__()
        cls.segments = cls.rig.wait_closed(4, 30)

    @classmethod
    def tearDownClass(cls):
        cls.rig.close()

    def test_every_frame_once_in_order(self):
        tags = []
        for s in self.segments:
            seg_tags = frame_tags(self.rig.path(s))
            self.assertEqual(len(seg_tags), s["frames"], s)
            self.assertGreater(len(seg_tags), 0)
            tags += seg_tags
        # Gapless: the frame after a segment's last is the next one's first.
        self.assertEqual(tags, list(range(tags[0], tags[0] + len(tags))))

    def test_each_segment_starts_at_a_keyframe_and_decodes_cleanly(self):
        for s in self.segments:
            flags = packet_flags(self.rig.path(s))
            self.assertTrue(flags[0].startswith("K"), (s["path"], flags[:3]))
            self.assertEqual(len(flags), s["frames"])
            self.assertEqual(complaints(self.rig.path(s)), (0, ""), s["path"])

    def test_names_list_and_times(self):
        listing = self.rig.archive()
        self.assertEqual(listing["state"], "writing")
        self.assertEqual(listing["dir"], os.path.join(self.rig.dir, "cam"))
        self.assertEqual(listing["dropped_gops"], 0)
        segments = listing["segments"]
        # The one being written is last, its end null; the rest are closed.
        self.assertIsNone(segments[-1]["end"])
        self.assertTrue(all(s["end"] for s in segments[:-1]))
        for s in segments:
            start = parse_iso(s["start"])
            self.assertIn(start.utcoffset(), (datetime.timedelta(hours=1), datetime.timedelta(hours=2)))
            local = start.strftime("%Y-%m-%d/%H-%M-%S%z")
            self.assertTrue(s["path"] == local + ".mp4" or s["path"].startswith(local + "-"), (s["path"], local))
            self.assertEqual(s["bytes"], os.path.getsize(self.rig.path(s)))
        for a, b in zip(segments, segments[1:-1]):
            # Back to back: the next starts within a second (names are to the second) of the end.
            gap = (parse_iso(b["start"]) - parse_iso(a["end"])).total_seconds()
            self.assertGreater(gap, -1.0)
            self.assertLess(gap, 1.0)
            self.assertLessEqual(a["duration_ms"], 2000)

    def test_status(self):
        status = self.rig.status()
        self.assertEqual(status["state"], "writing")
        self.assertEqual(status["error"], "")
        self.assertEqual(status["dir"], os.path.join(self.rig.dir, "cam"))
        self.assertGreaterEqual(status["segments"], 4)
        self.assertGreater(status["bytes"], 0)
        # No viewer, a linger of 1 s long past: the archive keeps the camera
        # connected, as one of its viewers. The camera's own recording is another thing.
        whole = self.rig.get_json("api/cameras/cam/status")
        self.assertTrue(whole["camera"]["connected"])
        self.assertEqual(whole["viewers"], 1)
        self.assertFalse(whole["recording"])

    def test_download(self):
        s = self.segments[0]
        url = self.rig.control + "api/cameras/cam/archive/download?path=" + urllib.parse.quote(s["path"], safe="")
        with urllib.request.urlopen(url, timeout=30) as r:
            status, body, headers = r.status, r.read(), r.headers
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "video/mp4")
        self.assertEqual(headers["Content-Disposition"],
                         'attachment; filename="cam-%s-%s"' % (s["path"][:10], s["path"][11:]))
        with open(self.rig.path(s), "rb") as f:
            self.assertEqual(body, f.read())
        # The default camera's short path, and '+' left unescaped (a space once decoded).
        status, body2 = self.rig.get("api/archive/download?path=" + s["path"])
        self.assertEqual((status, body2), (200, body))

    def test_download_refuses_what_is_not_a_segment(self):
        os.makedirs(os.path.join(self.rig.folder, "2000-01-01"), exist_ok=True)
        os.symlink("/etc/passwd", os.path.join(self.rig.folder, "2000-01-01", "00-00-00+0000.mp4"))
        for path, expected in [("../../../etc/passwd", 400), ("2000-01-01/../../x/00-00-00+0000.mp4", 400),
                               ("/etc/passwd", 400), ("2000-01-01/notes.txt", 400), ("", 400),
                               ("2000-01-01/00-00-00+0000.mp4", 404),  # a link, not a file of the archive
                               ("1999-01-01/00-00-00+0000.mp4", 404)]:
            status, body = self.rig.get("api/cameras/cam/archive/download?path=" + urllib.parse.quote(path, safe=""))
            self.assertEqual(status, expected, path)
            self.assertIn(b'"error"', body)
        status, _ = self.rig.get("api/cameras/cam/archive/download")
        self.assertEqual(status, 400)


if __name__ == "__main__":
    unittest.main()
