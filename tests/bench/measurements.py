"""The benchmarks' measurements: each bench_* function runs one part on the
rig (rig.py) and returns its figures as a dict, logging a line per point.
Figures are reported, never judged here (report.py puts them beside the
targets). The RTSP servers' measurements are bench_rtsp.py's.
"""

import json
import os
import subprocess

from ipcamtest.bench_rig import BenchBroken, Runner, callgrind_control, send

ASSEMBLER = os.environ.get("IPCAM_BENCH_ASSEMBLER")

# The fixed socket receive buffer of the ingest ladder, the same for both
# elements (their buffer-size property); the other benches keep the default.
INGEST_BUFFER = 4 << 20


def run(kind, warmup_s=0.0, recv_times=None, buffer_size=None, **send_opts):
    """Runs the sender against a fresh pipeline; returns (sent, measured).
    The measured window starts after `warmup_s` of 30 fps traffic."""
    r = Runner(kind, buffer_size=buffer_size).start()
    try:
        if warmup_s:
            send(r.port, fps=30, frames=int(warmup_s * 30))
        r.wait_idle()  # start-up and warm-up stay out of the window
        r.ask("mark", answer=False)
        if recv_times:
            r.ask("times " + recv_times, answer=False)
        sent = send(r.port, **send_opts)
        r.wait_idle()  # the window ends when every datagram has been handled
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
            r.wait_idle()
            r.ask("mark", answer=False)
            callgrind_control("-z", r.proc.pid)
            sent = send(r.port, fps=fps, frames=frames)
            r.wait_idle()
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
