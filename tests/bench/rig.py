"""The bench rig: the processes a benchmark runs and talks to. The pipeline
runner (ipcam-bench-pipeline, driven over its stdin), the datagram sender
that plays the camera, ipcam-sim for the login, the RTSP servers and their
clients, and what the kernel says about a process (CPU time). It measures
nothing itself: measurements.py does, tests/faults/memcheck.py reuses it.

Needs the env that tests/bench/meson.build sets (IPCAM_BENCH_*, IPCAM_SIM,
GST_PLUGIN_PATH_1_0, ...).
"""

import contextlib
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.environ.get("IPCAM_TEST_COMMON", os.path.join(os.path.dirname(__file__), "..", "common")))
from ipcam_sim import IpcamSim, free_udp_port  # noqa: E402

SENDER = os.environ.get("IPCAM_BENCH_SENDER")
RUNNER = os.environ.get("IPCAM_BENCH_PIPELINE")
MALLOC_COUNT = os.environ.get("IPCAM_BENCH_MALLOC_COUNT")
H264 = os.environ.get("IPCAM_BENCH_H264")

PIPELINES = {
    "ipcamsrc": "ipcamsrc name=src preview-port=0 ! fakesink name=sink sync=false enable-last-sample=false",
    "udpsrc": "udpsrc name=src port=0 ! fakesink name=sink sync=false enable-last-sample=false",
    # No pipeline: a thread in poll() + recvmmsg that only counts datagrams,
    # the least CPU any receiver of these datagrams spends (bench_pipeline.c).
    "floor": "floor",
}


class BenchBroken(RuntimeError):
    pass


class Runner:
    """One ipcam-bench-pipeline process driven over its stdin."""

    def __init__(self, kind, wrapper=(), buffer_size=None):
        env = dict(os.environ)
        if MALLOC_COUNT and not wrapper:
            env["LD_PRELOAD"] = MALLOC_COUNT
        self.kind = kind
        pipeline = PIPELINES[kind]
        if buffer_size:
            pipeline = pipeline.replace(" name=src ", " name=src buffer-size=%d " % buffer_size)
        self.proc = subprocess.Popen(list(wrapper) + [RUNNER, pipeline], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, text=True, bufsize=1)
        self.sim = None

    def ask(self, cmd, answer=True):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        if not answer:
            return None
        line = self.proc.stdout.readline()
        if not line:
            raise BenchBroken("%s runner died after %r" % (self.kind, cmd))
        reply = json.loads(line)
        if reply.get("error"):
            raise BenchBroken("%s pipeline posted an error after %r" % (self.kind, cmd))
        return reply

    def start(self):
        ready = self.ask("ready")
        self.port, self.rcvbuf = ready["port"], ready.get("rcvbuf", 0)
        if self.port <= 0:
            raise BenchBroken("%s bound no port" % self.kind)
        if self.kind == "ipcamsrc":
            # The emulator is only the control peer: --loss 1 keeps its own
            # preview off the wire, the sender provides every datagram.
            self.sim = IpcamSim("--h264", os.environ["IPCAM_SAMPLE_H264"], "--no-samples", "--fps", "1",
                                "--loss", "1", "--preview-port", self.port)
            self.sim.start()
            self.ask("connect 127.0.0.1 %d" % self.sim.control_port, answer=False)
        self.ask("play")
        return self

    def stop(self):
        try:
            result = self.ask("stop")
        finally:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if self.sim:
                self.sim.stop()
        return result


def send(port, **opts):
    args = [SENDER, "--port", str(port), "--h264", H264]
    for k, v in opts.items():
        args += ["--" + k.replace("_", "-"), str(v)]
    out = subprocess.run(args, check=True, capture_output=True, text=True, timeout=3600).stdout
    return json.loads(out.strip().splitlines()[-1])


def callgrind_control(flag, pid):
    subprocess.run(["callgrind_control", flag, str(pid)], check=True, capture_output=True, timeout=60)



def proc_cpu_ns(pid):
    """CPU time of a process in ns: the scheduler's own count summed over
    its threads (/proc/PID/task/*/schedstat, exact), or /proc/PID/stat's
    10 ms ticks when schedstat is missing. Threads that end inside a window
    are not counted; the servers' threads live as long as their clients."""
    total, seen = 0, False
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                    total += int(f.read().split()[0])
                    seen = True
            except (OSError, ValueError, IndexError):
                pass
    except OSError:
        pass
    if seen:
        return float(total)
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1e9 / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def rtsp_server(name):
    """An ipcam-sim camera and an RTSP server in front of it, yielding
    (server process, its URL): "ipcam-rtsp-server" or "test-launch", a
    plain gst-rtsp-server (ipcam-bench-rtsp-launch) serving the same camera
    through ipcamsrc."""
    server_exe = os.environ.get("IPCAM_RTSP_SERVER")
    launch_exe = os.environ.get("IPCAM_BENCH_RTSP_LAUNCH")
    if not server_exe or not launch_exe:
        raise BenchBroken("IPCAM_RTSP_SERVER / IPCAM_BENCH_RTSP_LAUNCH not set")
    preview = free_udp_port()
    sim = IpcamSim("--h264", H264, "--no-samples", "--preview-port", preview)
    sim.start()
    try:
        if name == "ipcam-rtsp-server":
            argv = [server_exe, "--camera", "127.0.0.1", "--control-port", str(sim.control_port),
                    "--preview-port", str(preview), "--port", "0", "--control-http-port", "0"]
        else:
            # The same stream as ipcam-rtsp-server's (its kLaunch), so
            # that only the servers differ.
            argv = [launch_exe, "( ipcamsrc address=127.0.0.1 control-port=%d preview-port=%d ! "
                                "h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 config-interval=-1 )"
                    % (sim.control_port, preview)]
        srv = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        try:
            yield srv, json.loads(srv.stdout.readline())["url"]
        finally:
            srv.terminate()
            srv.wait(10)
    finally:
        sim.stop()


def _gst():
    # Imported on first use: the rest of the rig (and memcheck.py) runs
    # without PyGObject.
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    return Gst


def rtsp_clients(url, n):
    """n rtspsrc ! fakesink pipelines in this process, playing; returns them
    once every one has received a frame, and a function giving the frames a
    pipeline's sink has rendered so far."""
    Gst = _gst()
    pipes = []
    for i in range(n):
        p = Gst.parse_launch("rtspsrc location=%s protocols=tcp latency=100 ! rtph264depay ! "
                             "video/x-h264,alignment=au ! fakesink name=sink sync=false "
                             "enable-last-sample=false" % url)
        p.set_state(Gst.State.PLAYING)
        pipes.append(p)

    def rendered(p):
        st = p.get_by_name("sink").get_property("stats")
        return st.get_value("rendered")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and min(rendered(p) for p in pipes) == 0:
        time.sleep(0.2)
    if min(rendered(p) for p in pipes) == 0:
        close_clients(pipes)
        raise BenchBroken("not every RTSP client received a frame within 30 s")
    time.sleep(1.0)
    return pipes, rendered


def close_clients(pipes):
    Gst = _gst()
    for p in pipes:
        p.set_state(Gst.State.NULL)
