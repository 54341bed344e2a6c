#!/usr/bin/python3
"""What archiving costs: two ipcam-rtsp-servers side by side in one run,
each with its own emulated camera (ipcam-sim replaying the bench stream,
640x360 30 fps ~3 Mbit/s) and one RTSP viewer (rtspsrc protocols=tcp !
fakesink, in this process, so that the camera streams in both); one of
them also has --archive. Over a fixed number of the cameras' frames, the
CPU time of each server process (the scheduler's exact count,
/proc/PID/task/*/schedstat), per frame; the difference is what archiving
adds, given as a share of a core at 30 fps and as a ratio.

    bench_archive.py [--short] [--frames N] [--rounds R]

Prints a markdown table (the one in docs/benchmarks.md). Fails only when
the bench is broken (no frames, a server that did not start, no segment
written), never on a figure. --short (meson test bench-archive): 150
frames, 2 rounds. Run with the archive suite's env plus IPCAM_BENCH_H264."""

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time

from ipcamtest.bench_rig import READY_S, BenchBroken, close_clients, proc_cpu_ns, rtsp_clients
from ipcamtest.ports import free_udp_port
from ipcamtest.server import Server
from ipcamtest.sim import IpcamSim

H264 = os.environ.get("IPCAM_BENCH_H264") or os.environ.get("IPCAM_SAMPLE_H264")


@contextlib.contextmanager
def served_camera(address, extra):
    """An emulator at `address` and a server for it; yields (server, control URL, RTSP URL)."""
    preview = free_udp_port()
    sim = IpcamSim("--bind", address, "--h264", H264, "--no-samples", "--preview-port", preview)
    sim.start()
    srv = None
    try:
        srv = Server(["--camera", address, "--control-port", sim.control_port, "--http-port", sim.http_port,
                      "--preview-port", preview, "--port", 0, "--control-http-port", 0] + extra,
                     stderr=subprocess.DEVNULL)
        ready = srv.wait_ready(READY_S)
        if not ready:
            raise BenchBroken("ipcam-rtsp-server printed no ready line")
        yield srv, ready["control"], ready["url"]
    finally:
        if srv:
            srv.close()
        sim.stop()


def window(servers, n):
    """CPU ns per frame of each server over at least `n` frames of its
    camera, counted as its viewer receives them (no HTTP request inside
    the window: a request's worker thread could end in it, and take its
    CPU time out of the count)."""
    start = [(proc_cpu_ns(s.pid), frames()) for s, frames in servers]
    deadline = time.monotonic() + n / 30.0 * 3 + 10
    while any(frames() - f0 < n for (_, frames), (_, f0) in zip(servers, start)):
        if time.monotonic() > deadline:
            raise BenchBroken("the cameras did not send %d frames in time" % n)
        time.sleep(0.02)
    out = []
    for (s, frames), (cpu0, f0) in zip(servers, start):
        cpu, f = proc_cpu_ns(s.pid), frames()
        out.append(((cpu - cpu0) / (f - f0), f - f0))
    return out


def measure(n, rounds, log):
    with tempfile.TemporaryDirectory(prefix="ipcam-bench-archive-") as dir, \
            served_camera("127.0.0.2", []) as (plain, _, plain_url), \
            served_camera("127.0.0.3", ["--archive", dir]) as (arch, _, arch_url):
        plain_viewer, rendered = rtsp_clients(plain_url, 1)
        arch_viewer, _ = rtsp_clients(arch_url, 1)
        try:
            rows = []
            for r in range(rounds):
                (p, pf), (a, af) = window([(plain, lambda: rendered(plain_viewer[0])),
                                           (arch, lambda: rendered(arch_viewer[0]))], n)
                rows.append((p, a, pf, af))
                log("round %d: %.1f us/frame without, %.1f with the archive (%d, %d frames)"
                    % (r + 1, p / 1e3, a / 1e3, pf, af))
            written = [f for _, _, fs in os.walk(dir) for f in fs if f.endswith(".mp4")]
            if not written:
                raise BenchBroken("the archive wrote no segment")
        finally:
            close_clients(plain_viewer + arch_viewer)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--short", action="store_true")
    ap.add_argument("--frames", type=int)
    ap.add_argument("--rounds", type=int)
    args = ap.parse_args()
    n = args.frames or (150 if args.short else 900)
    rounds = args.rounds or (2 if args.short else 5)
    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    try:
        rows = measure(n, rounds, log)
    except BenchBroken as e:
        print("bench broken: %s" % e, file=sys.stderr)
        return 1
    plain = statistics.median(p for p, _, _, _ in rows)
    arch = statistics.median(a for _, a, _, _ in rows)
    added = (arch - plain) * 30 / 1e9 * 100
    print("| frames per window | rounds | server CPU per frame, no archive | with --archive | ratio | "
          "archive adds at 30 fps |")
    print("|---|---|---|---|---|---|")
    print("| %d | %d | %.1f µs | %.1f µs | %.2f | %.2f %% of a core |" % (n, rounds, plain / 1e3, arch / 1e3,
                                                                       arch / plain, added))
    return 0


if __name__ == "__main__":
    sys.exit(main())
