"""One camera session shared by many clients: 8 at once, a late joiner
that starts clean, leave and rejoin within the linger, release after it."""

import time
import unittest

from rtsp_rig import Rig, decoder_errors


class SharingTest(unittest.TestCase):
    def test_eight_clients_late_joiner_rejoin_and_release(self):
        linger = 2
        with Rig(linger=linger) as rig:
            # Eight clients at once, half over UDP, each reading 3 s.
            clients = [rig.start_ffmpeg(seconds=3, transport="tcp" if i % 2 else "udp") for i in range(8)]
            for i, c in enumerate(clients):
                _, err = c.communicate(timeout=40)
                self.assertEqual(c.returncode, 0, "client %d: %s" % (i, err.decode(errors="replace")))
                self.assertEqual(decoder_errors(err.decode(errors="replace")), [], "client %d" % i)

            # A late joiner: someone has been watching for a while (not on
            # a keyframe boundary); the joiner's first frame must decode clean.
            watcher = rig.start_ffmpeg(seconds=6)
            rig.wait_for(lambda: rig.status()["stats"].get("frames", 0) > 0, 10, "frames flowing")
            time.sleep(1.3)
            rc, err = rig.ffmpeg(seconds=2)
            self.assertEqual(rc, 0, err)
            self.assertEqual(decoder_errors(err), [])
            _, werr = watcher.communicate(timeout=30)
            self.assertEqual(watcher.returncode, 0, werr)
            self.assertEqual(decoder_errors(werr.decode(errors="replace")), [])

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
