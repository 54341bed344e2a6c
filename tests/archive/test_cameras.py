"""ipcam-rtsp-server --archive with two cameras: each has its own folder,
and a stop closes both segments being written side by side, within the
half second a stop may take."""

import json
import os
import tempfile
import unittest
import urllib.request

from archive_rig import SAMPLE, complaints
from ipcamtest import server
from ipcamtest.ports import free_udp_port
from ipcamtest.sim import IpcamSim
from ipcamtest.waiting import wait_for


class TwoCameras(unittest.TestCase):
    def test_stop_closes_every_camera_segment(self):
        # Each camera sends its preview to its own port of the server's.
        previews = {name: free_udp_port() for name in ("north", "south")}
        sims = {name: IpcamSim("--h264", SAMPLE, "--tag-frames", "--preview-port", port)
                for name, port in previews.items()}
        with tempfile.TemporaryDirectory(prefix="ipcam-archive-test-") as folder:
            args = ["--port", 0, "--control-http-port", 0, "--archive", folder, "--archive-segment", "60s"]
            try:
                for name, sim in sims.items():
                    sim.start()
                    args += ["--camera", "%s=127.0.0.1" % name, "--control-port", "%s=%s" % (name, sim.control_port),
                             "--http-port", "%s=%s" % (name, sim.http_port),
                             "--preview-port", "%s=%d" % (name, previews[name])]
                srv = server.start(args)
                try:
                    def writing(name):
                        url = srv.ready["control"] + "api/cameras/%s/archive" % name
                        with urllib.request.urlopen(url, timeout=30) as r:
                            segments = json.loads(r.read())["segments"]
                        return [s for s in segments if s["end"] is None and s["frames"] >= 30]

                    current = {name: wait_for(lambda n=name: writing(n), 30, name + "'s segment written")[0]
                               for name in sims}
                    code, seconds = srv.stop()
                    self.assertEqual(code, 0)
                    self.assertLessEqual(seconds, 0.5)
                finally:
                    srv.close()
                for name, segment in current.items():
                    path = os.path.join(folder, name, segment["path"])
                    self.assertEqual(complaints(path), (0, ""), path)
                    with open(path, "rb") as f:
                        self.assertIn(b"mfra", f.read()[-200:], path + " was closed properly")
            finally:
                for sim in sims.values():
                    sim.stop()


if __name__ == "__main__":
    unittest.main()
