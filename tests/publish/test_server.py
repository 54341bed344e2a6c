"""ipcam-rtsp-server --publish: the camera to nginx-rtmp and to a peer that
stalls, with local RTSP viewers watching all along."""

import time
import unittest

from ipcamtest import server
from ipcamtest.players import decoder_errors
from ipcamtest.rtsp_rig import Rig
from ipcamtest.waiting import wait_for
from publish_rig import Nginx, SilentPeer, ffmpeg_decode, ffprobe_stream


def publication(rig, i=0):
    return rig.status()["publish"][i]


class PublishToNginx(unittest.TestCase):
    def test_publish_share_and_survive_a_server_restart(self):
        with Nginx() as nginx, Rig(server_args=["--publish", nginx.url()]) as rig:
            wait_for(lambda: publication(rig)["state"] == "publishing", 15, "the publication to start")
            self.assertEqual(publication(rig)["url"], nginx.url())
            code, streams, err = ffprobe_stream(nginx.url())
            self.assertEqual((code, err), (0, ""))
            self.assertEqual(streams, [{"codec_name": "h264", "width": 640, "height": 360}])
            # A local viewer decodes while the publication runs; so does ffmpeg from nginx.
            viewer = rig.start_ffmpeg(seconds=3)
            code, err, frames = ffmpeg_decode(nginx.url(), seconds=2)
            self.assertEqual((code, err), (0, ""))
            self.assertGreaterEqual(frames, 40)
            _, viewer_err = viewer.communicate(timeout=30)
            self.assertEqual(viewer.returncode, 0)
            self.assertEqual(decoder_errors(viewer_err.decode(errors="replace")), [])

            # nginx goes away and comes back: the publication follows, the camera stays.
            nginx.stop()
            wait_for(lambda: publication(rig)["state"] == "reconnecting", 10, "reconnecting")
            p = publication(rig)
            self.assertGreaterEqual(p["attempts"], 1)
            self.assertIn("next_attempt_in_ms", p)
            self.assertNotEqual(p["error"], "")
            restarted = time.monotonic()
            nginx.start()
            wait_for(lambda: publication(rig)["state"] == "publishing", 10, "publishing again")
            code, streams, err = ffprobe_stream(nginx.url())
            self.assertLess(time.monotonic() - restarted, 10)
            self.assertEqual((code, err), (0, ""))
            self.assertEqual(streams, [{"codec_name": "h264", "width": 640, "height": 360}])
            code, err = rig.ffmpeg(seconds=2)
            self.assertEqual((code, decoder_errors(err)), (0, []))
            self.assertEqual(rig.stop_server(), 0)
            self.assertLessEqual(rig.shutdown_seconds, 0.5)
            self.assertNotIn("please add queues", rig.server.stderr())
        # The start-up check and one camera session for the viewers and the publication.
        self.assertEqual(rig.sim.counter("logins_accepted"), 2)
        self.assertEqual(rig.sim.counter("preview_starts"), 1)

    def test_camera_lost_for_good_and_back(self):
        # Every camera session ends after 30 frames and ipcamsrc does not
        # reconnect: the hub gives up each time, and the publication, a
        # permanent viewer, connects the camera again on its next attempt.
        with Nginx() as nginx, Rig(sim_args=["--drop-after-frames", "30"],
                                   server_args=["--reconnect-attempts", "0", "--publish", nginx.url()]) as rig:
            wait_for(lambda: publication(rig)["state"] == "publishing", 15, "publishing")
            wait_for(lambda: "camera" in publication(rig)["error"], 15, "the camera's loss in the status")
            wait_for(lambda: publication(rig)["state"] == "publishing", 15, "publishing again")
            self.assertIsNone(rig.server.proc.poll())
            self.assertEqual(rig.stop_server(), 0)
            self.assertLessEqual(rig.shutdown_seconds, 0.5)
        self.assertGreaterEqual(rig.sim.counter("logins_accepted"), 3)
        self.assertEqual(rig.sim.counter("busy_refused"), 0)

    def test_unknown_scheme_is_a_usage_error(self):
        p = server.run(["--camera", "127.0.0.1", "--publish", "http://user:secret@127.0.0.1/x"], timeout=10)
        self.assertEqual(p.returncode, 2)
        err = p.stderr.decode()
        self.assertIn("expected an rtmp://, rtmps://, rtsp:// or srt:// URL", err)
        self.assertNotIn("secret", err)


class StalledPeer(unittest.TestCase):
    def test_a_peer_that_never_speaks(self):
        with SilentPeer() as rtmp_peer, SilentPeer() as rtsp_peer:
            urls = ["rtmp://me:hunter22@127.0.0.1:%d/live/cam" % rtmp_peer.port,
                    "rtsp://me:hunter22@127.0.0.1:%d/cam" % rtsp_peer.port]
            with Rig(server_args=["--publish", urls[0], "--publish", urls[1]]) as rig:
                seen = set()

                def failed(i):
                    state = publication(rig, i)["state"]
                    seen.add((i, state))
                    return state == "reconnecting"
                for i in (0, 1):
                    wait_for(lambda: failed(i), 15, "the stalled publication %d to fail" % i)
                    p = publication(rig, i)
                    self.assertNotEqual(p["error"], "")
                    self.assertGreaterEqual(p["attempts"], 1)
                # A peer that never answered was never taken for a server.
                self.assertNotIn((0, "publishing"), seen)
                self.assertNotIn((1, "publishing"), seen)
                status = rig.get("status")[2].decode()
                self.assertNotIn("hunter22", status)
                self.assertIn("rtmp://127.0.0.1:%d/live/cam" % rtmp_peer.port, status)
                # The local viewers are untouched.
                code, err = rig.ffmpeg(seconds=2)
                self.assertEqual((code, decoder_errors(err)), (0, []))
                # Stop while a publication waits on its silent peer again.
                wait_for(lambda: publication(rig, 0)["state"] == "connecting", 10, "the next attempt")
                self.assertEqual(rig.stop_server(), 0)
                self.assertLessEqual(rig.shutdown_seconds, 0.5)
                self.assertNotIn("hunter22", rig.server.stderr())
            self.assertGreaterEqual(len(rtmp_peer.accepted), 1)
            self.assertGreaterEqual(len(rtsp_peer.accepted), 1)


if __name__ == "__main__":
    unittest.main()
