"""ipcam-rtsp-server --archive after kill -9: every closed segment plays,
and so does the one being written, up to its last whole fragment (a
second); the next start keeps them all and cuts nothing that plays."""

import os
import signal
import struct
import unittest

from archive_rig import ArchiveRig, complaints, frame_tags
from ipcamtest import server
from ipcamtest.waiting import wait_for


def fragment_head(path):
    """The first moof of `path` and half its mdat: a fragment cut short."""
    with open(path, "rb") as f:
        data = f.read()
    at = 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"moof":
            mdat = struct.unpack(">I", data[at + size:at + size + 4])[0]
            return data[at:at + size + mdat // 2]
        at += size
    raise AssertionError("no fragment in " + path)


class Crash(unittest.TestCase):
    def test_kill_9_leaves_segments_that_play(self):
        with ArchiveRig(["--archive-segment", "4s"]) as rig:
            rig.wait_closed(1, 30)
            # Killed once the segment being written holds a whole fragment.
            writing = wait_for(lambda: [s for s in rig.archive()["segments"] if s["end"] is None and s["frames"] > 0],
                               15, "a fragment of the segment being written")[0]
            rig.server.stop(signal.SIGKILL)
            files = sorted(os.path.join(d, f) for d, _, fs in os.walk(rig.folder) for f in fs)
            self.assertIn(rig.path(writing), files)
            tags = []
            for path in files:
                self.assertEqual(complaints(path), (0, ""), path)
                tags += frame_tags(path)
            self.assertGreaterEqual(len(frame_tags(rig.path(writing))), writing["frames"])
            self.assertEqual(tags, list(range(tags[0], tags[0] + len(tags))))
            # A kill inside a fragment's write (rare: each is written at
            # once) leaves half a fragment: as if this one was cut so.
            last = rig.path(writing)
            whole = os.path.getsize(last)
            with open(last, "ab") as f:
                f.write(fragment_head(last))
            self.assertNotEqual(complaints(last)[1], "")  # ffmpeg sees the cut
            sizes = {p: os.path.getsize(p) for p in files}
            sizes[last] = whole

            # The same archive served again: the cut fragment goes, what was
            # there plays still, and the segment cut by the kill is listed closed.
            again = server.start(["--camera", "127.0.0.1", "--control-port", rig.sim.control_port, "--http-port",
                                  rig.sim.http_port, "--preview-port", rig.preview_port, "--port", 0,
                                  "--control-http-port", 0, "--archive", rig.dir, "--archive-segment", "4s"])
            try:
                rig.server.close()  # the killed one: reaped already
                rig.server = again
                rig.control = again.ready["control"]
                wait_for(lambda: len(rig.closed()) >= len(files), 20, "the old segments listed as closed")
                for path in files:
                    self.assertEqual(os.path.getsize(path), sizes[path], path)
                    self.assertEqual(complaints(path), (0, ""), path)
            finally:
                self.assertEqual(again.stop()[0], 0)


if __name__ == "__main__":
    unittest.main()
