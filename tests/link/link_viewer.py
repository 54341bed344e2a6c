"""The viewer's end of the link rig, run inside the viewer's namespace:
plays `ipcamsrc ! h264parse ! avdec_h264 ! fakesink` for a while and prints
one JSON line with what a viewer got: frames ipcamsrc pushed and pictures
decoded (with their monotonic arrival times and PTS), every warning or error on
the bus, ipcamsrc's stats, and the H.264 it pushed written to --record (so
ffmpeg can be asked what it thinks of the same bytes).

    link_viewer.py --address 10.77.2.1 --seconds 10 [--loss-policy P] [--reorder-window MS]
                   [--record FILE]
"""

import argparse
import json
import sys
import threading
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--loss-policy", default=None)
    ap.add_argument("--reorder-window", type=int, default=None)
    ap.add_argument("--record", default=None)
    ap.add_argument("--timeout", type=int, default=2000)
    a = ap.parse_args()
    Gst.init(None)
    props = "address=%s timeout=%d reconnect-attempts=-1" % (a.address, a.timeout)
    if a.loss_policy:
        props += " loss-policy=%s" % a.loss_policy
    if a.reorder_window is not None:
        props += " reorder-window=%d" % a.reorder_window
    record = ""
    if a.record:
        record = " t. ! queue max-size-buffers=0 max-size-time=0 max-size-bytes=0 ! filesink location=%s" % a.record
    p = Gst.parse_launch("ipcamsrc name=src %s ! tee name=t ! queue ! h264parse ! avdec_h264 max-threads=1 name=dec "
                         "! fakesink name=sink sync=false%s" % (props, record))
    src, sink = p.get_by_name("src"), p.get_by_name("sink")
    pushed, decoded, pts, decoded_pts = [], [], [], []
    lock = threading.Lock()

    def noting(arrivals, stamps):
        """A buffer probe that notes when each buffer passed and its PTS (s)."""
        def probe(pad, info):
            b = info.get_buffer()
            with lock:
                arrivals.append(time.monotonic())
                stamps.append(b.pts / 1e9 if b.pts != Gst.CLOCK_TIME_NONE else None)
            return Gst.PadProbeReturn.OK
        return probe

    src.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, noting(pushed, pts))
    sink.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, noting(decoded, decoded_pts))
    messages = []
    start = time.monotonic()
    p.set_state(Gst.State.PLAYING)
    bus = p.get_bus()
    deadline = start + a.seconds
    while time.monotonic() < deadline:
        m = bus.timed_pop_filtered(int(max(0.0, deadline - time.monotonic()) * Gst.SECOND),
                                   Gst.MessageType.WARNING | Gst.MessageType.ERROR)
        if m is None:
            break
        err, dbg = m.parse_warning() if m.type == Gst.MessageType.WARNING else m.parse_error()
        messages.append({"type": "warning" if m.type == Gst.MessageType.WARNING else "error",
                         "from": m.src.get_name(), "text": err.message, "debug": dbg,
                         "at": time.monotonic() - start})
        if m.type == Gst.MessageType.ERROR:
            break
    stats = src.get_property("stats")
    st = {stats.nth_field_name(i): stats.get_value(stats.nth_field_name(i)) for i in range(stats.n_fields())}
    # NULL from a thread: a hang shows as a missing result, not a stuck test.
    done = threading.Event()
    threading.Thread(target=lambda: (p.set_state(Gst.State.NULL), done.set()), daemon=True).start()
    stopped = done.wait(10)
    with lock:
        out = {"start": start, "pushed": pushed, "decoded": decoded, "pts": pts, "decoded_pts": decoded_pts,
               "messages": messages,
               "stats": st, "stopped": stopped}
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
