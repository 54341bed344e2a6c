#!/usr/bin/python3
"""GET /api/frame.jpeg against waiting for the next keyframe: ipcam-sim
encoding live (640x360, 30 fps, a keyframe every 30 frames) behind one
ipcam-rtsp-server with one RTSP viewer (rtspsrc over TCP ! rtph264depay !
appsink, in this process). Requests at random moments of the group of
pictures (50 to 150 ms apart, so about ten a second); for each, the time
from sending it to the whole JPEG received, and the time the viewer waited
from that moment to the camera's next keyframe: what a snapshot that waits
for a keyframe (go2rtc's) would take at least. Printed as p50 and p95 of
both and their ratios. Then the server's CPU while those snapshots are
asked, beside the CPU of decoding the same stream once (avdec_h264
max-threads=1 on the access units the viewer received).

    bench_snapshot.py [--short] [--full] [--requests N]

Prints a markdown table (the one in docs/benchmarks.md). Fails only when
the bench is broken (a request that failed, a viewer that got nothing),
never on a figure. --short (meson test bench-snapshot): 20 requests, no
CPU part; --full (after --short: `meson test -C build bench-snapshot -v
--test-args=--full`) the whole run. Run
with the bench suite's env (IPCAM_SIM, IPCAM_RTSP_SERVER, PYTHONPATH,
GST_PLUGIN_PATH_1_0)."""

import argparse
import os
import random
import sys
import tempfile
import threading
import time
import urllib.request

from ipcamtest.bench_rig import BenchBroken, gst
from ipcamtest.rtsp_rig import Rig

FPS, KEYINT = 30, 30


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Viewer:
    """One RTSP viewer that notes when each keyframe arrives and, while
    `keep`, keeps the access units it gets from a keyframe on (for the
    decode-cost baseline)."""

    def __init__(self, url):
        Gst = self.Gst = gst()
        self.keyframes = []
        self.units = []
        self.lock = threading.Lock()
        self.pipe = Gst.parse_launch("rtspsrc location=%s protocols=tcp latency=0 ! rtph264depay ! "
                                     "video/x-h264,stream-format=byte-stream,alignment=au ! "
                                     "appsink name=sink sync=false emit-signals=true" % url)
        self.pipe.get_by_name("sink").connect("new-sample", self.on_sample)
        self.keep = False
        self.pipe.set_state(Gst.State.PLAYING)

    def on_sample(self, sink):
        sample = sink.emit("pull-sample")
        now = time.monotonic()
        buf = sample.get_buffer()
        with self.lock:
            if not buf.has_flags(self.Gst.BufferFlags.DELTA_UNIT):
                self.keyframes.append(now)
            if self.keep and (self.units or not buf.has_flags(self.Gst.BufferFlags.DELTA_UNIT)):
                self.units.append(buf.extract_dup(0, buf.get_size()))
        return self.Gst.FlowReturn.OK

    def next_keyframe_after(self, t):
        with self.lock:
            return next((k for k in self.keyframes if k >= t), None)

    def close(self):
        self.pipe.set_state(self.Gst.State.NULL)


def decode_cpu_s(units):
    """CPU seconds that avdec_h264 max-threads=1 takes over these access units."""
    Gst = gst()
    with tempfile.NamedTemporaryFile(suffix=".h264") as f:
        for u in units:
            f.write(u)
        f.flush()
        p = Gst.parse_launch("filesrc location=%s ! h264parse ! avdec_h264 max-threads=1 ! fakesink sync=false"
                             % f.name)
        c0 = time.process_time()  # every thread of this process: the viewer is closed by now
        p.set_state(Gst.State.PLAYING)
        msg = p.get_bus().timed_pop_filtered(60 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        c1 = time.process_time()
        p.set_state(Gst.State.NULL)
        if msg is None or msg.type != Gst.MessageType.EOS:
            raise BenchBroken("the baseline decode failed")
        return c1 - c0


def measure(requests, with_cpu, log):
    sim_args = ["--paint-frame-number", "--fps", FPS, "--keyframe-interval", KEYINT]
    with Rig(live=True, sim_args=sim_args, linger=30) as rig:
        viewer = Viewer(rig.url)
        try:
            deadline = time.monotonic() + 30
            while len(viewer.keyframes) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            if len(viewer.keyframes) < 2:
                raise BenchBroken("the RTSP viewer got no keyframes")
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            url = rig.control + "api/frame.jpeg"
            opener.open(url, timeout=30).read()  # the decoder opens: not measured
            rnd = random.Random(1)
            answers, sent = [], []
            with viewer.lock:
                viewer.keep = True
            c0, t0 = cpu_s(rig.server.pid), time.monotonic()
            for _ in range(requests):
                time.sleep(rnd.uniform(0.05, 0.15))
                start = time.monotonic()
                with opener.open(url, timeout=30) as r:
                    body = r.read()
                    if r.status != 200 or not body.startswith(b"\xff\xd8"):
                        raise BenchBroken("a snapshot failed: %d" % r.status)
                answers.append(time.monotonic() - start)
                sent.append(start)
            c1, t1 = cpu_s(rig.server.pid), time.monotonic()
            with viewer.lock:
                viewer.keep = False
                units = list(viewer.units)
            # The keyframe after the last request may not be there yet.
            deadline = time.monotonic() + 2 * KEYINT / FPS + 5
            while viewer.next_keyframe_after(sent[-1]) is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if any(viewer.next_keyframe_after(s) is None for s in sent):
                raise BenchBroken("no keyframe came after a request")
            waits = [viewer.next_keyframe_after(s) - s for s in sent]
            c2 = c3 = 0.0
            t2, t3 = 0.0, 1.0
            if with_cpu:  # the server with the viewer alone, as long
                time.sleep(11)  # past the snapshot decoder's 10 s, which then closes
                c2, t2 = cpu_s(rig.server.pid), time.monotonic()
                time.sleep(t1 - t0)
                c3, t3 = cpu_s(rig.server.pid), time.monotonic()
        finally:
            viewer.close()
    decode = decode_cpu_s(units) if with_cpu else 0.0
    window = t1 - t0
    row = {"with_cpu": with_cpu, "requests": requests, "answer_p50": percentile(answers, 50), "answer_p95": percentile(answers, 95),
           "keyframe_p50": percentile(waits, 50), "keyframe_p95": percentile(waits, 95),
           "with_snapshots_pct": 100 * (c1 - c0) / window, "viewer_only_pct": 100 * (c3 - c2) / (t3 - t2),
           "decode_pct": 100 * decode / window, "rate": requests / window, "frames": len(units)}
    row["snapshot_pct"] = row["with_snapshots_pct"] - row["viewer_only_pct"]
    log("snapshot p50 %.1f ms p95 %.1f ms; next keyframe p50 %.0f ms p95 %.0f ms; server CPU %.1f %% with "
        "snapshots (%.1f/s), %.1f %% viewer only; decoding the stream once %.1f %%" %
        (1000 * row["answer_p50"], 1000 * row["answer_p95"], 1000 * row["keyframe_p50"],
         1000 * row["keyframe_p95"], row["with_snapshots_pct"], row["rate"], row["viewer_only_pct"],
         row["decode_pct"]))
    return row


def table(r):
    ms = lambda s: "%.0f ms" % (1000 * s)  # noqa: E731
    return "\n".join([
        "| %d requests (%.1f/s), one RTSP viewer | p50 | p95 |" % (r["requests"], r["rate"]),
        "|---|---|---|",
        "| frame.jpeg: request sent → whole JPEG received | %s | %s |" % (ms(r["answer_p50"]), ms(r["answer_p95"])),
        "| waiting for the next keyframe from the same moments | %s | %s |" % (ms(r["keyframe_p50"]),
                                                                             ms(r["keyframe_p95"])),
        "| ratio (frame.jpeg / keyframe wait) | %.3f | %.3f |" % (r["answer_p50"] / r["keyframe_p50"],
                                                                  r["answer_p95"] / r["keyframe_p95"]),
    ] + ([] if not r["with_cpu"] else [
        "",
        "| server CPU (% of a core) | |",
        "|---|---|",
        "| one viewer, snapshots asked | %.1f |" % r["with_snapshots_pct"],
        "| one viewer alone | %.1f |" % r["viewer_only_pct"],
        "| what the snapshots add (their decoder and encodes) | %.1f |" % r["snapshot_pct"],
        "| decoding the stream once (avdec_h264 max-threads=1, %d frames) | %.1f |" % (r["frames"], r["decode_pct"]),
        "| ratio (snapshots' cost / one decode) | %.2f |" % (r["snapshot_pct"] / max(r["decode_pct"], 0.01)),
    ]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--short", action="store_true", help="20 requests")
    ap.add_argument("--full", action="store_true", help="the whole run, even after --short")
    ap.add_argument("--requests", type=int, default=None, help="how many (default 100, --short 20)")
    a = ap.parse_args()
    if a.full:
        a.short = False

    def log(text):
        print(text, file=sys.stderr, flush=True)
    try:
        row = measure(a.requests or (20 if a.short else 100), not a.short, log)
    except BenchBroken as e:
        print("bench_snapshot: broken: %s" % e, file=sys.stderr)
        return 1
    print(table(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
