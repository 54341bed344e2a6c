"""ipcam-rtsp-server --publish to an RTSP RECORD mount (GstRtspServer here)
and to srt-live-transmit: the H.264 that arrives is decoded."""

import os
import shutil
import subprocess
import tempfile
import threading
import unittest

import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

from ipcamtest.players import decoder_errors  # noqa: E402
from ipcamtest.ports import free_udp_port  # noqa: E402
from ipcamtest.rtsp_rig import Rig  # noqa: E402
from ipcamtest.waiting import wait_for  # noqa: E402
from publish_rig import ffmpeg_decode, ffprobe_stream  # noqa: E402

Gst.init(None)


class RecordServer:
    """A GstRtspServer with one RECORD mount, /up, that decodes what comes."""

    def __init__(self):
        self.decoded = 0
        self.errors = []
        self.context = GLib.MainContext.new()
        self.loop = GLib.MainLoop.new(self.context, False)
        self.server = GstRtspServer.RTSPServer.new()
        self.server.set_address("127.0.0.1")
        self.server.set_service("0")
        factory = GstRtspServer.RTSPMediaFactory.new()
        factory.set_transport_mode(GstRtspServer.RTSPTransportMode.RECORD)
        factory.set_launch("( rtph264depay name=depay0 ! h264parse ! avdec_h264 ! fakesink name=out signal-handoffs=true )")
        factory.connect("media-configure", self._configure)
        self.server.get_mount_points().add_factory("/up", factory)
        self.source = self.server.attach(self.context)
        self.port = self.server.get_bound_port()
        self.thread = threading.Thread(target=self.loop.run, daemon=True)
        self.thread.start()

    def _configure(self, _factory, media):
        element = media.get_element()
        element.get_by_name("out").connect("handoff", self._frame)

    def _frame(self, *_):
        self.decoded += 1

    def close(self):
        self.loop.quit()
        self.thread.join(5)
        self.context.find_source_by_id(self.source).destroy()


class PublishRecord(unittest.TestCase):
    def test_rtsp_record(self):
        rec = RecordServer()
        try:
            url = "rtsp://127.0.0.1:%d/up" % rec.port
            with Rig(server_args=["--publish", url]) as rig:
                wait_for(lambda: rig.status()["publish"][0]["state"] == "publishing", 15, "publishing")
                wait_for(lambda: rec.decoded >= 60, 15, "60 decoded frames at the RECORD mount")
                code, err = rig.ffmpeg(seconds=2)
                self.assertEqual((code, decoder_errors(err)), (0, []))
                self.assertEqual(rig.stop_server(), 0)
                self.assertLessEqual(rig.shutdown_seconds, 0.5)
        finally:
            rec.close()


class PublishSrt(unittest.TestCase):
    def test_srt_to_srt_live_transmit(self):
        self.assertTrue(shutil.which("srt-live-transmit"), "srt-live-transmit is missing: install srt-tools")
        srt_port = free_udp_port()
        out = tempfile.mkdtemp(prefix="ipcam-srt-")
        ts_path = os.path.join(out, "got.ts")
        with open(ts_path, "wb") as ts:
            relay = subprocess.Popen(["srt-live-transmit", "-q", "srt://127.0.0.1:%d?mode=listener" % srt_port,
                                      "file://con"], stdout=ts, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        try:
            with Rig(server_args=["--publish", "srt://127.0.0.1:%d" % srt_port]) as rig:
                wait_for(lambda: rig.status()["publish"][0]["state"] == "publishing", 15, "publishing")
                wait_for(lambda: os.path.getsize(ts_path) > 100000, 20, "100 kB of MPEG-TS")
                self.assertEqual(rig.stop_server(), 0)
                self.assertLessEqual(rig.shutdown_seconds, 0.5)
                self.assertNotIn("please add queues", rig.server.stderr())
            relay.terminate()
            relay.wait(5)
            code, streams, err = ffprobe_stream(ts_path)
            self.assertEqual((code, err), (0, ""))
            self.assertEqual(streams, [{"codec_name": "h264", "width": 640, "height": 360}])
            # The first 1.5 s (the end is cut wherever the server stopped).
            code, err, frames = ffmpeg_decode(ts_path, seconds=1.5)
            self.assertEqual((code, err), (0, ""))
            self.assertGreaterEqual(frames, 40)
        finally:
            if relay.poll() is None:
                relay.kill()
                relay.wait()
            relay.stderr.close()
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
