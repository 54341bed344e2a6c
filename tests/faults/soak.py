#!/usr/bin/python3
"""Soak: ipcamsrc ! h264parse ! avdec_h264 ! fakesink against ipcam-sim with
1 % datagram loss and a dropped session every ~20 s, for a given time.
Passes when, at the end, the pipeline still plays, frames still flow, every
drop was followed by a reconnect, no error was posted, and the process's RSS
grew by at most 1 MiB after the warm-up.

    soak.py [--duration SECONDS] [--loss P] [--drop-after-frames N]
"""

import argparse
import os
import signal
import sys
import time

import fault_matrix as fm
from fault_matrix import Gst, check
from ipcamtest.sim import IpcamSim

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def soak(duration, loss, drop_after):
    p = fm.Pipeline(keep_buffers=False, reconnect_backoff=100, reconnect_attempts=-1)
    port = p.ready()
    sim = IpcamSim(*fm.sim_args(21, "--preview-port", port, "--loss", loss,
                                "--drop-after-frames", drop_after))
    sim.start()
    warmup = min(20.0, duration / 3)
    samples = []  # (t, rss, frames)
    try:
        p.play(sim.control_port)
        check(p.pump(10.0, until=lambda: p.frames() > 0), "no frame within 10 s")
        t0 = time.monotonic()
        next_report = t0 + 60
        while time.monotonic() - t0 < duration:
            p.pump(1.0)
            check(not p.errors(), "error posted: %s" % p.errors())
            now = time.monotonic()
            samples.append((now - t0, rss_bytes(), p.frames()))
            if now >= next_report:
                next_report += 60
                print("soak: %4.0f s  rss %.1f MiB  frames %d  stats %s" %
                      (now - t0, samples[-1][1] / 2**20, samples[-1][2], p.stats()), flush=True)
        ok, state, _ = p.pipeline.get_state(0)
        still_playing = state == Gst.State.PLAYING
        frames_before = p.frames()
        flowing = p.pump(5.0, until=lambda: p.frames() >= frames_before + 30)
        st = p.stats()
    finally:
        sim.stop()
    p.stop()
    fm.report("soak", p, sim, st)

    after = [s for s in samples if s[0] >= warmup]
    base = median([s[1] for s in after[:5]])
    end = median([s[1] for s in after[-5:]])
    peak = max(s[1] for s in after)
    growth = end - base
    print("soak: %.0f s, %d frames out, %d decoded, %d reconnects, %d sessions dropped by the emulator" %
          (duration, p.frames(), p.decoded, st["reconnects"], sim.counter("sessions_dropped_fault")))
    print("soak: RSS after warm-up %.2f MiB, at end %.2f MiB (growth %+.0f KiB, peak %.2f MiB)" %
          (base / 2**20, end / 2**20, growth / 1024, peak / 2**20))

    check(still_playing, "the pipeline is no longer PLAYING")
    check(flowing, "frames stopped flowing at the end")
    drops = sim.counter("sessions_dropped_fault")
    check(drops >= 1 if duration >= 30 else True, "the emulator dropped no session")
    check(st["reconnects"] >= drops, "%d sessions dropped, %d reconnects" % (drops, st["reconnects"]))
    check(not p.errors("dec", kinds=("error", "warning")), "decoder complained: %s" % p.errors("dec", ("warning",)))
    fm.assert_drop_policy(p)
    check(p.decoded >= p.frames() - 2, "decoded %d of %d frames" % (p.decoded, p.frames()))
    check(growth <= 1 << 20, "RSS grew by %.0f KiB after warm-up" % (growth / 1024))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=60)
    ap.add_argument("--loss", type=float, default=0.01)
    ap.add_argument("--drop-after-frames", type=int, default=600)
    a = ap.parse_args()
    Gst.init(None)
    # A SIGTERM (meson timeout, Ctrl-C in a script) unwinds, so the emulator is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        soak(a.duration, a.loss, a.drop_after_frames)
    except fm.CaseFailed as e:
        print("FAIL soak: %s" % e)
        return 1
    print("PASS soak")
    return 0


if __name__ == "__main__":
    sys.exit(main())
