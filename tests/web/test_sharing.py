"""Browsers and RTSP clients together on one camera login."""

import unittest

from ipcamtest.players import decoder_errors
from ipcamtest.rtsp_rig import Rig
from ipcamtest.web_rig import Browser


class SharingTest(unittest.TestCase):
    def test_four_browsers_and_four_rtsp_clients(self):
        browsers = []
        with Rig(linger=1) as rig:
            logins_before = rig.sim.live_counter("logins_accepted")  # the start-up check
            try:
                for _ in range(4):
                    b = Browser()
                    browsers.append(b)
                    b.open(rig.control + "api/status")
                    b.install_whep_client()
                    r = b.js_async("whep(arguments[0])", rig.server.ready["whep"])
                    self.assertEqual(r.get("status"), 201, r)
                for b in browsers:
                    b.wait_js("return frames_of(0) >= 30", 30, "every browser playing")
                    self.assertEqual(b.js("return sessions[0].video.videoWidth"), 640)
                rtsp = [rig.start_ffmpeg(seconds=6) for _ in range(4)]
                rig.wait_for(lambda: rig.status()["viewers"] == 8, 10, "4 browser and 4 RTSP viewers")
                self.assertEqual(rig.status()["webrtc_viewers"], 4)
                for p in rtsp:
                    _, err = p.communicate(timeout=60)
                    self.assertEqual(p.returncode, 0, err)
                    self.assertEqual(decoder_errors(err.decode(errors="replace")), [])
                # The browsers kept playing through the RTSP clients' leaving.
                counts = [b.js("return frames_of(0)") for b in browsers]
                for b, n in zip(browsers, counts):
                    b.wait_js("return frames_of(0) >= %d" % (n + 15), 10, "the browser still playing")
                self.assertEqual(rig.sim.live_counter("logins_accepted") - logins_before, 1)
                # The camera is held while the browsers watch (--linger counts them)...
                self.assertTrue(rig.status()["camera"]["connected"])
            finally:
                for b in browsers:
                    b.close()
            # ... and let go once they are gone.
            rig.wait_for(lambda: rig.status()["viewers"] == 0, 5, "every browser viewer released")
            rig.wait_for(lambda: not rig.status()["camera"]["connected"], 5, "the camera released")


if __name__ == "__main__":
    unittest.main()
