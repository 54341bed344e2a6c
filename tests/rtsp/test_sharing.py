"""One camera session shared by many clients: 8 at once, a late joiner
that starts clean, leave and rejoin within the linger, release after it."""

import subprocess
import time
import unittest

from ipcamtest.rtsp_rig import Rig


class SharingTest(unittest.TestCase):
    def test_eight_clients_late_joiner_rejoin_and_release(self):
        linger = 2
        with Rig(linger=linger) as rig:
            # Eight clients at once, half over UDP, each reading 3 s.
            clients = [rig.start_ffmpeg(seconds=3, transport="tcp" if i % 2 else "udp") for i in range(8)]
            for i, c in enumerate(clients):
                _, err = c.communicate(timeout=40)
                self.assertEqual(c.returncode, 0, "client %d: %s" % (i, err.decode(errors="replace")))

            # Late joiners while someone has been watching for a while, at
            # offsets that are not keyframe boundaries: the first frame each
            # decodes is a keyframe (what came before it is not shown).
            watcher = rig.start_ffmpeg(seconds=8)
            rig.wait_for(lambda: rig.status()["stats"].get("frames", 0) > 0, 10, "frames flowing")
            for offset in (0.4, 0.75, 0.2):
                time.sleep(offset)
                p = subprocess.run(["ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-i", rig.url,
                                    "-select_streams", "v", "-show_entries", "frame=key_frame,pict_type",
                                    "-read_intervals", "%+1.5", "-of", "csv=p=0"], capture_output=True, timeout=30)
                frames = [line.split(",")[:2] for line in p.stdout.decode().split() if line.strip()]
                self.assertTrue(frames, p.stderr)
                self.assertEqual(frames[0], ["1", "I"])
            _, werr = watcher.communicate(timeout=30)
            self.assertEqual(watcher.returncode, 0, werr)

            # Leave and rejoin within the linger: the same camera session.
            rc, err = rig.ffmpeg(seconds=1)
            self.assertEqual(rc, 0, err)
            self.assertTrue(rig.status()["camera"]["connected"])

            # Nobody watching: released after the linger, not before.
            left = time.monotonic()
            rig.wait_for(lambda: not rig.status()["camera"]["connected"], linger + 5, "camera release")
            self.assertGreaterEqual(time.monotonic() - left, linger - 0.5)
            self.assertIn("camera released", rig.server.stderr())

            # And a new client after the release gets a new camera session.
            rc, err = rig.ffmpeg(seconds=1)
            self.assertEqual(rc, 0, err)
            self.assertEqual(rig.stop_server(), 0)
        # Logins: the start-up check, the shared session, the one after release.
        self.assertEqual(rig.sim.counter("logins_accepted"), 3)
        self.assertEqual(rig.sim.counter("busy_refused"), 0)
        self.assertEqual(rig.sim.counter("logins_refused"), 0)


if __name__ == "__main__":
    unittest.main()
