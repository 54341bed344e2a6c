"""ipcam-rtsp-server --archive-max-bytes and --archive-keep: the oldest
segments go first, never the one being written, empty day folders go
too, and nothing the archive did not make is touched."""

import os
import unittest

from archive_rig import ArchiveRig
from ipcamtest.waiting import wait_for


def plant(folder):
    """Files that are not the archive's, in its folder: they must stay."""
    planted = [os.path.join(folder, "notes.txt"), os.path.join(folder, "2000-01-01", "notes.txt"),
               os.path.join(folder, "old", "00-00-00+0000.mp4"), os.path.join(folder, "2000-01-02", "00-00-00.mp4")]
    for p in planted:
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(b"x" * 100000)
    return planted


class Retention(unittest.TestCase):
    def test_max_bytes(self):
        # A segment of 1 s (one group of pictures) is about 21 kB here.
        with ArchiveRig(["--archive-segment", "1s", "--archive-max-bytes", "70K"]) as rig:
            planted = plant(rig.folder)
            # An old day of the archive's own, which retention empties and removes.
            os.makedirs(os.path.join(rig.folder, "2001-01-01"))
            with open(os.path.join(rig.folder, "2001-01-01", "00-00-00+0000.mp4"), "wb") as f:
                f.write(b"\0" * 1000)
            first = rig.wait_closed(1, 20)[0]
            wait_for(lambda: first["path"] not in [s["path"] for s in rig.archive()["segments"]], 20,
                     "the oldest segment removed")
            self.assertFalse(os.path.exists(os.path.join(rig.folder, "2001-01-01")))
            # Within the limit once retention ran (at each segment's open and
            # close): the closed ones take at most 70K beside the one written.
            segments = wait_for(lambda: (lambda segs: sum(s["bytes"] for s in segs[:-1]) <= 70 * 1024 and segs)(
                rig.archive()["segments"]), 20, "the archive within --archive-max-bytes")
            self.assertGreaterEqual(len(segments), 2)
            self.assertIsNone(segments[-1]["end"])
            for p in planted:
                self.assertTrue(os.path.exists(p), p)

    def test_keep(self):
        with ArchiveRig(["--archive-segment", "1s", "--archive-keep", "2s"]) as rig:
            planted = plant(rig.folder)
            first = rig.wait_closed(1, 20)[0]
            wait_for(lambda: first["path"] not in [s["path"] for s in rig.archive()["segments"]], 20,
                     "the oldest segment removed")
            segments = rig.archive()["segments"]
            self.assertGreaterEqual(len(segments), 1)
            self.assertIsNone(segments[-1]["end"])
            for p in planted:
                self.assertTrue(os.path.exists(p), p)


if __name__ == "__main__":
    unittest.main()
