"""ipcam-rtsp-server --archive on a disk that fills, below
--archive-min-free, or not writable: the status says why, viewers carry
on, and the archive comes back once there is room (the retry interval is
shortened through IPCAM_ARCHIVE_RETRY_SECONDS, a test hook)."""

import os
import tempfile
import unittest

from archive_rig import ArchiveRig, complaints, in_namespace
from ipcamtest import players
from ipcamtest.waiting import wait_for

RETRY = dict(os.environ, IPCAM_ARCHIVE_RETRY_SECONDS="1")


class Disk(unittest.TestCase):
    def test_full_disk_and_back(self):
        with tempfile.TemporaryDirectory(prefix="ipcam-archive-tmpfs-") as mnt, \
                ArchiveRig(["--archive-segment", "2s"], dir=mnt, env=RETRY,
                           wrapper=in_namespace("mount -t tmpfs -o size=2m tmpfs " + mnt)) as rig:
            rig.wait_state("writing", 20)
            # Another program fills the disk to the last byte under it.
            filler = os.path.join(rig.root, "filler")
            with open(filler, "wb") as f:
                try:
                    while True:
                        f.write(b"\0" * 65536)
                        f.flush()
                except OSError:
                    pass
            status = rig.wait_state("failed", 30)
            self.assertRegex(status["error"], "is full|No space left")
            self.assertIn(status["error"], rig.server.stderr())
            self.assertEqual(rig.server.stderr().count(status["error"]), 1)
            # Viewers carry on.
            code, err = players.ffmpeg(rig.url, 2)
            self.assertEqual((code, players.decoder_errors(err)), (0, []))
            # What was written before the disk filled plays.
            for s in rig.archive()["segments"]:
                self.assertEqual(complaints(rig.path(s)), (0, ""), s)
            os.unlink(filler)
            rig.wait_state("writing", 20)
            wait_for(lambda: rig.archive()["segments"][-1]["frames"] > 0, 20, "a segment written again")

    def test_no_room_for_a_new_file_and_back(self):
        # A file system out of inodes: bytes are free, but the next segment
        # cannot be made. The sink's error is the status's, with its reason.
        with tempfile.TemporaryDirectory(prefix="ipcam-archive-inodes-") as mnt, \
                ArchiveRig(["--archive-segment", "1s"], dir=mnt, env=RETRY,
                           wrapper=in_namespace("mount -t tmpfs -o size=8m,nr_inodes=6 tmpfs " + mnt)) as rig:
            status = rig.wait_state("failed", 30)
            self.assertEqual(rig.server.stderr().count(status["error"]), 1)
            self.assertIn("No space left on device", status["error"])
            self.assertIn(os.path.join(mnt, "cam"), status["error"])
            code, err = players.ffmpeg(rig.url, 1)
            self.assertEqual((code, players.decoder_errors(err)), (0, []))
            # What was written plays: the segment cut by the failure is cut
            # back to its last whole fragment (or gone when it had none).
            # A retry may be writing a new one already, in the inode freed so.
            closed = [s for s in rig.archive()["segments"] if s["end"]]
            self.assertGreaterEqual(len(closed), 2)
            for s in closed:
                self.assertEqual(complaints(rig.path(s)), (0, ""), s)
            segments = rig.archive()["segments"]
            # Room again: the oldest go (as retention would), writing resumes.
            for s in segments[:-1]:
                os.unlink(rig.path(s))
            rig.wait_state("writing", 20)
            wait_for(lambda: rig.archive()["segments"][-1]["frames"] > 0, 20, "a segment written again")

    def test_min_free(self):
        with ArchiveRig(["--archive-min-free", "1000T"], env=RETRY) as rig:
            status = rig.wait_state("failed", 20)
            self.assertIn("less free space than --archive-min-free (1000.0 TiB)", status["error"])
            code, err = players.ffmpeg(rig.url, 1)
            self.assertEqual((code, players.decoder_errors(err)), (0, []))
            self.assertEqual(rig.archive()["segments"], [])

    def test_folder_not_writable(self):
        with tempfile.TemporaryDirectory(prefix="ipcam-archive-ro-") as mnt, \
                ArchiveRig([], dir=mnt, env=RETRY,
                           wrapper=in_namespace("mount -t tmpfs -o ro,size=1m tmpfs " + mnt)) as rig:
            status = rig.wait_state("failed", 20)
            self.assertIn("Read-only file system", status["error"])
            self.assertIn(os.path.join(mnt, "cam"), status["error"])
            code, err = players.ffmpeg(rig.url, 1)
            self.assertEqual((code, players.decoder_errors(err)), (0, []))


if __name__ == "__main__":
    unittest.main()
