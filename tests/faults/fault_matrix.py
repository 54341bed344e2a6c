#!/usr/bin/python3
"""Fault matrix: every fault ipcam-sim can inject, run through
ipcamsrc ! h264parse ! avdec_h264 ! fakesink, with its expected outcome
asserted (docs/robustness.md states the rules and tolerances).

    fault_matrix.py CASE      run one case (exit 0 = pass)
    fault_matrix.py --list    list the cases

Run through meson (suite 'faults'): it sets IPCAM_SIM, IPCAM_SAMPLE_H264,
PYTHONPATH, GST_PLUGIN_PATH_1_0 and GST_REGISTRY_1_0.
"""

import os
import signal
import socket
import sys
import threading
import time

import gi

from ipcamtest.sim import IpcamSim

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

KEYFRAME_INTERVAL = 30  # the sample stream's GOP (tests/sim/meson.build)


class CaseFailed(AssertionError):
    pass


def check(cond, what):
    if not cond:
        raise CaseFailed(what)


class Pipeline:
    """ipcamsrc ! h264parse ! avdec_h264 ! fakesink with probes that record
    what ipcamsrc pushed and what the decoder produced, and a bus log."""

    def __init__(self, keep_buffers=True, **props):
        self.pipeline = Gst.parse_launch(
            "ipcamsrc name=src ! h264parse ! avdec_h264 name=dec max-threads=1 ! fakesink name=sink sync=false")
        self.src = self.pipeline.get_by_name("src")
        self.src.set_property("preview-port", 0)
        # The matrix checks drop-until-keyframe's rules unless a case says otherwise.
        props.setdefault("loss_policy", "drop-until-keyframe")
        for k, v in props.items():
            self.src.set_property(k.replace("_", "-"), v)
        self.lock = threading.Lock()
        # (pts, flags, size) of every buffer leaving ipcamsrc; a soak keeps
        # only counts, so that its own bookkeeping does not grow its RSS.
        self.keep_buffers = keep_buffers
        self.buffers = []
        self.pushed = 0
        self.last_pts = None
        self.policy_violations = []
        self.decoded = 0
        self.messages = []  # (type, source name, text)
        self.src.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, self._on_src_buffer)
        self.pipeline.get_by_name("sink").get_static_pad("sink").add_probe(
            Gst.PadProbeType.BUFFER, self._on_decoded)
        self.bus = self.pipeline.get_bus()

    def _on_src_buffer(self, pad, info):
        b = info.get_buffer()
        flags = int(b.get_flags())
        with self.lock:
            self.pushed += 1
            if self.keep_buffers:
                self.buffers.append((b.pts, flags, b.get_size()))
            elif len(self.policy_violations) < 10:
                # The drop-until-keyframe rules of assert_drop_policy, inline.
                if flags & Gst.BufferFlags.CORRUPTED:
                    self.policy_violations.append("buffer %d flagged CORRUPTED" % self.pushed)
                if flags & Gst.BufferFlags.DISCONT and flags & Gst.BufferFlags.DELTA_UNIT:
                    self.policy_violations.append("buffer %d: DISCONT on a delta frame" % self.pushed)
                if self.last_pts is not None and b.pts <= self.last_pts:
                    self.policy_violations.append("buffer %d: PTS not increasing" % self.pushed)
            self.last_pts = b.pts
        return Gst.PadProbeReturn.OK

    def _on_decoded(self, pad, info):
        with self.lock:
            self.decoded += 1
        return Gst.PadProbeReturn.OK

    def ready(self):
        """NULL -> READY binds the preview socket; returns its port."""
        check(self.pipeline.set_state(Gst.State.READY) != Gst.StateChangeReturn.FAILURE, "READY failed")
        port = self.src.get_property("preview-port")
        check(port > 0, "ipcamsrc did not bind a preview port in READY")
        return port

    def play(self, control_port):
        self.src.set_property("address", "127.0.0.1")
        self.src.set_property("control-port", control_port)
        check(self.pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE, "PLAYING failed")

    def pump(self, seconds, until=None):
        """Collects bus messages for up to `seconds`, or until `until()`."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            msg = self.bus.timed_pop(50 * Gst.MSECOND)
            if msg:
                self._log(msg)
            if until and until():
                return True
        return False

    def _log(self, msg):
        name = msg.src.get_name() if msg.src else "?"
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            self.messages.append(("error", name, err.message, dbg or ""))
        elif msg.type == Gst.MessageType.WARNING:
            err, dbg = msg.parse_warning()
            self.messages.append(("warning", name, err.message, dbg or ""))
        elif msg.type == Gst.MessageType.ELEMENT and msg.get_structure() and self.keep_buffers:
            self.messages.append(("element", name, msg.get_structure().get_name(), ""))

    def errors(self, source=None, kinds=("error",)):
        return [m for m in self.messages if m[0] in kinds and (source is None or m[1] == source)]

    def frames(self):
        with self.lock:
            return self.pushed

    def stats(self):
        s = self.src.get_property("stats")
        return {s.nth_field_name(i): s.get_value(s.nth_field_name(i)) for i in range(s.n_fields())}

    def settle(self, seconds=2.0):
        """Waits until ipcamsrc's datagram count stops moving (the sender
        has stopped and the socket is drained)."""
        last, stable_since = -1, time.monotonic()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.pump(0.1)
            n = self.stats().get("datagrams", 0)
            if n != last:
                last, stable_since = n, time.monotonic()
            elif time.monotonic() - stable_since >= 0.3:
                return

    def stop(self, limit=10.0):
        """Sets NULL in a thread: a hang is a failure, not a stuck test."""
        done = threading.Event()

        def to_null():
            self.pipeline.set_state(Gst.State.NULL)
            done.set()

        threading.Thread(target=to_null, daemon=True).start()
        check(done.wait(limit), "setting the pipeline to NULL hung for %.0f s" % limit)


def sim_args(seed, *extra):
    return ["--h264", os.environ["IPCAM_SAMPLE_H264"], "--no-samples", "--seed", str(seed),
            "--datagram-size", "300"] + [str(a) for a in extra]


def stream(faults, seconds=4.0, seed=1, sim_extra=(), **props):
    """Streams with `faults` for `seconds`, stops the emulator while the
    pipeline still plays, drains, and returns (pipeline, sim, stats)."""
    p = Pipeline(**props)
    port = p.ready()
    sim = IpcamSim(*sim_args(seed, "--preview-port", port, *faults, *sim_extra))
    sim.start()
    try:
        p.play(sim.control_port)
        check(p.pump(10.0, until=lambda: p.frames() > 0), "no frame within 10 s")
        p.pump(seconds)
    finally:
        sim.stop()
    p.settle()
    stats = p.stats()
    p.stop()
    return p, sim, stats


def report(name, p, sim, st):
    c = (sim.stats or {}).get("counters", {})
    print("case %s: ipcamsrc stats %s" % (name, st))
    print("case %s: ipcam-sim counters %s" % (name, c))
    print("case %s: %d buffers out of ipcamsrc, %d decoded; bus: %s" %
          (name, p.frames(), p.decoded, [m[:3] for m in p.messages if m[0] != "element"]))


# ---------------------------------------------------------------- assertions

def assert_clean_run(p, st, policy="drop-until-keyframe"):
    """No error anywhere; no decoder complaint in drop mode; every frame that
    ipcamsrc pushed reached the decoder and was decoded."""
    check(not p.errors(), "errors on the bus: %s" % p.errors())
    dec_msgs = p.errors("dec", kinds=("error", "warning"))
    if policy == "drop-until-keyframe":
        check(not dec_msgs, "avdec_h264 complained: %s" % dec_msgs)
    check(p.frames() > 0, "no frame left ipcamsrc")
    check(st["frames"] >= p.frames(), "stats.frames %d < buffers pushed %d" % (st["frames"], p.frames()))
    # One decoded picture per access unit (max-threads=1: no decoder delay;
    # the last one may still be in flight at teardown).
    if policy == "drop-until-keyframe":
        check(p.decoded >= p.frames() - 2, "decoded %d of %d frames" % (p.decoded, p.frames()))


def assert_drop_policy(p):
    """drop-until-keyframe: nothing corrupted, and output resumes only at a
    keyframe after any discontinuity."""
    check(not p.policy_violations, "; ".join(p.policy_violations))
    for i, (_pts, flags, _size) in enumerate(p.buffers):
        check(not flags & Gst.BufferFlags.CORRUPTED, "buffer %d flagged CORRUPTED in drop mode" % i)
        if flags & Gst.BufferFlags.DISCONT:
            check(not flags & Gst.BufferFlags.DELTA_UNIT, "buffer %d: DISCONT on a delta frame" % i)


def assert_datagram_count(sim, st, tail=0):
    """Every datagram the emulator put on the wire reached ipcamsrc (or was
    counted as a kernel drop): exact on loopback once drained."""
    sent = sim.counter("datagrams_sent")
    got = st["datagrams"] + st["kernel-drops"]
    check(sent - tail <= got <= sent,
          "ipcamsrc counted %d datagrams (+%d kernel drops) of %d sent" % (st["datagrams"], st["kernel-drops"], sent))


def assert_monotonic_pts(p, max_gap_s=1.0):
    pts = [b[0] for b in p.buffers if b[0] != Gst.CLOCK_TIME_NONE]
    check(len(pts) == len(p.buffers), "buffers without PTS")
    for a, b in zip(pts, pts[1:]):
        check(b > a, "PTS not increasing: %d then %d" % (a, b))
        check(b - a <= max_gap_s * Gst.SECOND, "PTS jumps by %.3f s" % ((b - a) / Gst.SECOND))


def frames_sent(sim):
    return sim.counter("frames_sent")


# ---------------------------------------------------------------- cases

def case_baseline():
    p, sim, st = stream([])
    report("baseline", p, sim, st)
    assert_clean_run(p, st)
    assert_drop_policy(p)
    assert_datagram_count(sim, st)
    check(st["lost"] == 0 and st["malformed"] == 0 and st["duplicates"] == 0, "faults counted without faults")
    # Every frame sent is delivered, but the ones before the first keyframe.
    check(p.frames() >= frames_sent(sim) - KEYFRAME_INTERVAL - 1,
          "%d of %d frames delivered" % (p.frames(), frames_sent(sim)))
    assert_monotonic_pts(p, max_gap_s=0.1)


def loss_case(name, policy, rate):
    p, sim, st = stream(["--loss", rate], seconds=5.0, seed=7, loss_policy=policy)
    report(name, p, sim, st)
    assert_clean_run(p, st, policy)
    assert_datagram_count(sim, st)
    injected = sim.counter("lost")
    check(injected > 0, "the emulator injected no loss")
    # A loss after the last datagram received is invisible: allow one.
    check(injected - 1 <= st["lost"] <= injected, "lost %d, injected %d" % (st["lost"], injected))
    sent = frames_sent(sim)
    if policy == "drop-until-keyframe":
        assert_drop_policy(p)
        check(st["dropped-frames"] > 0, "losses but no frame dropped")
        # Each loss costs at most the rest of its GOP.
        check(p.frames() >= sent - injected * (KEYFRAME_INTERVAL + 1) - KEYFRAME_INTERVAL - 1,
              "only %d of %d frames delivered with %d losses" % (p.frames(), sent, injected))
        check(p.frames() < sent, "drop mode delivered every frame despite losses")
    else:
        corrupted = sum(1 for b in p.buffers if b[1] & Gst.BufferFlags.CORRUPTED)
        check(corrupted > 0, "losses but no buffer flagged CORRUPTED")
        # A lost datagram damages a frame but removes at most one (a lost
        # time datagram merges two frames).
        check(p.frames() >= sent - injected - KEYFRAME_INTERVAL - 1,
              "only %d of %d frames delivered with %d losses" % (p.frames(), sent, injected))


def case_loss_drop():
    loss_case("loss-drop", "drop-until-keyframe", 0.01)


def case_loss_pass():
    loss_case("loss-pass", "pass-corrupted", 0.01)


def case_loss_heavy():
    loss_case("loss-heavy", "drop-until-keyframe", 0.05)


def case_burst_loss():
    p, sim, st = stream(["--burst-loss", 4, "--burst-every", 20], seconds=5.0)
    report("burst-loss", p, sim, st)
    assert_clean_run(p, st)
    assert_drop_policy(p)
    injected = sim.counter("burst_lost")
    check(injected >= 8, "the emulator injected %d burst losses" % injected)
    # A burst after the last datagram received would be invisible.
    check(injected - 4 <= st["lost"] <= injected, "lost %d, injected %d in bursts" % (st["lost"], injected))
    # Every burst destroys at least one frame; output resumes (DISCONT) at
    # the next keyframe, once per GOP hit however many bursts it took.
    check(st["dropped-frames"] >= injected // 4, "%d bursts, %d frames dropped" % (injected // 4, st["dropped-frames"]))
    check(st["discontinuities"] >= 2, "bursts without a discont")


def case_reorder():
    p, sim, st = stream(["--reorder", 0.02], seconds=5.0, seed=3)
    report("reorder", p, sim, st)
    assert_clean_run(p, st)
    assert_drop_policy(p)
    assert_datagram_count(sim, st)
    injected = sim.counter("reordered")
    check(injected > 0, "no reorder injected")
    # A swapped pair is seen as one gap, then the late one fills it.
    check(st["reordered"] == injected, "reordered %d, injected %d" % (st["reordered"], injected))
    check(st["lost"] == 0, "reorder counted as %d lost" % st["lost"])


def case_duplicate():
    p, sim, st = stream(["--duplicate", 0.02], seconds=5.0, seed=4)
    report("duplicate", p, sim, st)
    assert_clean_run(p, st)
    assert_drop_policy(p)
    assert_datagram_count(sim, st)
    injected = sim.counter("duplicated")
    check(injected > 0, "no duplicate injected")
    check(st["duplicates"] == injected, "duplicates %d, injected %d" % (st["duplicates"], injected))
    check(st["lost"] == 0 and st["dropped-frames"] == 0, "duplicates caused loss or drops")
    check(st["discontinuities"] <= 1, "duplicates caused %d disconts" % st["discontinuities"])


def malformed_case(name, option):
    p, sim, st = stream([option, 0.02], seconds=5.0, seed=5)
    report(name, p, sim, st)
    assert_clean_run(p, st)
    assert_drop_policy(p)
    assert_datagram_count(sim, st)
    injected = sim.counter(name.replace("-", "_") if name != "truncate" else "truncated")
    check(injected > 0, "nothing injected")
    check(st["malformed"] == injected, "malformed %d, injected %d" % (st["malformed"], injected))
    check(st["dropped-frames"] > 0, "malformed datagrams damaged no frame")


def case_truncate():
    malformed_case("truncate", "--truncate")


def case_bad_magic():
    malformed_case("bad-magic", "--bad-magic")


def case_bad_length():
    malformed_case("bad-length", "--bad-length")


def case_junk():
    """After every 10th frame, eight datagrams that are not part of the
    stream (--junk-every): each is counted and ignored, no frame is lost."""
    p, sim, st = stream(["--junk-every", 10], seconds=5.0, seed=19)
    report("junk", p, sim, st)
    assert_clean_run(p, st)
    assert_drop_policy(p)
    assert_datagram_count(sim, st)
    runs = sim.counter("junk_sent") // 8
    check(runs >= 10, "the emulator sent junk %d times" % runs)
    # Seven of the eight kinds do not parse; the eighth, a stray sequence
    # number, is ignored once the next datagram does not continue it (the
    # last one may still be on probation at the end).
    check(st["malformed"] == 7 * runs, "malformed %d for %d junk runs" % (st["malformed"], runs))
    check(runs - 1 <= st["strays"] <= runs, "strays %d for %d junk runs" % (st["strays"], runs))
    check(st["lost"] == 0 and st["dropped-frames"] == 0, "junk damaged the stream: %s" % st)
    discont = [i for i, b in enumerate(p.buffers) if b[1] & Gst.BufferFlags.DISCONT]
    check(discont == [0], "DISCONT on buffers %s (only the first may have it)" % discont)
    # All but the frames before the first keyframe, and at least 99 %.
    sent = frames_sent(sim)
    check(p.frames() >= 0.99 * (sent - KEYFRAME_INTERVAL - 1), "%d of %d frames delivered" % (p.frames(), sent))


def disconnect_case(name, *faults):
    p = Pipeline(reconnect_backoff=100)
    port = p.ready()
    sim = IpcamSim(*sim_args(11, "--preview-port", port, *faults))
    sim.start()
    try:
        p.play(sim.control_port)
        check(p.pump(10.0, until=lambda: p.stats()["reconnects"] >= 1), "no reconnect within 10 s")
        before = p.frames()
        check(p.pump(5.0, until=lambda: p.frames() >= before + 2 * KEYFRAME_INTERVAL),
              "frames stopped after the reconnect (%d -> %d)" % (before, p.frames()))
    finally:
        sim.stop()
    p.settle()
    st = p.stats()
    p.stop()
    report(name, p, sim, st)
    assert_drop_policy(p)
    check(not p.errors(), "errors on the bus: %s" % p.errors())
    check(not p.errors("dec", kinds=("error", "warning")), "decoder complained: %s" % p.errors("dec", ("warning",)))
    warned = [m for m in p.errors("src", kinds=("warning",)) if "reconnecting" in m[2]]
    check(warned, "no 'reconnecting' warning from ipcamsrc")
    check(sim.counter("sessions_dropped_fault") >= 1, "the emulator did not drop the session")
    check(p.decoded >= p.frames() - 2, "decoded %d of %d" % (p.decoded, p.frames()))
    assert_monotonic_pts(p)


def case_drop_connection():
    disconnect_case("drop-connection", "--drop-after-frames", 45)


def case_drop_mid_frame():
    disconnect_case("drop-mid-frame", "--drop-after-frames", 45, "--drop-mid-frame")


def case_no_alive():
    # The camera never asks; ipcamsrc keeps the session alive on its own.
    p, sim, st = stream(["--no-alive", "--alive-timeout", 1500], seconds=4.0, keepalive_interval=500)
    report("no-alive", p, sim, st)
    assert_clean_run(p, st)
    check(sim.counter("clients_dropped_alive") == 0, "the emulator dropped the client for silence")
    check(st["reconnects"] == 0, "reconnected %d times" % st["reconnects"])


def case_slow_replies():
    # Replies 1.5 s late, inside the 4 s timeout: slow but working.
    p, sim, st = stream(["--reply-delay", 1500], seconds=3.0, timeout=4000)
    report("slow-replies", p, sim, st)
    assert_clean_run(p, st)


def fatal_case(name, faults, expect_words, limit_s, **props):
    p = Pipeline(reconnect_attempts=0, **props)
    port = p.ready()
    sim = IpcamSim(*sim_args(13, "--preview-port", port, *faults))
    sim.start()
    t0 = time.monotonic()
    try:
        p.play(sim.control_port)
        got = p.pump(limit_s + 5.0, until=lambda: p.errors())
    finally:
        sim.stop()
    took = time.monotonic() - t0
    p.stop()
    report(name, p, sim, p.stats())
    check(got, "no error within %.0f s" % (limit_s + 5.0))
    check(took <= limit_s + 2.0, "the error took %.1f s (limit %.1f s)" % (took, limit_s))
    text = p.errors()[0][2].lower()
    check(p.errors()[0][1] == "src", "the error came from %s, not ipcamsrc" % p.errors()[0][1])
    for w in expect_words:
        check(w in text, "error %r does not say %r" % (text, w))
    check(p.frames() == 0, "frames flowed from a camera that should not stream")


def case_refuse_login():
    fatal_case("refuse-login", ["--refuse-login"], ["refused", "password"], 3.0)


def case_silent():
    fatal_case("silent", ["--silent"], ["no answer", "1000 ms"], 1.0, timeout=1000)


def case_foreign_protocol():
    fatal_case("foreign-protocol", ["--foreign-protocol"], ["not an ipcam"], 3.0)


def case_slow_replies_past_timeout():
    fatal_case("slow-past-timeout", ["--reply-delay", 3000], ["no answer"], 1.0, timeout=1000)


def case_clock_jump():
    p, sim, st = stream(["--clock-jump", 100000, "--clock-jump-at", 40], seconds=4.0)
    report("clock-jump", p, sim, st)
    assert_clean_run(p, st)
    check(sim.counter("clock_jumps") >= 1, "no clock jump injected")
    # The jump re-anchors: PTS keep going at the frame rate, no 100 s gap.
    assert_monotonic_pts(p, max_gap_s=0.2)


def case_clock_wrap():
    # The 32-bit millisecond clock wraps 2 s into the run.
    p, sim, st = stream([], seconds=4.0, sim_extra=["--clock-start", 2**32 - 2000])
    report("clock-wrap", p, sim, st)
    assert_clean_run(p, st)
    assert_monotonic_pts(p, max_gap_s=0.1)


def case_foreign_sender():
    """Datagrams from 127.0.0.2 to ipcamsrc's preview port never reach it:
    the preview socket is connected to the camera (127.0.0.1, any port), so
    the kernel drops other senders before ipcamsrc reads anything."""
    p = Pipeline()
    port = p.ready()
    sim = IpcamSim(*sim_args(17, "--preview-port", port))
    sim.start()
    sent = 0
    try:
        p.play(sim.control_port)
        check(p.pump(10.0, until=lambda: p.frames() > 0), "no frame within 10 s")
        intruder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        intruder.bind(("127.0.0.2", 0))
        # Well-formed datagrams with sequence numbers far ahead: if accepted
        # they would count as losses and break frames.
        for i in range(200):
            payload = b"\x00\x00\x00\x01\x65" + bytes(100)
            head = bytes([0xBC, 0xDE]) + len(payload).to_bytes(2, "big") + (30000 + i).to_bytes(2, "big") + b"\x00\x01"
            intruder.sendto(head + payload, ("127.0.0.1", port))
            sent += 1
            if i % 20 == 0:
                p.pump(0.05)
        intruder.close()
        p.pump(1.0)
    finally:
        sim.stop()
    p.settle()
    st = p.stats()
    p.stop()
    report("foreign-sender", p, sim, st)
    assert_clean_run(p, st)
    check(sent == 200, "sent %d of 200 from 127.0.0.2" % sent)
    check(st["foreign"] == 0, "%d of the %d datagrams from 127.0.0.2 reached ipcamsrc" % (st["foreign"], sent))
    check(st["lost"] == 0 and st["malformed"] == 0 and st["dropped-frames"] == 0,
          "foreign datagrams reached the assembler: %s" % st)
    # Exactly the emulator's datagrams reached the assembler, not one more.
    check(st["datagrams"] + st["kernel-drops"] == sim.counter("datagrams_sent"),
          "ipcamsrc counted %d datagrams (+%d kernel drops), the emulator sent %d"
          % (st["datagrams"], st["kernel-drops"], sim.counter("datagrams_sent")))


CASES = {name[5:].replace("_", "-"): fn for name, fn in sorted(globals().items()) if name.startswith("case_")}


def main(argv):
    if len(argv) != 2 or argv[1] not in CASES and argv[1] != "--list":
        print("usage: fault_matrix.py CASE|--list\ncases: " + " ".join(CASES))
        return 2
    if argv[1] == "--list":
        print("\n".join(CASES))
        return 0
    Gst.init(None)
    # A SIGTERM (meson timeout, Ctrl-C in a script) unwinds, so the emulator is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        CASES[argv[1]]()
    except CaseFailed as e:
        print("FAIL %s: %s" % (argv[1], e))
        return 1
    print("PASS %s" % argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
