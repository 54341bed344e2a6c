"""The bench rig: the processes a benchmark runs and talks to. The pipeline
runner (ipcam-bench-pipeline, driven over its stdin), the datagram sender
that plays the camera, ipcam-sim for the login, the RTSP servers and their
clients, and what the kernel says about a process (CPU time). It measures
nothing itself: tests/bench/measurements.py does, tests/faults/memcheck.py
reuses it.

Needs the env that tests/bench/meson.build sets (IPCAM_BENCH_*, IPCAM_SIM,
GST_PLUGIN_PATH_1_0, ...).
"""

import contextlib
import json
import os
import subprocess
import time

from ipcamtest.ports import free_udp_port
from ipcamtest.server import Server
from ipcamtest.sim import IpcamSim

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

    def wait_idle(self, timeout=60.0):
        """Returns once the runner has taken every datagram sent to it and is
        done with them: nothing waits in its socket's receive queue and none
        of its threads runs, seen twice 20 ms apart with no CPU time spent in
        between (a thread that woke and slept again in the gap shows in its
        CPU count). A sender on loopback has queued or dropped each datagram
        by the time it exits, so after send() this is every datagram handled;
        after start(), the start-up work done. Read from /proc: the runner
        does nothing for it, so the measured window (CPU time, callgrind's
        counts) holds none of this waiting."""
        deadline = time.monotonic() + timeout
        last = None
        while True:
            if self.proc.poll() is not None:
                raise BenchBroken("%s runner exited while the bench waited for it" % self.kind)
            cpu = proc_cpu_ns(self.proc.pid) if queued_bytes(self.proc.pid, self.port) == 0 and asleep(self.proc.pid) else None
            if cpu is not None and cpu == last:
                return
            if time.monotonic() > deadline:
                raise BenchBroken("%s runner still busy after %g s" % (self.kind, timeout))
            last = cpu
            time.sleep(0.02)

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


def queued_bytes(pid, port):
    """Bytes waiting in the receive queues of `pid`'s UDP sockets bound to
    `port` (rx_queue in /proc/net/udp and udp6, hexadecimal; the sockets
    told apart by inode, as another process may share the port)."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue  # closed meanwhile
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    total = 0
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[9] in inodes:
                total += int(fields[4].split(":")[1], 16)
    return total


def asleep(pid):
    """No thread of `pid` is running, runnable or in uninterruptible wait
    (state R or D in /proc/PID/task/TID/stat). Under valgrind too: a guest
    thread waiting for valgrind's lock sleeps only while another runs."""
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue  # the thread ended
        if state in ("R", "D"):
            return False
    return True


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


# The replayed stream as the "non-shared" baseline serves it: the bench
# file, paced at 30 fps, through h264parse (the hub's parse) and the same
# payloader as ipcam-rtsp-server's viewer media (config-interval=0).
def replay_launch(h264):
    return ("( multifilesrc location=%s loop=true caps=\"video/x-h264,stream-format=byte-stream,framerate=30/1\" ! "
            "h264parse config-interval=-1 ! video/x-h264,alignment=au ! identity sync=true ! "
            "rtph264pay name=pay0 pt=96 config-interval=0 )" % h264)


RTSP_SERVERS = ("ipcam-rtsp-server", "non-shared", "shared")
# A server that has not printed its ready line by then is broken.
READY_S = 60


@contextlib.contextmanager
def rtsp_server(name, h264=None):
    """An ipcam-sim camera replaying `h264` (default the bench stream) and
    an RTSP server, yielding (server process, its URL). `name`, one of
    RTSP_SERVERS: "ipcam-rtsp-server" in front of the camera; "non-shared",
    a plain gst-rtsp-server (ipcam-bench-rtsp-launch --non-shared) with a
    media per client replaying the same file (replay_launch); "shared", the
    plain gst-rtsp-server with one ipcamsrc media for every client, as
    ipcam-rtsp-server was before its hub."""
    server_exe = os.environ.get("IPCAM_RTSP_SERVER")
    launch_exe = os.environ.get("IPCAM_BENCH_RTSP_LAUNCH")
    if not server_exe or not launch_exe:
        raise BenchBroken("IPCAM_RTSP_SERVER / IPCAM_BENCH_RTSP_LAUNCH not set")
    if name not in RTSP_SERVERS:
        raise ValueError("no RTSP server %r" % name)
    h264 = h264 or H264
    preview = free_udp_port()
    sim = IpcamSim("--h264", h264, "--no-samples", "--preview-port", preview)
    sim.start()
    try:
        if name == "ipcam-rtsp-server":
            argv = [server_exe, "--camera", "127.0.0.1", "--control-port", str(sim.control_port),
                    "--preview-port", str(preview), "--port", "0", "--control-http-port", "0"]
        elif name == "non-shared":
            argv = [launch_exe, "--non-shared", replay_launch(h264)]
        else:
            argv = [launch_exe, "( ipcamsrc address=127.0.0.1 control-port=%d preview-port=%d ! "
                                "h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 config-interval=0 )"
                    % (sim.control_port, preview)]
        # Its stderr goes to the bench's own, as a figure's context.
        with Server(argv[1:], program=argv[0], stderr=None) as srv:
            ready = srv.wait_ready(READY_S)
            if not ready:
                raise BenchBroken("RTSP server %s exited before printing its URL" % name)
            yield srv, ready["url"]
    finally:
        sim.stop()


def gst():
    # Imported on first use: the rest of the rig (and memcheck.py) runs
    # without PyGObject.
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    return Gst


# A second of the bench stream: the frames every RTSP client has received
# before a measured window starts.
SETTLED_FRAMES = 30


def rtsp_clients(url, n):
    """n rtspsrc ! fakesink pipelines in this process, playing; returns them
    once every one has received SETTLED_FRAMES frames, and a function giving
    the frames a pipeline's sink has rendered so far."""
    Gst = gst()
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
    # Start-up (DESCRIBE, SETUP, the first keyframe) stays out of the
    # measured window.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and min(rendered(p) for p in pipes) < SETTLED_FRAMES:
        time.sleep(0.05)
    if min(rendered(p) for p in pipes) < SETTLED_FRAMES:
        close_clients(pipes)
        raise BenchBroken("not every RTSP client received %d frames within 30 s" % SETTLED_FRAMES)
    return pipes, rendered


def close_clients(pipes):
    Gst = gst()
    for p in pipes:
        p.set_state(Gst.State.NULL)
