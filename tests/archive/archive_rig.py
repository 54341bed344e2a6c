"""The emulator (frames tagged with their number) and ipcam-rtsp-server
with --archive, and what a test reads back from the archive: the API's
list, the segments' tags, packets and ffmpeg's complaints.

    with ArchiveRig(["--archive-segment", "2s"]) as rig:
        rig.dir, rig.folder                 # DIR, and DIR/cam where the segments go
        rig.archive()                       # GET /api/cameras/cam/archive
        rig.closed()                        # its closed segments, oldest first
        frame_tags(path), first_is_key(path), complaints(path)

`wrapper` runs the server inside something (unshare, for a tmpfs of its
own); `root` is then where the test sees that server's DIR
(/proc/PID/root/DIR). The emulator's ports are fixed at start, so that
restart_camera() brings the same camera back.
"""

import json
import os
import re
import subprocess
import tempfile
import urllib.error
import urllib.request

from ipcamtest import server
from ipcamtest.ports import free_tcp_port, free_udp_port
from ipcamtest.sim import IpcamSim
from ipcamtest.waiting import wait_for

SAMPLE = os.environ.get("IPCAM_SAMPLE_H264")
TAG_UUID = b"IPCAMSIM-FRAME-1"


class ArchiveRig:
    def __init__(self, server_args=(), dir=None, wrapper=(), env=None, sim_args=()):
        self.server_args = list(server_args)
        self._tmp = None if dir else tempfile.TemporaryDirectory(prefix="ipcam-archive-test-")
        self.dir = dir or self._tmp.name
        self.wrapper = list(wrapper)
        self.env = env
        self.sim_args = list(sim_args)
        self.sim = self.server = None

    def __enter__(self):
        self.preview_port = free_udp_port()
        self.sim_ports = ["--control-port", free_tcp_port(), "--http-port", free_tcp_port()]
        self.start_camera()
        try:
            self.server = server.start(
                ["--camera", "127.0.0.1", "--control-port", self.sim.control_port, "--http-port",
                 self.sim.http_port, "--preview-port", self.preview_port, "--port", 0, "--control-http-port", 0,
                 "--linger", 1, "--archive", self.dir] + self.server_args,
                wrapper=self.wrapper, env=self.env)
        except RuntimeError:
            self.close()
            raise
        self.control = self.server.ready["control"]
        self.url = self.server.ready["url"]
        return self

    def start_camera(self):
        self.sim = IpcamSim("--h264", SAMPLE, "--tag-frames", "--preview-port", self.preview_port,
                            *self.sim_ports, *self.sim_args)
        self.sim.start()

    def stop_camera(self):
        self.sim.stop()

    @property
    def root(self):
        """DIR as this test sees it (the server's mounts may be its own)."""
        return "/proc/%d/root%s" % (self.server.pid, self.dir) if self.wrapper else self.dir

    @property
    def folder(self):
        return os.path.join(self.root, "cam")

    def path(self, segment):
        return os.path.join(self.folder, segment["path"])

    def get(self, path):
        """(status, body bytes) of GET control + path, errors included."""
        try:
            with urllib.request.urlopen(self.control + path, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def archive(self):
        status, body = self.get("api/cameras/cam/archive")
        assert status == 200, (status, body)
        return json.loads(body)

    def get_json(self, path):
        return json.loads(self.get(path)[1])

    def status(self):
        return self.get_json("api/cameras/cam/status")["archive"]

    def closed(self):
        return [s for s in self.archive()["segments"] if s["end"] is not None]

    def wait_closed(self, n, timeout):
        return wait_for(lambda: len(self.closed()) >= n and self.closed(), timeout,
                        "%d closed segments" % n)

    def wait_state(self, state, timeout):
        return wait_for(lambda: self.status()["state"] == state and self.status(), timeout,
                        "the archive's state " + state)

    def close(self):
        if self.server:
            self.server.close()
        if self.sim:
            self.sim.stop()
        if self._tmp:
            self._tmp.cleanup()

    def __exit__(self, *exc):
        self.close()
        return False


def frame_tags(path):
    """The emulator's frame numbers in a segment, in order: one per
    access unit (read from the SEI tag in the samples)."""
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-c", "copy", "-bsf:v", "h264_mp4toannexb",
                          "-f", "h264", "-"], capture_output=True, timeout=60)
    assert out.stderr == b"", out.stderr
    data, tags, i = out.stdout, [], 0
    while True:
        i = data.find(TAG_UUID, i)
        if i < 0:
            return tags
        payload = re.sub(b"\x00\x00\x03", b"\x00\x00", data[i + 16:i + 16 + 16])
        tags.append(int.from_bytes(payload[:4], "big"))
        i += 16


def packet_flags(path):
    """ffprobe's flags of each packet ("K_" for a keyframe)."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "packet=flags",
                          "-of", "csv=p=0", path], capture_output=True, text=True, timeout=60)
    assert out.stderr == "", out.stderr
    return [line for line in out.stdout.split() if line]


def complaints(path):
    """What ffmpeg -v warning prints decoding the whole segment (the bar: nothing)."""
    out = subprocess.run(["ffmpeg", "-v", "warning", "-nostdin", "-i", path, "-f", "null", "-"],
                         capture_output=True, text=True, timeout=60)
    return (out.returncode, out.stderr)


def in_namespace(script):
    """A wrapper that runs the server in a mount namespace of its own after
    `script` (mounts that go with it: nothing to clean up)."""
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", script + ' && exec "$0" "$@"']
