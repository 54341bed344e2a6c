#!/usr/bin/python3
"""Fault matrix, RTSP part: camera disconnects injected by ipcam-sim, run
through ipcam-rtsp-server and watched by a GStreamer RTSP client in this
process (rtspsrc protocols=tcp ! rtph264depay ! h264parse ! avdec_h264 !
fakesink), with what a viewer would see asserted (docs/robustness.md,
"Fault matrix through ipcam-rtsp-server").

    rtsp_faults.py CASE      run one case (exit 0 = pass)
    rtsp_faults.py --list    list the cases

Run through meson (suite 'faults'): it sets IPCAM_SIM, IPCAM_SAMPLE_H264,
PYTHONPATH, IPCAM_RTSP_SERVER, GST_PLUGIN_PATH_1_0 and
GST_REGISTRY_1_0. Without IPCAM_RTSP_SERVER (the server is not built) every
case is skipped.
"""

import datetime
import os
import re
import signal
import sys
import threading
import time

import gi

from ipcamtest.rtsp_rig import Rig

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

# A password nobody would print by accident (the default 12345 could hide in
# a port number or a counter): the server's stderr must never contain it.
PASSWORD = "Qx7-rtsp-faults-secret"

# The sample stream: 30 fps, a keyframe every 30 frames. Inside one camera
# session the PTS step is one frame (33 ms); a reconnect leaves a hole of at
# least the back-off (200 ms) plus a login. A PTS step above GAP_S starts a
# new "segment" of the client's stream.
GAP_S = 0.15
# Frames must be decoded again within this long after the server saw the
# camera drop (a 200 ms back-off, a login, the next keyframe and the
# client's 200 ms jitter buffer take well under a second on an idle machine).
RESUME_S = 5.0

# GLib's default log lines on the server's stderr: "ipcam-Message: HH:MM:SS.mmm:
# text", or "(prog:pid): domain-WARNING **: HH:MM:SS.mmm: text".
_GLIB_LINE = r"^(?:\(\S+\): )?\S+-%s(?: \*\*)?: (\d\d):(\d\d):(\d\d)\.(\d{3}): (%s)$"
GAVE_UP_RE = re.compile(_GLIB_LINE % ("WARNING", ".*gave up.*"))
# What the server relays from its ipcamsrc (bus messages of the media).
CAMERA_LOST_RE = re.compile(_GLIB_LINE % ("Message", r"camera: Lost the camera \(.+\); reconnecting\."))
RECONNECTED_RE = re.compile(_GLIB_LINE % ("Message", r"camera: reconnected \(attempt \d+\); clients keep watching"))
CAMERA_ERROR_RE = re.compile(_GLIB_LINE % ("WARNING", r"camera: Lost the camera .+ could not reconnect .+"))


class CaseFailed(AssertionError):
    pass


def check(cond, what):
    if not cond:
        raise CaseFailed(what)


def glib_time(h, m, s, ms):
    """A GLib log timestamp (local time of day) as a time.time() value."""
    now = datetime.datetime.now()
    t = now.replace(hour=int(h), minute=int(m), second=int(s), microsecond=int(ms) * 1000)
    if (t - now).total_seconds() > 12 * 3600:
        t -= datetime.timedelta(days=1)
    elif (now - t).total_seconds() > 12 * 3600:
        t += datetime.timedelta(days=1)
    return t.timestamp()


def server_lines(text, regex):
    """(time, text) of the server's stderr lines that match `regex`."""
    out = []
    for line in text.splitlines():
        m = regex.match(line)
        if m:
            out.append((glib_time(*m.groups()[:4]), m.group(5)))
    return out


class Client:
    """rtspsrc ! rtph264depay ! h264parse ! avdec_h264 ! fakesink, with a
    probe after h264parse (every access unit: arrival, PTS, keyframe), a
    probe on the sink (every decoded picture: arrival, PTS) and a bus log."""

    def __init__(self, url):
        # buffer-mode=none: the PTS out of rtspsrc follow the server's RTP
        # timestamps alone, so a hole in them is a hole in the server's
        # stream, not scheduling jitter on this busy machine (the bytes the
        # decoder sees are the same in every mode).
        self.pipeline = Gst.parse_launch(
            "rtspsrc name=rtsp location=%s protocols=tcp latency=200 buffer-mode=none ! rtph264depay name=depay ! "
            "h264parse name=parse ! avdec_h264 name=dec max-threads=1 ! fakesink name=sink sync=false" % url)
        self.lock = threading.Lock()
        self.parsed = []   # (time.time(), pts, keyframe)
        self.decoded = []  # (time.time(), pts)
        self.messages = []  # (time.time(), kind, source, text)
        self.eos_at = None
        self.stopped_at = None
        self.pipeline.get_by_name("parse").get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, self._on_parsed)
        self.pipeline.get_by_name("sink").get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, self._on_decoded)
        self.bus = self.pipeline.get_bus()

    def _on_parsed(self, pad, info):
        b = info.get_buffer()
        key = not b.has_flags(Gst.BufferFlags.DELTA_UNIT)
        with self.lock:
            self.parsed.append((time.time(), b.pts, key))
        return Gst.PadProbeReturn.OK

    def _on_decoded(self, pad, info):
        b = info.get_buffer()
        with self.lock:
            self.decoded.append((time.time(), b.pts))
        return Gst.PadProbeReturn.OK

    def play(self):
        check(self.pipeline.set_state(Gst.State.PLAYING) != Gst.StateChangeReturn.FAILURE, "client: PLAYING failed")

    def poll_bus(self):
        while True:
            msg = self.bus.pop()
            if not msg:
                return
            name = msg.src.get_name() if msg.src else "?"
            if msg.type == Gst.MessageType.ERROR:
                err, dbg = msg.parse_error()
                self.messages.append((time.time(), "error", name, err.message))
            elif msg.type == Gst.MessageType.WARNING:
                err, dbg = msg.parse_warning()
                self.messages.append((time.time(), "warning", name, err.message))
            elif msg.type == Gst.MessageType.EOS:
                self.eos_at = self.eos_at or time.time()
                self.messages.append((time.time(), "eos", name, ""))

    def errors(self, sources=None, kinds=("error",)):
        return [m for m in self.messages if m[1] in kinds and (sources is None or m[2] in sources)]

    def ended(self):
        """The client's stream ended: ERROR or EOS on its bus."""
        return self.eos_at is not None or bool(self.errors())

    def n_decoded(self):
        with self.lock:
            return len(self.decoded)

    def stop(self, limit=10.0):
        """Sets NULL in a thread: a hang is a failure, not a stuck test."""
        done = threading.Event()

        def to_null():
            self.pipeline.set_state(Gst.State.NULL)
            done.set()

        self.stopped_at = time.time()
        threading.Thread(target=to_null, daemon=True).start()
        check(done.wait(limit), "client: setting the pipeline to NULL hung for %.0f s" % limit)
        self.poll_bus()

    def segments(self):
        """The access units out of h264parse, split where the PTS jumps by
        more than GAP_S (a new camera session, or frames dropped until a
        keyframe): a list of lists of (arrival, pts, keyframe)."""
        with self.lock:
            parsed = list(self.parsed)
        segs = []
        last = None
        for entry in parsed:
            pts = entry[1]
            if last is None or pts - last > GAP_S * Gst.SECOND:
                segs.append([])
            segs[-1].append(entry)
            last = pts
        return segs


def wait(rig, client, seconds, until, what):
    """Polls the client's bus (and the server's health) until `until()`;
    fails after `seconds`. No fixed sleeps: every wait has a condition."""
    deadline = time.monotonic() + seconds
    while True:
        if client:
            client.poll_bus()
        check(rig.server.proc.poll() is None, "the server exited (%s) while %s" % (rig.server.proc.returncode, what))
        if until():
            return
        check(time.monotonic() < deadline, "timed out after %.0f s waiting for %s" % (seconds, what))
        time.sleep(0.05)


def status(rig):
    try:
        return rig.status()
    except Exception as e:  # noqa: BLE001 - a status that does not answer is a failure
        raise CaseFailed("GET /status failed: %s" % e)


def finish(rig, clients):
    """Stops the clients, the server and the emulator (whatever happened
    before), keeps the server's stderr in rig.err_text, prints a report."""
    try:
        for c in clients:
            if c.stopped_at is None:
                c.stop()
    finally:
        rig.stop_server()
        rig.sim.stop()
        rig.err_text = rig.server.stderr()
        report(rig, clients)


def report(rig, clients):
    print("ipcam-sim counters %s" % (rig.sim.stats or {}).get("counters", {}))
    for i, client in enumerate(clients):
        segs = client.segments()
        print("client %d: %d access units, %d decoded, %d segments (access units, first) %s; bus %s" %
              (i + 1, len(client.parsed), len(client.decoded), len(segs),
               [(len(s), "key" if s[0][2] else "DELTA") for s in segs], [m[1:] for m in client.messages]))
    print("server exit %r after %.1f s; stderr:\n%s" % (rig.server_exit, rig.shutdown_seconds or 0,
                                                        rig.err_text.rstrip()))


# ---------------------------------------------------------------- assertions

def assert_clean_client(client, allow_end=False):
    """No ERROR from anywhere (the server keeps the client's session across
    camera drops), and never a warning from the depayloader, parser or
    decoder. With `allow_end` (give-up) only the RTSP source may end it."""
    dec = client.errors(("depay", "parse", "dec"), kinds=("error", "warning"))
    check(not dec, "the client's depayloader/parser/decoder complained: %s" % dec)
    if allow_end:
        others = [m for m in client.errors() if m[2] != "rtsp"]
        check(not others, "errors on the client's bus not from rtspsrc: %s" % others)
    else:
        check(not client.errors(), "errors on the client's bus: %s" % client.errors())
        check(client.eos_at is None, "the client's stream ended (EOS) while the camera came back")


def assert_segments(client, last_partial=True):
    """Every segment of the client's stream (each camera session, or a
    resumption after dropped frames) starts at a keyframe, its first
    decoded picture is that keyframe, and every access unit of it was
    decoded (the very last may be in flight when the client stops)."""
    segs = client.segments()
    check(segs, "the client received no access unit")
    with client.lock:
        decoded_pts = [d[1] for d in client.decoded]
    pts_all = [p[1] for p in client.parsed]
    check(all(b > a for a, b in zip(pts_all, pts_all[1:])), "PTS out of h264parse not increasing")
    decoded_set = set(decoded_pts)
    for i, seg in enumerate(segs):
        check(seg[0][2], "segment %d of the client's stream (%d access units) starts with a delta frame" %
              (i, len(seg)))
        first_pts, last_pts = seg[0][1], seg[-1][1]
        in_seg = [p for p in decoded_pts if first_pts <= p <= last_pts]
        check(in_seg and in_seg[0] == first_pts,
              "segment %d: the first decoded picture is not its keyframe" % i)
        missing = [p for p in seg if p[1] not in decoded_set]
        allowed = 2 if (last_partial and i == len(segs) - 1) else 0
        check(len(missing) <= allowed, "segment %d: %d of %d access units not decoded" %
              (i, len(missing), len(seg)))
    return segs


def assert_resumed_after(client, segs, drops):
    """After each camera drop the server saw (while the client watched), a
    new segment starts and its keyframe is decoded within RESUME_S."""
    with client.lock:
        decoded = list(client.decoded)
    for k, (t_drop, _text) in enumerate(drops):
        after = [s for s in segs if s[0][0] > t_drop]
        check(after, "drop %d at %s: no new segment after it" % (k + 1, time.strftime("%T", time.localtime(t_drop))))
        key_pts = after[0][0][1]
        t_dec = next((t for t, p in decoded if p == key_pts), None)
        check(t_dec is not None, "drop %d: the keyframe after it was never decoded" % (k + 1))
        check(t_dec - t_drop <= RESUME_S, "drop %d: decoding resumed only %.2f s after the drop (limit %.1f s)" %
              (k + 1, t_dec - t_drop, RESUME_S))
        print("drop %d: keyframe decoded %.2f s after the server saw the drop" % (k + 1, t_dec - t_drop))


def assert_server_stderr(rig, drops_at_least, drops_at_most=None):
    """One clear message per camera drop the server noticed, saying why, and
    never the camera password; the server still ran until the test stopped
    it and exited 0."""
    drops_at_most = drops_at_least if drops_at_most is None else drops_at_most
    check(rig.server_exit == 0, "the server exited with %r on SIGTERM" % (rig.server_exit,))
    err = rig.err_text
    check(PASSWORD not in err, "the server printed the camera password")
    lost = server_lines(err, CAMERA_LOST_RE)
    check(drops_at_least <= len(lost) <= drops_at_most, "%d 'camera: Lost the camera' messages for %d..%d drops" %
          (len(lost), drops_at_least, drops_at_most))
    for _t, text in lost:
        check("(the camera closed the connection)" in text, "the loss message does not say why: %r" % text)
    check("CRITICAL" not in err, "a CRITICAL message from the server:\n" + err)


# ---------------------------------------------------------------- cases

FRAMES_PER_SESSION = 45
# Frames at the end of a dropped session that may not reach the client
# (a last frame whose last piece is exactly full-size waits for a time
# datagram that never comes; see drop_case).
SESSION_TAIL_LOSS = 1


def drop_case(name, *sim_faults, drops_to_watch=3):
    """The camera drops every session after 45 frames (1.5 s); the client
    watches `drops_to_watch` drops and the session after the last one."""
    # 200-byte datagrams: a frame spans several (the sample's delta frames
    # are ~700 bytes), so --drop-mid-frame really cuts one in half.
    with Rig(sim_args=["--password", PASSWORD, "--datagram-size", 200, "--drop-after-frames", FRAMES_PER_SESSION,
                       *sim_faults],
             server_args=["--password", PASSWORD, "--reconnect-backoff", 200], linger=0) as rig:
        client = Client(rig.url)
        try:
            client.play()
            wait(rig, client, 15, lambda: client.n_decoded() > 0, "the first decoded frame")
            seen = {"reconnects": 0}

            def reconnected():
                s = status(rig)
                r = s.get("stats", {}).get("reconnects", 0)
                lost = len(server_lines(rig.server.stderr(), CAMERA_LOST_RE))  # read after the status
                check(r <= lost, "/status: %d reconnects but the server saw %d drops" % (r, lost))
                seen["reconnects"] = max(seen["reconnects"], r)
                check(s["clients"] == 1, "status: %d clients, expected 1" % s["clients"])
                return seen["reconnects"] >= drops_to_watch
            wait(rig, client, 20, reconnected, "%d reconnects in /status" % drops_to_watch)
            # Frames of the session after the last reconnect: 10 decoded
            # pictures in the newest segment.
            wait(rig, client, RESUME_S + 2,
                 lambda: len(client.segments()) >= drops_to_watch + 1 and
                 len([d for d in client.decoded if d[1] >= client.segments()[-1][0][1]]) >= 10,
                 "decoded frames after reconnect %d" % drops_to_watch)
            last = status(rig)["stats"]
            lost = len(server_lines(rig.server.stderr(), CAMERA_LOST_RE))
            # Every drop the server saw was followed by a reconnect (or one
            # is under way), and each session start was a discontinuity at
            # a keyframe in the server's ipcamsrc.
            check(last["reconnects"] <= lost <= last["reconnects"] + 1,
                  "/status: %d reconnects for %d drops seen" % (last["reconnects"], lost))
            check(last["discontinuities"] >= last["reconnects"] + 1 and last["keyframes"] >= last["reconnects"] + 1,
                  "/status: a reconnect without a discontinuity or keyframe: %s" % last)
            # Leave at once: with --linger 0 the camera is released before the
            # next drop (1.5 s into the session), so normally every drop was
            # followed by a reconnect.
            client.stop()
            wait(rig, None, 10, lambda: not status(rig)["camera"]["connected"], "the camera to be released")
            st = status(rig)
            check(st["clients"] == 0 and st["stats"] == {}, "status after the client left: %s" % st)
            all_lost = server_lines(rig.server.stderr(), CAMERA_LOST_RE)
        finally:
            finish(rig, [client])
    assert_clean_client(client)
    segs = assert_segments(client)
    drops = rig.sim.counter("sessions_dropped_fault")
    previews = rig.sim.counter("preview_starts")
    logins = rig.sim.counter("logins_accepted")
    check(drops >= drops_to_watch, "the emulator dropped %d sessions, expected >= %d" % (drops, drops_to_watch))
    # The drops before the session the client saw last (one more may have
    # come while the client was leaving: it had no session after it).
    watched_drops = [d for d in all_lost if d[0] < segs[-1][0][0]]
    check(len(watched_drops) >= drops_to_watch, "the server saw %d drops while the client watched" %
          len(watched_drops))
    assert_resumed_after(client, segs, watched_drops)
    # One segment per camera session: nothing else broke the stream.
    check(len(segs) == len(watched_drops) + 1, "%d segments for %d drops" % (len(segs), len(watched_drops)))
    # Each session after a reconnect reached the client whole: the camera
    # sends 45 frames and ipcamsrc reads what is queued before it resets for
    # the reconnect (it used to drop the last 2 of every session). The
    # margin of 1 covers a last frame whose last piece is exactly full-size
    # (it ends only at the next time datagram, which never comes). A lost
    # keyframe would cost a whole GOP (30 frames).
    for i, seg in enumerate(segs[1:-1], 1):
        check(FRAMES_PER_SESSION - SESSION_TAIL_LOSS <= len(seg) <= FRAMES_PER_SESSION,
              "session %d: the client got %d access units, the camera sent %d" % (i + 1, len(seg), FRAMES_PER_SESSION))
    assert_server_stderr(rig, previews - 1, drops)  # the last drop may come unnoticed, as the camera is released
    # Counters: every session but maybe the last ended in a fault drop (the
    # last one normally ends when the camera is released).
    check(previews in (drops, drops + 1), "%d preview starts for %d drops" % (previews, drops))
    check(last["frames"] <= rig.sim.counter("frames_sent"), "/status: %d frames, the camera sent %d" %
          (last["frames"], rig.sim.counter("frames_sent")))
    reconnected_last = previews == drops + 1
    if not reconnected_last:
        print("note: the last drop came before the release; no reconnect after it")
    # The server says what its ipcamsrc went through: one "reconnected" per
    # new camera session, one "Lost the camera" per drop it noticed (the
    # last drop may come as the camera is released, unnoticed).
    reconnected = server_lines(rig.err_text, RECONNECTED_RE)
    check(len(reconnected) == previews - 1, "%d 'camera: reconnected' messages for %d camera sessions" %
          (len(reconnected), previews))
    camera_lost = server_lines(rig.err_text, CAMERA_LOST_RE)
    check(previews - 1 <= len(camera_lost) <= drops, "%d 'camera: Lost the camera' messages for %d drops" %
          (len(camera_lost), drops))
    # The start-up check, the stream, and one login per reconnect; never a
    # second concurrent client.
    expected = 2 + drops if reconnected_last else 1 + drops
    check(logins == expected, "logins_accepted %d, expected %d (check + stream + one per reconnect)" %
          (logins, expected))
    check(seen["reconnects"] >= drops_to_watch and seen["reconnects"] <= previews - 1,
          "/status reconnects %d for %d drops, %d sessions" % (seen["reconnects"], drops, previews))
    check(rig.sim.counter("busy_refused") == 0, "the camera saw a second client")
    check(rig.sim.counter("logins_refused") == 0, "a login was refused")
    check(rig.sim.counter("clients_dropped_alive") == 0, "the camera dropped the server for silence")


def case_drop_connection():
    drop_case("drop-connection")


def case_drop_mid_frame():
    drop_case("drop-mid-frame", "--drop-mid-frame")


def case_no_alive():
    """The camera never asks for keep-alives and drops a client silent for
    8 s; the server's stream (ipcamsrc's own keep-alive every 5 s) must
    not be dropped in 12 s of watching."""
    watch_s = 12.0
    with Rig(sim_args=["--password", PASSWORD, "--no-alive", "--alive-timeout", 8000],
             server_args=["--password", PASSWORD], linger=0) as rig:
        client = Client(rig.url)
        try:
            client.play()
            wait(rig, client, 15, lambda: client.n_decoded() > 0, "the first decoded frame")
            t_end = time.monotonic() + watch_s

            def watched():
                s = status(rig)
                check(s["camera"]["connected"] and s["clients"] == 1, "status while watching: %s" % s)
                check(s["stats"].get("reconnects", 0) == 0, "the server reconnected: %s" % s["stats"])
                return time.monotonic() >= t_end
            wait(rig, client, watch_s + 5, watched, "%.0f s of watching" % watch_s)
            last_decoded = client.decoded[-1][0]
            client.stop()
            check(client.stopped_at - last_decoded < 2.0,
                  "no decoded frame in the last %.1f s of watching" % (client.stopped_at - last_decoded))
            wait(rig, None, 10, lambda: not status(rig)["camera"]["connected"], "the camera to be released")
        finally:
            finish(rig, [client])
    assert_clean_client(client)
    segs = assert_segments(client)
    check(len(segs) == 1, "the stream broke into %d segments without a drop" % len(segs))
    check(len(client.decoded) >= watch_s * 30 / 2, "only %d frames decoded in %.0f s" %
          (len(client.decoded), watch_s))
    assert_server_stderr(rig, 0)
    check(rig.sim.counter("alive_requests_sent") == 0, "the emulator sent alive requests despite --no-alive")
    check(rig.sim.counter("clients_dropped_alive") == 0, "the camera dropped the server for silence")
    check(rig.sim.counter("sessions_dropped_fault") == 0, "a session was dropped")
    check(rig.sim.counter("logins_accepted") == 2, "logins_accepted %d, expected 2 (check + stream)" %
          rig.sim.counter("logins_accepted"))
    check(rig.sim.counter("busy_refused") == 0, "the camera saw a second client")


GIVE_UP_FRAMES = 30


def case_give_up():
    """reconnect-attempts 0: the camera drops the session after 30 frames,
    ipcamsrc gives up, the server closes the client with a clear message,
    stays up and answers /status, and the next client gets the camera
    again (and is closed the same way)."""
    rounds = 2
    with Rig(sim_args=["--password", PASSWORD, "--drop-after-frames", GIVE_UP_FRAMES],
             server_args=["--password", PASSWORD, "--reconnect-attempts", 0], linger=0) as rig:
        clients = []
        try:
            for r in range(rounds):
                client = Client(rig.url)
                clients.append(client)
                client.play()
                wait(rig, client, 15, lambda: client.n_decoded() > 0, "round %d: the first decoded frame" % (r + 1))
                wait(rig, client, 15, client.ended, "round %d: the server to close the client" % (r + 1))
                ended_at = client.eos_at or client.errors()[0][0]
                lost = server_lines(rig.server.stderr(), CAMERA_LOST_RE)
                check(len(lost) == r + 1, "round %d: %d loss messages from the server" % (r + 1, len(lost)))
                check(ended_at - lost[-1][0] <= RESUME_S, "round %d: the client was closed %.1f s after the drop" %
                      (r + 1, ended_at - lost[-1][0]))
                print("round %d: client closed %.2f s after the drop" % (r + 1, ended_at - lost[-1][0]))
                wait(rig, None, 10, lambda: len(server_lines(rig.server.stderr(), GAVE_UP_RE)) == r + 1,
                     "round %d: the server's 'gave up' message" % (r + 1))
                client.stop()
                # The server carries on: /status answers, nobody left, camera free.
                wait(rig, None, 10, lambda: (lambda s: s["clients"] == 0 and not s["camera"]["connected"])(status(rig)),
                     "round %d: clients closed and the camera released" % (r + 1))
                check(status(rig)["stats"] == {}, "round %d: stats of a stream that is gone" % (r + 1))
        finally:
            finish(rig, clients)
    for r, client in enumerate(clients):
        assert_clean_client(client, allow_end=True)
        segs = assert_segments(client)
        check(len(segs) == 1, "round %d: %d segments in one camera session" % (r + 1, len(segs)))
        # The whole session but its last frames (see drop_case).
        check(GIVE_UP_FRAMES - SESSION_TAIL_LOSS <= len(segs[0]) <= GIVE_UP_FRAMES,
              "round %d: the client got %d access units, the camera sent %d" % (r + 1, len(segs[0]), GIVE_UP_FRAMES))
    gave_up = server_lines(rig.err_text, GAVE_UP_RE)
    check(len(gave_up) == rounds, "%d 'gave up' messages for %d rounds" % (len(gave_up), rounds))
    for _t, text in gave_up:
        check("closing every client" in text, "the give-up message does not say the clients are closed: %r" % text)
    # ipcamsrc's own reason, relayed from the media's bus.
    errors = server_lines(rig.err_text, CAMERA_ERROR_RE)
    check(len(errors) == rounds and all("reconnecting is disabled" in t for _t, t in errors),
          "ipcamsrc's reason on the server's stderr: %r" % [t for _t, t in errors])
    assert_server_stderr(rig, rounds)
    # One session per round, each dropped once, never retried.
    check(rig.sim.counter("sessions_dropped_fault") == rounds, "%d sessions dropped, expected %d" %
          (rig.sim.counter("sessions_dropped_fault"), rounds))
    check(rig.sim.counter("logins_accepted") == 1 + rounds, "logins_accepted %d, expected %d (check + one per round)" %
          (rig.sim.counter("logins_accepted"), 1 + rounds))
    check(rig.sim.counter("busy_refused") == 0, "the camera saw a second client")


CASES = {name[5:].replace("_", "-"): fn for name, fn in sorted(globals().items()) if name.startswith("case_")}


def main(argv):
    if len(argv) != 2 or argv[1] not in CASES and argv[1] != "--list":
        print("usage: rtsp_faults.py CASE|--list\ncases: " + " ".join(CASES))
        return 2
    if argv[1] == "--list":
        print("\n".join(CASES))
        return 0
    if not os.environ.get("IPCAM_RTSP_SERVER"):
        print("FAIL %s: IPCAM_RTSP_SERVER is not set" % argv[1])
        return 1
    Gst.init(None)
    # A SIGTERM (meson timeout) unwinds, so the server and the emulator are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    start = time.monotonic()
    try:
        CASES[argv[1]]()
    except CaseFailed as e:
        print("FAIL %s: %s (%.1f s)" % (argv[1], e, time.monotonic() - start))
        return 1
    print("PASS %s (%.1f s)" % (argv[1], time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
