#!/usr/bin/python3
"""Several cameras in one ipcam-rtsp-server: 1, 4 and 8 emulated cameras
(ipcam-sim replaying the bench stream, 640x360 30 fps ~3 Mbit/s, at
127.0.0.2, 127.0.0.3, ... on one shared preview port), two RTSP viewers each
(rtspsrc ! rtph264depay ! fakesink over TCP, in this process). Over a
measured window, after every viewer has settled: the server's CPU
(/proc/PID/stat utime + stime) per camera, the frames each camera's
viewers got, and the server's resident memory (VmRSS).

    bench_cameras.py [--short] [--seconds S]

Prints a markdown table (the one in docs/benchmarks.md). Fails only when
the bench is broken (a viewer that got no frames, a server that did not
start), never on a figure. --short (meson test bench-cameras): 1 and 4
cameras, 3 s windows. Run with the bench suite's env (IPCAM_SIM,
IPCAM_BENCH_H264, IPCAM_RTSP_SERVER, PYTHONPATH, GST_PLUGIN_PATH_1_0)."""

import argparse
import contextlib
import os
import subprocess
import sys
import time

from ipcamtest.bench_rig import H264, READY_S, BenchBroken, close_clients, rtsp_clients
from ipcamtest.ports import free_udp_port
from ipcamtest.server import Server
from ipcamtest.sim import IpcamSim

VIEWERS_PER_CAMERA = 2


def cpu_ticks_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise BenchBroken("no VmRSS for the server")


@contextlib.contextmanager
def cameras_server(n):
    """n emulators and one server serving them as c1..cN; yields (server
    process, {name: rtsp url})."""
    preview = free_udp_port()
    sims = []
    srv = None
    try:
        args = ["--port", "0", "--control-http-port", "0", "--preview-port", str(preview)]
        for i in range(n):
            address = "127.0.0.%d" % (2 + i)
            sim = IpcamSim("--bind", address, "--h264", H264, "--no-samples", "--preview-port", preview)
            sim.start()
            sims.append(sim)
            name = "c%d" % (i + 1)
            args += ["--camera", "%s=%s" % (name, address), "--control-port", "%s=%d" % (name, sim.control_port),
                     "--http-port", "%s=%d" % (name, sim.http_port)]
        srv = Server(args, stderr=subprocess.DEVNULL)
        ready = srv.wait_ready(READY_S)
        if not ready:
            raise BenchBroken("ipcam-rtsp-server with %d cameras printed no ready line" % n)
        yield srv, {name: c["url"] for name, c in ready["cameras"].items()}
    finally:
        if srv:
            srv.close()
        for sim in sims:
            sim.stop()


def measure(n, seconds, log):
    with cameras_server(n) as (srv, urls):
        viewers = {}
        try:
            for name, url in urls.items():
                viewers[name], rendered = rtsp_clients(url, VIEWERS_PER_CAMERA)
            every = [p for ps in viewers.values() for p in ps]
            f0 = {id(p): rendered(p) for p in every}
            c0, t0 = cpu_ticks_s(srv.pid), time.monotonic()
            time.sleep(seconds)  # the measured window itself
            c1, t1 = cpu_ticks_s(srv.pid), time.monotonic()
            f1 = {id(p): rendered(p) for p in every}
            rss = rss_mib(srv.pid)
        finally:
            for ps in viewers.values():
                close_clients(ps)
    window = t1 - t0
    per_camera_fps = {name: [(f1[id(p)] - f0[id(p)]) / window for p in ps] for name, ps in viewers.items()}
    lowest = min(min(v) for v in per_camera_fps.values())
    if lowest <= 0:
        raise BenchBroken("a viewer got no frames with %d cameras" % n)
    row = {"cameras": n, "viewers": n * VIEWERS_PER_CAMERA, "cpu_pct": 100.0 * (c1 - c0) / window,
           "min_fps": lowest, "max_fps": max(max(v) for v in per_camera_fps.values()),
           "frames_per_camera": sum(sum(v) for v in per_camera_fps.values()) * window / n, "rss_mib": rss,
           "seconds": window}
    row["cpu_pct_per_camera"] = row["cpu_pct"] / n
    log("%d cameras, %d viewers: server CPU %.1f %% of a core (%.2f %% per camera), each viewer %.1f-%.1f "
        "frames/s, RSS %.1f MiB" % (n, row["viewers"], row["cpu_pct"], row["cpu_pct_per_camera"], row["min_fps"],
                                    row["max_fps"], row["rss_mib"]))
    return row


def table(rows):
    out = ["| cameras | viewers | server CPU (% of a core) | per camera | frames/s per viewer (min-max) | "
           "frames per camera in the window | server RSS |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append("| %d | %d | %.1f | %.2f | %.1f-%.1f | %d in %.0f s | %.1f MiB |" %
                   (r["cameras"], r["viewers"], r["cpu_pct"], r["cpu_pct_per_camera"], r["min_fps"], r["max_fps"],
                    r["frames_per_camera"], r["seconds"], r["rss_mib"]))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--short", action="store_true", help="1 and 4 cameras, 3 s windows")
    ap.add_argument("--seconds", type=float, default=None, help="the measured window (default 10, --short 3)")
    a = ap.parse_args()
    counts = (1, 4) if a.short else (1, 4, 8)
    seconds = a.seconds or (3.0 if a.short else 10.0)

    def log(text):
        print(text, file=sys.stderr, flush=True)
    try:
        rows = [measure(n, seconds, log) for n in counts]
    except BenchBroken as e:
        print("bench_cameras: broken: %s" % e, file=sys.stderr)
        return 1
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
