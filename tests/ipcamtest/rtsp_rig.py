"""A camera emulator plus ipcam-rtsp-server on ephemeral ports, and real
RTSP clients (ffmpeg, ffprobe, gst-launch) to point at it.

    with Rig() as rig:            # or Rig(server_args=[...], sim_args=[...])
        rig.url, rig.control      # from the server's ready line
        rig.ffmpeg(seconds=3)     # -> (exit code, stderr text)
    rig.sim.counter("logins_accepted"), rig.server_exit

Everything runs through meson (IPCAM_SIM, IPCAM_SAMPLE_H264,
IPCAM_RTSP_SERVER, GST_PLUGIN_PATH_1_0 and PYTHONPATH in `env:`).
"""

import json
import os
import urllib.request

from ipcamtest import players, server
from ipcamtest.ports import free_udp_port
from ipcamtest.sim import IpcamSim
from ipcamtest.waiting import wait_for

SAMPLE = os.environ.get("IPCAM_SAMPLE_H264")


class Rig:
    """`live`: the emulator encodes live (pass --slices in sim_args for
    multi-slice pictures) instead of replaying the sample stream."""

    def __init__(self, server_args=(), sim_args=(), linger=1, live=False):
        self.live = live
        self.server_args = list(server_args)
        self.sim_args = list(sim_args)
        self.linger = linger
        self.sim = None
        self.server = None
        self.server_exit = None
        self.shutdown_seconds = None

    def __enter__(self):
        self.preview_port = free_udp_port()
        video = [] if self.live else ["--h264", SAMPLE]
        self.sim = IpcamSim(*video, "--preview-port", self.preview_port, *self.sim_args)
        self.sim.start()
        try:
            self.server = server.start(self.camera_args() + ["--port", 0, "--control-http-port", 0,
                                                             "--linger", self.linger] + self.server_args)
        except RuntimeError:
            self.close()
            raise
        self.url = self.server.ready["url"]
        self.control = self.server.ready["control"]
        return self

    def camera_args(self):
        return ["--camera", "127.0.0.1", "--control-port", self.sim.control_port, "--http-port",
                self.sim.http_port, "--preview-port", self.preview_port]

    def stop_server(self):
        if self.server and self.server_exit is None:
            self.server_exit, self.shutdown_seconds = self.server.stop()
        return self.server_exit

    def close(self):
        if self.server:
            self.stop_server()
            self.server.close()
        if self.sim:
            self.sim.stop()

    def __exit__(self, *exc):
        self.close()
        return False

    # -- clients
    def ffmpeg(self, seconds=3, transport="tcp", url=None, timeout=30):
        return players.ffmpeg(url or self.url, seconds, transport, timeout)

    def start_ffmpeg(self, seconds=3, transport="tcp", url=None):
        return players.start_ffmpeg(url or self.url, seconds, transport)

    def count_packets(self, seconds, transport="tcp", timeout=40):
        """Video packets ffprobe reads in `seconds` of the stream."""
        return players.count_packets(self.url, seconds, transport, timeout)

    # -- control API
    def get(self, path, method="GET", opener=None):
        req = urllib.request.Request(self.control + path, method=method, data=b"" if method == "POST" else None)
        with (opener or urllib.request.build_opener()).open(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()

    def status(self):
        return json.loads(self.get("status")[2])

    def wait_for(self, condition, timeout, what):
        wait_for(condition, timeout, what, interval=0.1)
