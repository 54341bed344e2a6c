#!/usr/bin/python3
"""ipcam benchmarks: ipcamsrc against udpsrc on the same datagrams, measured
in the same run (ratios), plus absolute figures.

    bench.py --short                 the 'bench' suite (~2 min); fails only
                                     when the bench itself is broken
    bench.py --full [--doc FILE]     scripts/bench: longer runs, markdown

Needs the env that tests/bench/meson.build sets (IPCAM_BENCH_*, IPCAM_SIM,
GST_PLUGIN_PATH_1_0, ...).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.environ.get("IPCAM_TEST_COMMON", os.path.join(os.path.dirname(__file__), "..", "common")))
from ipcam_sim import IpcamSim  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_rtsp  # noqa: E402

SENDER = os.environ.get("IPCAM_BENCH_SENDER")
RUNNER = os.environ.get("IPCAM_BENCH_PIPELINE")
MALLOC_COUNT = os.environ.get("IPCAM_BENCH_MALLOC_COUNT")
H264 = os.environ.get("IPCAM_BENCH_H264")
ASSEMBLER = os.environ.get("IPCAM_BENCH_ASSEMBLER")
# The fixed socket receive buffer of the ingest ladder, the same for both
# elements (their buffer-size property); the other benches keep the default.
INGEST_BUFFER = 4 << 20
RTSP_SECONDS = 15
RTSP_REPEATS = 3
RTSP_JOINS = 20

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


def run(kind, warmup_s=0.0, recv_times=None, buffer_size=None, **send_opts):
    """Runs the sender against a fresh pipeline; returns (sent, measured).
    The measured window starts after `warmup_s` of 30 fps traffic."""
    r = Runner(kind, buffer_size=buffer_size).start()
    try:
        if warmup_s:
            send(r.port, fps=30, frames=int(warmup_s * 30))
        time.sleep(0.2)
        r.ask("mark", answer=False)
        if recv_times:
            r.ask("times " + recv_times, answer=False)
        sent = send(r.port, **send_opts)
        time.sleep(0.5)  # drain what is still queued
    except BaseException:
        r.stop()
        raise
    got = r.stop()
    got["rcvbuf"] = r.rcvbuf
    return sent, got


def delivered_datagrams(kind, sent, got):
    """Datagrams that reached the element (ipcamsrc counts them itself)."""
    if kind == "ipcamsrc":
        return got["src_datagrams"]
    return got["sink_buffers"]


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def latency(sender_times, receiver_times):
    sent = {}
    with open(sender_times) as f:
        for line in f:
            ms, ns = line.split()
            sent[int(ms)] = int(ns)
    lat = []
    with open(receiver_times) as f:
        for line in f:
            ms, ns = line.split()
            if int(ms) in sent:
                lat.append((int(ns) - sent[int(ms)]) / 1e6)
    return lat


# ---------------------------------------------------------------- measures

def bench_ingest(rates, seconds, log, buffer_size=INGEST_BUFFER):
    """Highest datagram rate each element takes with zero loss at a fixed
    socket buffer size (both elements' buffer-size), and CPU per datagram."""
    rows = []
    for kind in ("ipcamsrc", "udpsrc"):
        best, best_gbit, rcvbuf = 0, 0.0, 0
        for rate in rates:
            # ~9 datagrams per frame of the bench stream; a flood is sized
            # as if it ran at 200k datagrams/s.
            frames = max(30, int((rate or 200000) * seconds / 9))
            sent, got = run(kind, fps=0, datagram_rate=rate, frames=frames, buffer_size=buffer_size)
            rcvbuf = got["rcvbuf"]
            n = delivered_datagrams(kind, sent, got)
            lost = sent["datagrams"] - n
            if kind == "ipcamsrc":
                lost = max(lost, got["src_lost"])
            achieved = sent["datagrams"] / (sent["elapsed_ns"] / 1e9)
            row = {"kind": kind, "rate": rate, "achieved": achieved, "sent": sent["datagrams"], "lost": lost,
                   "cpu_ns_per_datagram": got["cpu_ns"] / max(1, sent["datagrams"]),
                   "gbit_s": achieved * sent["bytes"] / sent["datagrams"] * 8 / 1e9,
                   "allocs_per_datagram": got["allocs"] / max(1, sent["datagrams"]), "rcvbuf": rcvbuf}
            rows.append(row)
            log("ingest %-8s rate %7s/s achieved %8.0f/s (%.2f Gbit/s) lost %6d  cpu %.0f ns/datagram  "
                "allocs %.2f/datagram  SO_RCVBUF %d" % (kind, rate or "flood", achieved, row["gbit_s"], lost,
                                                        row["cpu_ns_per_datagram"], row["allocs_per_datagram"],
                                                        rcvbuf))
            if lost == 0 and achieved > best:
                best, best_gbit = achieved, row["gbit_s"]
        rows.append({"kind": kind, "best_zero_loss": best, "best_zero_loss_gbit_s": best_gbit,
                     "buffer_size": buffer_size, "rcvbuf": rcvbuf})
    return rows


def bench_frames(fps, seconds, log, work_dir, warmup_s=0.0):
    """CPU and allocations per frame at a frame rate, both elements, and the
    latency of ipcamsrc (last datagram sent -> buffer out of ipcamsrc)."""
    out = {}
    frames = int(fps * seconds)
    for kind in ("ipcamsrc", "udpsrc", "floor"):
        recv_times = os.path.join(work_dir, "recv-%d.txt" % fps) if kind == "ipcamsrc" else None
        sender_times = os.path.join(work_dir, "send-%d-%s.txt" % (fps, kind))
        sent, got = run(kind, warmup_s=warmup_s, recv_times=recv_times, fps=fps, frames=frames, times=sender_times)
        if got["buffers"] == 0:
            raise BenchBroken("%s delivered no buffer at %d fps" % (kind, fps))
        d = {"frames": sent["frames"], "datagrams": sent["datagrams"],
             "mbit_s": sent["bytes"] * 8 / (sent["elapsed_ns"] / 1e9) / 1e6,
             "cpu_ns_per_frame": got["cpu_ns"] / sent["frames"], "cpu_pct": 100.0 * got["cpu_ns"] / got["wall_ns"],
             "allocs_per_frame": got["allocs"] / sent["frames"], "buffers": got["buffers"],
             "rss_start": got["rss_start"], "rss_end": got["rss_end"], "rss_max": got["rss_max"],
             "seconds": got["wall_ns"] / 1e9}
        if kind == "ipcamsrc":
            d["lost"] = got["src_lost"]
            d["allocs_per_datagram"] = got["allocs"] / sent["datagrams"]
            lat = latency(sender_times, recv_times)
            if len(lat) < sent["frames"] // 2:
                raise BenchBroken("only %d of %d frames matched for latency" % (len(lat), sent["frames"]))
            d["latency_samples"] = len(lat)
            d["latency_p50_ms"] = percentile(lat, 50)
            d["latency_p99_ms"] = percentile(lat, 99)
            d["latency_max_ms"] = max(lat)
        out[kind] = d
        log("frames %4d fps %-8s %5d frames %.1f Mbit/s cpu %7.0f ns/frame (%.2f %% of a core) "
            "allocs %.1f/frame%s" %
            (fps, kind, d["frames"], d["mbit_s"], d["cpu_ns_per_frame"], d["cpu_pct"], d["allocs_per_frame"],
             "  latency p50 %.3f ms p99 %.3f ms (%d frames)" % (d["latency_p50_ms"], d["latency_p99_ms"],
                                                               d["latency_samples"])
             if "latency_p50_ms" in d else ""))
    out["cpu_ratio"] = out["ipcamsrc"]["cpu_ns_per_frame"] / out["udpsrc"]["cpu_ns_per_frame"]
    out["floor_ratio"] = out["floor"]["cpu_ns_per_frame"] / out["udpsrc"]["cpu_ns_per_frame"]
    log("frames %4d fps CPU ratio ipcamsrc/udpsrc %.2f; a bare poll + recvmmsg loop %.2f" %
        (fps, out["cpu_ratio"], out["floor_ratio"]))
    return out


def callgrind_control(flag, pid):
    subprocess.run(["callgrind_control", flag, str(pid)], check=True, capture_output=True, timeout=60)


def bench_instructions(fps, frames, log, work_dir):
    """Instructions per frame of the whole receiving process (callgrind,
    counters zeroed once the pipeline plays and dumped after the traffic),
    for both elements. Counts, not seconds: repeatable on a busy machine."""
    out = {}
    for kind in ("ipcamsrc", "udpsrc"):
        cg_out = os.path.join(work_dir, "callgrind.%s" % kind)
        wrapper = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + cg_out]
        r = Runner(kind, wrapper=wrapper).start()
        try:
            time.sleep(0.5)
            r.ask("mark", answer=False)
            callgrind_control("-z", r.proc.pid)
            sent = send(r.port, fps=fps, frames=frames)
            time.sleep(1.0)
            callgrind_control("-d", r.proc.pid)
        except BaseException:
            r.stop()
            raise
        got = r.stop()
        total = 0
        with open(cg_out + ".1") as f:
            for line in f:
                if line.startswith(("totals:", "summary:")):
                    total = int(line.split()[1])
        if total == 0 or got["buffers"] == 0:
            raise BenchBroken("callgrind measured nothing for %s" % kind)
        received = got.get("src_datagrams") or got["sink_buffers"]
        out[kind] = {"instructions": total, "buffers": got["buffers"], "frames": sent["frames"],
                     "datagrams": sent["datagrams"], "received": received,
                     "instructions_per_frame": total / sent["frames"],
                     "instructions_per_datagram": total / max(1, received)}
        log("instructions %-8s %.0f per frame, %.0f per datagram (%d of %d datagrams received under valgrind)" %
            (kind, out[kind]["instructions_per_frame"], out[kind]["instructions_per_datagram"], received,
             sent["datagrams"]))
    out["fps"] = fps
    out["ratio"] = out["ipcamsrc"]["instructions_per_datagram"] / out["udpsrc"]["instructions_per_datagram"]
    log("instructions ratio ipcamsrc/udpsrc per datagram received %.2f" % out["ratio"])
    return out


def bench_memory(seconds, log, work_dir):
    """RSS of ipcamsrc ! fakesink at 30 fps after a 10 s warm-up."""
    sent, got = run("ipcamsrc", warmup_s=10, fps=30, frames=int(30 * seconds))
    d = {"seconds": seconds, "rss_start": got["rss_start"], "rss_end": got["rss_end"], "rss_max": got["rss_max"],
         "growth": got["rss_end"] - got["rss_start"], "allocs_per_frame": got["allocs"] / sent["frames"],
         "allocs_per_datagram": got["allocs"] / sent["datagrams"], "frames": got["buffers"]}
    log("memory %d s at 30 fps: RSS %.2f -> %.2f MiB (growth %+.0f KiB, max %.2f MiB), %.2f allocs/frame, "
        "%.3f allocs/datagram" % (seconds, d["rss_start"] / 2**20, d["rss_end"] / 2**20, d["growth"] / 1024,
                                   d["rss_max"] / 2**20, d["allocs_per_frame"], d["allocs_per_datagram"]))
    return d


def bench_assembler(min_time, repetitions, log):
    """The assembler alone (Google Benchmark, ipcam-bench-assembler): ns per
    datagram, median of the repetitions, and the ratio to the copy floor
    measured in the same run."""
    args = [ASSEMBLER, "--benchmark_format=json", "--benchmark_min_time=%g" % min_time]
    if repetitions > 1:
        args += ["--benchmark_repetitions=%d" % repetitions, "--benchmark_report_aggregates_only=true"]
    data = json.loads(subprocess.run(args, check=True, capture_output=True, text=True, timeout=600).stdout)
    out = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"]).replace("BM_", "")
        out[name] = {"ns_per_datagram": 1e9 / b["items_per_second"], "gbyte_s": b["bytes_per_second"] / 1e9,
                     "frames": b.get("frames")}
    floor = out.get("CopyFloor")
    if not floor or "Assembler" not in out:
        raise BenchBroken("ipcam-bench-assembler reported %s" % sorted(out))
    for name, d in out.items():
        d["ratio"] = d["ns_per_datagram"] / floor["ns_per_datagram"]
        log("assembler %-14s %6.1f ns/datagram  %5.1f GB/s payload  %.2f× the copy floor" %
            (name, d["ns_per_datagram"], d["gbyte_s"], d["ratio"]))
    return out


def write_doc(r, path):
    """docs/benchmarks.md from one full run's results."""
    m = r["machine"]
    ing = [x for x in r["ingest"] if "rate" in x]
    best = {x["kind"]: x for x in r["ingest"] if "best_zero_loss" in x}
    f30, f300, ins, mem = r["fps30"], r["fps300"], r.get("instructions"), r["memory"]
    ins300 = r.get("instructions300")
    L = []
    w = L.append
    w("# Benchmarks")
    w("")
    w("Written by `scripts/bench` (tests/bench/bench.py --full) on %s. Every CPU figure is put beside" % m["date"])
    w("`udpsrc ! fakesink` receiving the same datagrams in the same run: the machines are shared and noisy,")
    w("so the ratio matters more than the absolute figure. Instruction counts (callgrind) are repeatable")
    w("whatever the load; times are not.")
    w("")
    w("## Machine")
    w("")
    w("| | |")
    w("|---|---|")
    for k in ("cpu", "cores", "kernel", "gstreamer", "compiler", "rmem_default", "rmem_max", "load"):
        if k not in m:
            continue
        w("| %s | %s |" % ({"rmem_default": "socket receive buffer (net.core.rmem_default; every bench but ingest)",
                            "rmem_max": "net.core.rmem_max",
                            "load": "load average at the start"}.get(k, k), m[k]))
    w("")
    w("Stream: tests/bench/bench.h264, 640x360 30 fps Constrained Baseline, keyframe every 30 frames,")
    w("sent by ipcam-bench-sender as the camera does (time datagram, then 1000-byte data pieces).")
    w("ipcamsrc logs in to ipcam-sim (which sends no preview of its own: --loss 1); the sender is the camera.")
    w("")
    w("## Summary against the targets")
    w("")
    w("| target | measured | met |")
    w("|---|---|---|")

    def row(target, measured, ok):
        w("| %s | %s | %s |" % (target, measured, "yes" if ok else "**no**"))
    bi, bu = best.get("ipcamsrc", {}), best.get("udpsrc", {})
    row("ingest ≥ 1 Gbit/s with zero loss (buffer-size %d KiB, both)" % (bi.get("buffer_size", 0) // 1024),
        "highest zero-loss rate %.0f datagrams/s (%.2f Gbit/s); udpsrc %.0f/s (%.2f Gbit/s)" %
        (bi.get("best_zero_loss", 0), bi.get("best_zero_loss_gbit_s", 0), bu.get("best_zero_loss", 0),
         bu.get("best_zero_loss_gbit_s", 0)),
        bi.get("best_zero_loss_gbit_s", 0) >= 1.0)
    if ins:
        row("CPU ≤ 0.5× udpsrc (instructions, %d fps)" % ins.get("fps", 10), "%.2f× per datagram received" % ins["ratio"],
            ins["ratio"] <= 0.5)
    if ins300:
        row("CPU ≤ 0.5× udpsrc (instructions, %d fps)" % ins300.get("fps", 60), "%.2f× per datagram received" %
            ins300["ratio"],
            ins300["ratio"] <= 0.5)
    for name, f in (("30", f30), ("300", f300)):
        above = (" (a receiver doing nothing but poll + recvmmsg: %.2f×)" %
                 (f["floor"]["cpu_ns_per_frame"] / f["udpsrc"]["cpu_ns_per_frame"]) if "floor" in f else "")
        row("CPU time per frame ≤ 0.5× udpsrc at %s fps (getrusage, user + system)" % name,
            "%.2f×%s" % (f["cpu_ratio"], above), f["cpu_ratio"] <= 0.5)
    lat = f30["ipcamsrc"]
    row("latency p50 ≤ 0.2 ms, p99 ≤ 1 ms (30 fps)", "p50 %.3f ms, p99 %.3f ms over %d frames" %
        (lat["latency_p50_ms"], lat["latency_p99_ms"], lat["latency_samples"]),
        lat["latency_p50_ms"] <= 0.2 and lat["latency_p99_ms"] <= 1.0)
    lat = f300["ipcamsrc"]
    row("latency p50 ≤ 0.2 ms, p99 ≤ 1 ms (300 fps)", "p50 %.3f ms, p99 %.3f ms over %d frames" %
        (lat["latency_p50_ms"], lat["latency_p99_ms"], lat["latency_samples"]),
        lat["latency_p50_ms"] <= 0.2 and lat["latency_p99_ms"] <= 1.0)
    row("RSS growth ≤ 1 MiB after warm-up", "%+.0f KiB over %d s" % (mem["growth"] / 1024, mem["seconds"]),
        mem["growth"] <= 1 << 20)
    row("no allocation per datagram", "%.3f allocations per datagram (%.2f per frame, whole process)" %
        (mem["allocs_per_datagram"], mem["allocs_per_frame"]), mem["allocs_per_datagram"] < 0.5)
    bench_rtsp.target_rows(r, row)
    w("")
    w("## Ingest: highest rate without loss")
    w("")
    w("Both elements with `buffer-size=%d` (SO_RCVBUF as the kernel reports it, twice the size asked: ipcamsrc %d," %
      (bi.get("buffer_size", 0), bi.get("rcvbuf", 0)))
    w("udpsrc %d)." % bu.get("rcvbuf", 0))
    w("The sender paces whole frames to reach the given datagram rate (\"flood\": no pacing). Lost =")
    w("datagrams sent minus datagrams that reached the element (ipcamsrc: its own count plus sequence gaps;")
    w("udpsrc: buffers at fakesink). CPU = getrusage of the receiving process over the window.")
    w("")
    w("| element | asked rate/s | sent/s | Gbit/s sent | lost | received/s | CPU ns/datagram | allocs/datagram |")
    w("|---|---|---|---|---|---|---|---|")
    for x in ing:
        received = x["achieved"] * (x["sent"] - x["lost"]) / max(1, x["sent"])
        w("| %s | %s | %.0f | %.2f | %d of %d | %.0f | %.0f | %.3f |" % (
            x["kind"], x["rate"] or "flood", x["achieved"], x["gbit_s"], x["lost"], x["sent"], received,
            x["cpu_ns_per_datagram"], x["allocs_per_datagram"]))
    w("")
    asm = r.get("assembler")
    if asm:
        w("## The assembler alone")
        w("")
        w("Google Benchmark (tests/bench/bench_assembler.cpp): 300 camera-like frames (30 KB keyframe every 30,")
        w("~10 KB otherwise) in 1000-byte datagrams, no sockets, median of 5 repetitions. The floor is the")
        w("least any assembler does: one g_malloc per frame, one memcpy per payload, one g_free per frame.")
        w("")
        w("| benchmark | ns/datagram | payload GB/s | frames out of 300 | ratio to the floor |")
        w("|---|---|---|---|---|")
        for name in ("CopyFloor", "Assembler", "AssemblerLoss"):
            if name in asm:
                d = asm[name]
                w("| %s | %.1f | %.1f | %s | %.2f× |" % (name, d["ns_per_datagram"], d["gbyte_s"],
                                                      "%.0f" % d["frames"] if d.get("frames") else "",
                                                      d["ratio"]))
        w("")
    w("## CPU per frame")
    w("")
    w("| rate | element | frames | Mbit/s | CPU ns/frame | % of a core | allocs/frame | ratio |")
    w("|---|---|---|---|---|---|---|---|")
    for name, f in (("30 fps", f30), ("300 fps (10×)", f300)):
        for kind in ("ipcamsrc", "udpsrc", "floor"):
            if kind not in f:
                continue
            d = f[kind]
            w("| %s | %s | %d | %.1f | %.0f | %.2f | %.2f | %s |" % (
                name, kind, d["frames"], d["mbit_s"], d["cpu_ns_per_frame"], d["cpu_pct"], d["allocs_per_frame"],
                "%.2f×" % (d["cpu_ns_per_frame"] / f["udpsrc"]["cpu_ns_per_frame"]) if kind != "udpsrc" else "1"))
    if ins:
        w("")
        w("Instructions (callgrind, whole receiving process, counters zeroed once playing):")
        w("")
        w("| rate | element | instructions/frame | instructions/datagram received | datagrams received/sent | ratio |")
        w("|---|---|---|---|---|---|")
        for i in (ins, ins300):
            if not i:
                continue
            name = "%d fps" % i.get("fps", 0)
            for kind in ("ipcamsrc", "udpsrc"):
                d = i[kind]
                w("| %s | %s | %.0f | %.0f | %d/%d | %s |" % (name, kind, d["instructions_per_frame"],
                                                            d["instructions_per_datagram"], d["received"],
                                                            d["datagrams"],
                                                            "%.2f×" % i["ratio"] if kind == "ipcamsrc" else "1"))
    w("")
    for line in bench_rtsp.doc_lines(r):
        w(line)
    w("## Latency")
    w("")
    w("From just before the sender writes a frame's last datagram (CLOCK_MONOTONIC) to the buffer")
    w("leaving ipcamsrc's src pad (pad probe, same clock), matched by camera time.")
    w("")
    w("| rate | frames | p50 ms | p99 ms | max ms |")
    w("|---|---|---|---|---|")
    for name, f in (("30 fps", f30), ("300 fps", f300)):
        d = f["ipcamsrc"]
        w("| %s | %d | %.3f | %.3f | %.3f |" % (name, d["latency_samples"], d["latency_p50_ms"], d["latency_p99_ms"],
                                               d["latency_max_ms"]))
    w("")
    w("## Memory")
    w("")
    w("ipcamsrc ! fakesink at 30 fps for %d s after a 10 s warm-up: RSS %.2f MiB at the start, %.2f MiB at the" %
      (mem["seconds"], mem["rss_start"] / 2**20, mem["rss_end"] / 2**20))
    w("end (growth %+.0f KiB, highest %.2f MiB). Allocations (malloc-count preloaded, whole process):" %
      (mem["growth"] / 1024, mem["rss_max"] / 2**20))
    w("%.2f per frame, %.3f per datagram." % (mem["allocs_per_frame"], mem["allocs_per_datagram"]))
    w("")
    for note in r.get("notes", []):
        w(note)
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


def machine():
    def first(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, shell=True).stdout.strip()
        except OSError:
            return "?"
    return {
        "cpu": first("lscpu | sed -n 's/^Model name: *//p' | head -1"),
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "gstreamer": first("gst-launch-1.0 --version | sed -n 's/^GStreamer //p'"),
        "compiler": first("c++ --version | head -1"),
        "rmem_default": first("cat /proc/sys/net/core/rmem_default"),
        "rmem_max": first("cat /proc/sys/net/core/rmem_max"),
        "load": first("cat /proc/loadavg"),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def main():
    ap = argparse.ArgumentParser(description="ipcam benchmarks")
    mode = ap.add_mutually_exclusive_group(required=False)
    mode.add_argument("--short", action="store_true")
    mode.add_argument("--full", action="store_true")
    mode.add_argument("--from-json", help="only rewrite --doc from a saved --json")
    ap.add_argument("--json", help="write all results here")
    ap.add_argument("--doc", help="write the markdown report here (with --full)")
    ap.add_argument("--notes", help="a markdown file appended to the report")
    ap.add_argument("--rerun", choices=["rtsp"], help="with --json and --doc: measure this part again into the "
                                                      "saved results and rewrite the report")
    a = ap.parse_args()
    if not (a.short or a.full or a.from_json or a.rerun):
        ap.error("one of --short, --full, --from-json or --rerun is required")
    if a.rerun and not (a.json and a.doc):
        ap.error("--rerun needs --json and --doc")
    if a.from_json:
        with open(a.from_json) as f:
            results = json.load(f)
        if a.notes and os.path.exists(a.notes):
            with open(a.notes) as f:
                results["notes"] = [f.read()]
        write_doc(results, a.doc)
        return 0
    if a.rerun:
        with open(a.json) as f:
            results = json.load(f)
        rerun_log = lambda m: print(m, flush=True)  # noqa: E731
        results["rtsp"] = bench_rtsp.bench_fanout(H264, [1, 8, 32], RTSP_SECONDS, rerun_log, RTSP_REPEATS)
        results["rtsp_joins"] = bench_rtsp.bench_joins(H264, RTSP_JOINS, rerun_log)
        results["rtsp_rerun"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
        if a.notes and os.path.exists(a.notes):
            with open(a.notes) as f:
                results["notes"] = [f.read()]
        write_doc(results, a.doc)
        return 0
    for name, path in (("IPCAM_BENCH_SENDER", SENDER), ("IPCAM_BENCH_PIPELINE", RUNNER), ("IPCAM_BENCH_H264", H264),
                       ("IPCAM_BENCH_ASSEMBLER", ASSEMBLER)):
        if not path or not os.path.exists(path):
            print("bench broken: %s not set or missing" % name)
            return 1
    results = {"machine": machine(), "mode": "short" if a.short else "full"}

    def log(msg):
        print(msg, flush=True)

    with tempfile.TemporaryDirectory(prefix="ipcam-bench-") as work:
        try:
            if a.short:
                results["ingest"] = bench_ingest([20000, 0], 1.0, log)
                results["assembler"] = bench_assembler(0.05, 1, log)
                results["fps30"] = bench_frames(30, 5, log, work)
                results["fps300"] = bench_frames(300, 3, log, work)
                results["memory"] = bench_memory(60, log, work)
                results["instructions"] = bench_instructions(30, 90, log, work)
            else:
                results["ingest"] = bench_ingest([50000, 100000, 150000, 175000, 200000, 250000, 0], 2.0, log)
                results["assembler"] = bench_assembler(1.0, 5, log)
                results["fps30"] = bench_frames(30, 60, log, work)
                results["fps300"] = bench_frames(300, 40, log, work)
                results["instructions"] = bench_instructions(30, 300, log, work)
                results["instructions300"] = bench_instructions(300, 3000, log, work)
                results["memory"] = bench_memory(600, log, work)
                results["rtsp"] = bench_rtsp.bench_fanout(H264, [1, 8, 32], RTSP_SECONDS, log, RTSP_REPEATS)
                results["rtsp_joins"] = bench_rtsp.bench_joins(H264, RTSP_JOINS, log)
        except (BenchBroken, bench_rtsp.RtspBenchBroken, subprocess.CalledProcessError, subprocess.TimeoutExpired,
                KeyError, ValueError) as e:
            print("bench broken: %s" % e)
            return 1
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    if a.doc:
        if a.notes and os.path.exists(a.notes):
            with open(a.notes) as f:
                results["notes"] = [f.read()]
        write_doc(results, a.doc)
        print("bench: report written to %s" % a.doc)
    print("bench: all measurements completed (figures are reported, never judged here)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
