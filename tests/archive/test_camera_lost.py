"""ipcam-rtsp-server --archive when the camera goes away and comes back:
the segment being written is closed properly, a new one starts with the
camera's first keyframe, and the list shows the gap between them."""

import datetime
import time
import unittest

from archive_rig import ArchiveRig, complaints, packet_flags
from ipcamtest.waiting import wait_for


class CameraLost(unittest.TestCase):
    def test_lost_and_back(self):
        with ArchiveRig(["--archive-segment", "60s", "--reconnect-backoff", "200"]) as rig:
            first = wait_for(lambda: [s for s in rig.archive()["segments"] if s["frames"] >= 30], 20,
                             "a fragment written")[0]
            rig.stop_camera()
            stopped = time.monotonic()
            # Closed: it has an end, and it is a whole MP4 (EOS went through the muxer).
            closed = wait_for(lambda: [s for s in rig.closed() if s["path"] == first["path"]], 20,
                              "the segment closed")[0]
            self.assertLess(time.monotonic() - stopped, 10)
            self.assertEqual(complaints(rig.path(closed)), (0, ""))
            with open(rig.path(closed), "rb") as f:
                self.assertIn(b"mfra", f.read()[-200:])
            self.assertEqual(rig.status()["state"], "waiting")
            outage = time.monotonic()
            rig.start_camera()
            segments = wait_for(lambda: len(rig.archive()["segments"]) >= 2 and rig.archive()["segments"][-1]["frames"] > 0
                                and rig.archive()["segments"], 40, "a new segment")
            self.assertEqual(rig.status()["state"], "writing")
            new = segments[-1]
            self.assertIsNone(new["end"])
            self.assertTrue(packet_flags(rig.path(new))[0].startswith("K"))
            gap = (datetime.datetime.fromisoformat(new["start"]) -
                   datetime.datetime.fromisoformat(closed["end"])).total_seconds()
            self.assertGreaterEqual(gap, 1.0)
            # A stop closes the segment being written properly, promptly.
            code, seconds = rig.server.stop()
            self.assertEqual(code, 0)
            self.assertLessEqual(seconds, 0.5)
            self.assertEqual(complaints(rig.path(new)), (0, ""))
            with open(rig.path(new), "rb") as f:
                self.assertIn(b"mfra", f.read()[-200:])

    def test_given_up_and_back(self):
        # ipcamsrc gives the camera up at once: the hub ends the camera's
        # session, and the archive asks for the camera again, 1 s, 2 s, ...
        with ArchiveRig(["--archive-segment", "60s", "--reconnect-attempts", "0"]) as rig:
            first = wait_for(lambda: [s for s in rig.archive()["segments"] if s["frames"] >= 30], 20,
                             "a fragment written")[0]
            rig.stop_camera()
            status = rig.wait_state("waiting", 20)
            self.assertIn("camera", status["error"])
            closed = wait_for(lambda: [s for s in rig.closed() if s["path"] == first["path"]], 20,
                              "the segment closed")[0]
            self.assertEqual(complaints(rig.path(closed)), (0, ""))
            self.assertIn("archive: " + status["error"], rig.server.stderr())
            rig.start_camera()
            new = wait_for(lambda: [s for s in rig.archive()["segments"][1:] if s["frames"] > 0], 40,
                           "a new segment")[0]
            self.assertEqual(rig.status()["state"], "writing")
            self.assertTrue(packet_flags(rig.path(new))[0].startswith("K"))
            self.assertGreaterEqual((datetime.datetime.fromisoformat(new["start"]) -
                                     datetime.datetime.fromisoformat(closed["end"])).total_seconds(), 1.0)


if __name__ == "__main__":
    unittest.main()
