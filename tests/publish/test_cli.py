"""`ipcam publish URL` against nginx-rtmp: frames read back, a clean stop on
SIGTERM within half a second, usage errors for what cannot be published."""

import os
import signal
import subprocess
import tempfile
import time
import unittest

from ipcamtest.ports import free_udp_port
from ipcamtest.sim import IpcamSim
from ipcamtest.waiting import wait_for
from publish_rig import Nginx, ffmpeg_decode, ffprobe_stream

IPCAM = os.environ.get("IPCAM", "")
SAMPLE = os.environ.get("IPCAM_SAMPLE_H264")


def env():
    e = dict(os.environ)
    e["CI"] = "true"
    e.pop("IPCAM_PASSWORD", None)
    return e


class PublishCommand(unittest.TestCase):
    def test_publish_to_nginx_and_stop_on_sigterm(self):
        preview = free_udp_port()
        with Nginx() as nginx, IpcamSim("--h264", SAMPLE, "--preview-port", preview) as sim, \
                tempfile.TemporaryFile() as err:
            # --interface: the camera is reached through lo only (the login check and the stream).
            tool = subprocess.Popen([IPCAM, "--camera", "127.0.0.1", "--interface", "lo",
                                     "--control-port", str(sim.control_port),
                                     "--preview-port", str(preview), "publish", nginx.url()],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
            try:
                def stderr():
                    err.seek(0)
                    return err.read().decode(errors="replace")
                wait_for(lambda: "publishing" in stderr().replace("publishing the camera", "") or
                         tool.poll() is not None, 15, "ipcam publish to say it publishes")
                self.assertIsNone(tool.poll(), stderr())
                code, streams, probe_err = ffprobe_stream(nginx.url())
                self.assertEqual((code, probe_err), (0, ""))
                self.assertEqual(streams, [{"codec_name": "h264", "width": 640, "height": 360}])
                code, decode_err, frames = ffmpeg_decode(nginx.url(), seconds=2)
                self.assertEqual((code, decode_err), (0, ""))
                self.assertGreaterEqual(frames, 40)
                start = time.monotonic()
                tool.send_signal(signal.SIGTERM)
                self.assertEqual(tool.wait(5), 0, stderr())
                self.assertLessEqual(time.monotonic() - start, 0.5)
                self.assertIn("ipcam: stopped publishing to " + nginx.url(), stderr())
                self.assertNotIn("please add queues", stderr())
            finally:
                if tool.poll() is None:
                    tool.kill()
                    tool.wait()

    def test_usage_errors(self):
        for args, text in [(["publish"], "give one URL"),
                           (["publish", "http://u:topsecret@127.0.0.1/x"], "expected an rtmp://"),
                           (["publish", "rtmp://127.0.0.1/onlyapp"], "rtmp://HOST[:PORT]/APPLICATION/STREAM")]:
            p = subprocess.run([IPCAM, "--camera", "127.0.0.1"] + args, capture_output=True, timeout=10, env=env())
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(text, p.stderr.decode())
            self.assertNotIn("topsecret", p.stderr.decode())

    def test_no_camera_is_exit_3(self):
        # Nothing listens on this port: the camera is not there.
        p = subprocess.run([IPCAM, "--camera", "127.0.0.1", "--control-port", "1", "--timeout", "2",
                            "publish", "rtmp://127.0.0.1:1/live/cam"], capture_output=True, timeout=20, env=env())
        self.assertEqual(p.returncode, 3, p.stderr.decode())


if __name__ == "__main__":
    unittest.main()
