"""RTSP benchmarks of ipcam-rtsp-server, used by bench.py:

- fan-out: server CPU with 1, 8 and 32 clients, every client getting every
  frame, against two plain gst-rtsp-server baselines (tests/bench/
  rtsp_launch.c) serving the same replayed stream: a non-shared media per
  client (like for like: a pipeline per viewer) and one shared media (one
  pipeline, one send per extra client);
- joins: time from starting a client (DESCRIBE, SETUP, PLAY on loopback)
  to its first decoded picture, at random points of the group of pictures.

Ratios, never absolute figures, are what a run judges: both sides run in
the same run on the same machine. The servers, the camera behind them and
the clients are rig.py's (rtsp_server, rtsp_clients); target_rows and
doc_lines are the RTSP part of report.py's docs/benchmarks.md."""

import random
import threading
import time

from measurements import percentile
from ipcamtest.bench_rig import RTSP_SERVERS as SERVERS, close_clients, gst, proc_cpu_ns, rtsp_clients, rtsp_server

KEYFRAME_INTERVAL_S = 1.0  # the replayed stream: 30 fps, a keyframe every 30 frames


def fanout_once(h264, counts, seconds, log):
    out = {}
    for name in SERVERS:
        rows = []
        for n in counts:
            with rtsp_server(name, h264) as (srv, url):
                pipes, rendered = rtsp_clients(url, n)  # once every client has settled
                try:
                    c0, f0, t0 = proc_cpu_ns(srv.pid), [rendered(p) for p in pipes], time.monotonic()
                    time.sleep(seconds)  # the measured window itself
                    c1, f1, t1 = proc_cpu_ns(srv.pid), [rendered(p) for p in pipes], time.monotonic()
                finally:
                    close_clients(pipes)
            fps = [(b - a) / (t1 - t0) for a, b in zip(f0, f1)]
            row = {"clients": n, "cpu_pct": 100.0 * (c1 - c0) / 1e9 / (t1 - t0), "min_fps": min(fps),
                   "max_fps": max(fps)}
            rows.append(row)
            log("rtsp %-17s %2d clients: server CPU %.2f %% of a core, each client %.1f-%.1f frames/s" %
                (name, n, row["cpu_pct"], row["min_fps"], row["max_fps"]))
        out[name] = rows
    return out


def bench_fanout(h264, counts, seconds, log, repeats=1):
    """Each point is the median of `repeats` runs, the servers taking turns
    (one run of a point varies by ±30 % here)."""
    runs = [fanout_once(h264, counts, seconds, log) for _ in range(repeats)]
    out = {}
    for name in SERVERS:
        rows = []
        for i in range(len(counts)):
            pts = sorted((r[name][i] for r in runs), key=lambda x: x["cpu_pct"])
            mid = dict(pts[len(pts) // 2])
            mid["runs_cpu_pct"] = [x["cpu_pct"] for x in pts]
            mid["min_fps"] = min(x["min_fps"] for x in pts)
            mid["max_fps"] = max(x["max_fps"] for x in pts)
            rows.append(mid)
        out[name] = rows
    out["repeats"] = repeats
    out["seconds"] = seconds
    return out


def per_client(rows):
    """Extra server CPU (% of a core) per client between the fewest and
    the most clients measured: what one more viewer costs."""
    lo, hi = rows[0], rows[-1]
    return (hi["cpu_pct"] - lo["cpu_pct"]) / max(1, hi["clients"] - lo["clients"])


def bench_joins(h264, joins, log, seed=1):
    """Seconds from starting a client to its first decoded picture, one
    join after another at random points of the group of pictures (a
    watcher keeps the camera session up, as when others watch)."""
    Gst = gst()
    rnd = random.Random(seed)
    waits = []
    with rtsp_server("ipcam-rtsp-server", h264) as (_, url):
        watcher, _ = rtsp_clients(url, 1)
        try:
            for _ in range(joins):
                time.sleep(rnd.uniform(0, KEYFRAME_INTERVAL_S))  # a random point of the GOP, not a wait
                p = Gst.parse_launch("rtspsrc location=%s protocols=tcp latency=0 ! rtph264depay ! h264parse ! "
                                     "avdec_h264 name=dec ! fakesink sync=false" % url)
                first = threading.Event()
                p.get_by_name("dec").get_static_pad("src").add_probe(
                    Gst.PadProbeType.BUFFER, lambda *a: (first.set(), Gst.PadProbeReturn.OK)[1])
                t0 = time.monotonic()
                p.set_state(Gst.State.PLAYING)
                got = first.wait(10)
                waits.append(time.monotonic() - t0 if got else float("inf"))
                p.set_state(Gst.State.NULL)
        finally:
            close_clients(watcher)
    out = {"joins": joins, "p50_s": percentile(waits, 50), "p95_s": percentile(waits, 95), "max_s": max(waits),
           "keyframe_interval_s": KEYFRAME_INTERVAL_S}
    log("rtsp joins: first picture p50 %.3f s, p95 %.3f s, max %.3f s over %d joins" %
        (out["p50_s"], out["p95_s"], out["max_s"], joins))
    return out


def target_rows(r, row):
    """The RTSP lines of the targets table."""
    rt = r.get("rtsp")
    if not rt or "non-shared" not in rt:
        row("RTSP fan-out ≤ 1.3× a non-shared gst-rtsp-server per client", "not measured", False)
    else:
        ours, like, shared = (per_client(rt[k]) for k in SERVERS)
        every = all(x["min_fps"] >= 28 for k in SERVERS for x in rt[k])
        row("RTSP fan-out ≤ 1.3× a non-shared gst-rtsp-server per client, every client every frame",
            "%.3f vs %.3f %% of a core per client (%.2f×); shared media %.3f %% (%.2f×); slowest client %.1f fps" %
            (ours, like, ours / like if like else 0, shared, ours / shared if shared else 0,
             min(x["min_fps"] for k in SERVERS for x in rt[k])), ours <= 1.3 * like and every)
    j = r.get("rtsp_joins")
    if j:
        row("PLAY to first picture p95 ≤ one keyframe interval + 100 ms",
            "p50 %.0f ms, p95 %.0f ms over %d joins (keyframe interval %.0f ms)" %
            (j["p50_s"] * 1000, j["p95_s"] * 1000, j["joins"], j["keyframe_interval_s"] * 1000),
            j["p95_s"] <= j["keyframe_interval_s"] + 0.1)


def doc_lines(r):
    """The report's RTSP section."""
    rt, L = r.get("rtsp"), []
    if not rt or "non-shared" not in rt:
        return L
    w = L.append
    w("## RTSP fan-out")
    w("")
    w("Server process CPU (the scheduler's count, /proc/PID/task/*/schedstat) over %d s while N clients" %
      rt.get("seconds", 10))
    w("(`rtspsrc protocols=tcp ! rtph264depay ! fakesink`, all in one other process) watch%s. Baselines, plain" %
      (" (measured again on %s)" % r["rtsp_rerun"] if r.get("rtsp_rerun") else ""))
    w("gst-rtsp-server (tests/bench/rtsp_launch.c) serving the same replayed stream: `non-shared`, a media")
    w("per client (multifilesrc ! h264parse ! rtph264pay, paced: like for like with ipcam-rtsp-server's")
    w("appsrc ! rtph264pay per client), and `shared`, one ipcamsrc media for every client (how the server")
    w("worked before its hub: one send per extra client, but no client started at a keyframe).")
    w("Each point is the median of %d runs, the servers taking turns." % rt.get("repeats", 1))
    w("")
    w("| server | clients | server CPU % of a core | runs | client frames/s (min–max) |")
    w("|---|---|---|---|---|")
    for name in SERVERS:
        for x in rt[name]:
            w("| %s | %d | %.2f | %s | %.1f–%.1f |" % (
                name, x["clients"], x["cpu_pct"], " ".join("%.2f" % c for c in x.get("runs_cpu_pct", [])),
                x["min_fps"], x["max_fps"]))
    w("")
    ours, like, shared = (per_client(rt[k]) for k in SERVERS)
    w("Extra CPU per client from 1 to %d clients: ipcam-rtsp-server %.3f %%, non-shared %.3f %% (ratio %.2f),"
      " shared %.3f %% (ratio %.2f) of a core." % (rt[SERVERS[0]][-1]["clients"], ours, like,
                                                   ours / like if like else 0, shared, ours / shared if shared else 0))
    w("")
    j = r.get("rtsp_joins")
    if j:
        w("## Joining a running stream")
        w("")
        w("%d clients (`rtspsrc latency=0 ! rtph264depay ! h264parse ! avdec_h264`) started one after another at" %
          j["joins"])
        w("random points of the 1 s group of pictures while another client watched; from setting the client")
        w("PLAYING (DESCRIBE, SETUP and PLAY on loopback take a few ms) to its first decoded picture:")
        w("p50 %.0f ms, p95 %.0f ms, max %.0f ms. Each client starts at the next keyframe, so the wait is" %
          (j["p50_s"] * 1000, j["p95_s"] * 1000, j["max_s"] * 1000))
        w("spread over one keyframe interval.")
        w("")
    return L
