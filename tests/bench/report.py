"""docs/benchmarks.md from the results of a run (measurements.py's and
bench_rtsp.py's dicts, also saved as JSON by bench.py --json), and the
machine description the results carry. The RTSP rows and section are
bench_rtsp.py's (target_rows, doc_lines).
"""

import os
import platform
import subprocess
import time

import bench_rtsp


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
