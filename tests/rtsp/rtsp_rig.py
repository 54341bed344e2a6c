"""A camera emulator plus ipcam-rtsp-server on ephemeral ports, and real
RTSP clients (ffmpeg, ffprobe, gst-launch) to point at it.

    with Rig() as rig:            # or Rig(server_args=[...], sim_args=[...])
        rig.url, rig.control      # from the server's ready line
        rig.ffmpeg(seconds=3)     # -> (exit code, stderr text)
    rig.sim.counter("logins_accepted"), rig.server_exit

Everything runs through meson (IPCAM_SIM, IPCAM_SAMPLE_H264,
IPCAM_RTSP_SERVER, IPCAM_TEST_COMMON, GST_PLUGIN_PATH_1_0 in `env:`).
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.environ.get("IPCAM_TEST_COMMON", os.path.join(os.path.dirname(__file__), "..", "common")))
from ipcam_sim import IpcamSim, free_udp_port, read_line  # noqa: E402,F401

SERVER = os.environ.get("IPCAM_RTSP_SERVER")
SAMPLE = os.environ.get("IPCAM_SAMPLE_H264")


class Server:
    """ipcam-rtsp-server with its stderr kept in a file."""

    def __init__(self, args):
        self.args = [str(a) for a in args]
        self._tmp = tempfile.TemporaryDirectory(prefix="ipcam-rtsp-test-")
        self._err = open(os.path.join(self._tmp.name, "stderr.txt"), "w+b")
        self.proc = subprocess.Popen([SERVER] + self.args, stdout=subprocess.PIPE, stderr=self._err,
                                     stdin=subprocess.DEVNULL)
        self.ready = None
        self.exit_code = None

    def wait_ready(self, timeout=20):
        line = read_line(self.proc, timeout)
        if line is None:
            return None
        self.ready = json.loads(line)
        return self.ready

    def stderr(self):
        self._err.flush()
        with open(self._err.name, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signals the server; returns (exit code, seconds it took)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        start = time.monotonic()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.exit_code = "hung"
            return self.exit_code, time.monotonic() - start
        self.exit_code = self.proc.returncode
        return self.exit_code, time.monotonic() - start

    def close(self):
        if self.proc.poll() is None:
            self.stop()
        self.proc.stdout.close()
        self._err.close()
        self._tmp.cleanup()


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
        self.server = Server(self.camera_args() + ["--port", 0, "--control-http-port", 0,
                                                   "--linger", self.linger] + self.server_args)
        if not self.server.wait_ready():
            err = self.server.stderr()
            self.close()
            raise RuntimeError("ipcam-rtsp-server printed no ready line; stderr:\n" + err)
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
    def ffmpeg_cmd(self, seconds=3, transport="tcp", url=None):
        return ["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-rtsp_transport", transport,
                "-i", url or self.url, "-t", str(seconds), "-f", "null", "-"]

    def ffmpeg(self, seconds=3, transport="tcp", url=None, timeout=30):
        p = subprocess.run(self.ffmpeg_cmd(seconds, transport, url), capture_output=True, timeout=timeout)
        return p.returncode, p.stderr.decode(errors="replace")

    def start_ffmpeg(self, seconds=3, transport="tcp", url=None):
        return subprocess.Popen(self.ffmpeg_cmd(seconds, transport, url), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)

    def count_packets(self, seconds, transport="tcp", timeout=40):
        """Video packets ffprobe reads in `seconds` of the stream."""
        p = subprocess.run(["ffprobe", "-v", "error", "-rtsp_transport", transport, "-i", self.url,
                            "-select_streams", "v", "-show_entries", "packet=pts", "-of", "csv=p=0",
                            "-read_intervals", "%%+%g" % seconds],
                           capture_output=True, timeout=timeout)
        return len([line for line in p.stdout.decode().splitlines() if line.strip()]), p

    # -- control API
    def get(self, path, method="GET", opener=None):
        req = urllib.request.Request(self.control + path, method=method, data=b"" if method == "POST" else None)
        with (opener or urllib.request.build_opener()).open(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()

    def status(self):
        return json.loads(self.get("status")[2])

    def wait_for(self, condition, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError("timed out waiting for " + what)


def decoder_errors(stderr):
    """Every line ffmpeg -v error printed: each one is a complaint a user sees."""
    return [line for line in stderr.splitlines() if line.strip()]


def ffprobe_video(url, transport, extra=()):
    p = subprocess.run(["ffprobe", "-v", "error", "-rtsp_transport", transport, *extra, "-i", url,
                        "-select_streams", "v", "-show_entries", "stream=codec_name,width,height",
                        "-of", "json"], capture_output=True, timeout=30)
    streams = json.loads(p.stdout or b"{}").get("streams", []) if p.returncode == 0 else []
    return p.returncode, streams, p.stderr.decode(errors="replace")
