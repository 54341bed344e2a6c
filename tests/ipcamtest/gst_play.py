#!/usr/bin/python3
"""rtspsrc as a careful application plays it: decode FRAMES frames, then
stop without a complaint of rtspsrc's own making.

    gst_play.py URL FRAMES TRANSPORT [--decodebin WIDTH HEIGHT]

Prints each ERROR and WARNING of the bus to stderr as gst-launch-1.0 does
("ERROR: from element PATH: TEXT", then the debug text) and exits 1 on an
error, 2 when FRAMES did not arrive within the deadline, else 0. Nothing is
filtered: a complaint of the depayloader, parser or decoder reaches stderr
through GST_DEBUG (players.GST_DECODER_DEBUG) as it would under gst-launch.

Why not gst-launch-1.0: rtspsrc 1.22 sends its PAUSE from its own thread
when the pipeline leaves PLAYING, and its TEARDOWN when it reaches READY. A
pipeline set to NULL at EOS (what gst-launch does) can send the TEARDOWN
while the PAUSE is being written: rtspsrc flushes its own connection under
the PAUSE and reports "Could not send message. (Received end-of-file)",
before any byte of that PAUSE left the machine (seen about once in six runs
on a loaded machine, against any RTSP server). Here the pipeline goes to
PAUSED, waits for rtspsrc to say its PAUSE request ended, then to NULL.
"""

import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

DEADLINE_S = 40


def report(msg):
    kind = "ERROR" if msg.type == Gst.MessageType.ERROR else "WARNING"
    err, debug = msg.parse_error() if msg.type == Gst.MessageType.ERROR else msg.parse_warning()
    sys.stderr.write("%s: from element %s: %s\n" % (kind, msg.src.get_path_string(), err.message))
    if debug:
        sys.stderr.write("Additional debug info:\n%s\n" % debug)


def main(argv):
    url, frames, transport = argv[1], int(argv[2]), argv[3]
    if len(argv) > 4 and argv[4] == "--decodebin":
        tail = "decodebin ! video/x-raw,width=%s,height=%s" % (argv[5], argv[6])
    else:
        tail = "rtph264depay ! h264parse ! avdec_h264"
    Gst.init(None)
    pipeline = Gst.parse_launch("rtspsrc name=src location=%s protocols=%s ! %s ! identity eos-after=%d ! fakesink"
                                % (url, transport, tail, frames))
    bus = pipeline.get_bus()
    failed = False

    def wait(done, timeout_s):
        """Pops bus messages until done(msg) is true; reports every error
        and warning on the way. False when the deadline passed first."""
        nonlocal failed
        end = Gst.util_get_timestamp() + timeout_s * Gst.SECOND
        while True:
            left = end - Gst.util_get_timestamp()
            if left <= 0:
                return False
            msg = bus.timed_pop(left)
            if msg is None:
                return False
            if msg.type in (Gst.MessageType.ERROR, Gst.MessageType.WARNING):
                report(msg)
                failed = failed or msg.type == Gst.MessageType.ERROR
            if done(msg):
                return True

    pipeline.set_state(Gst.State.PLAYING)
    ended = wait(lambda m: m.type in (Gst.MessageType.EOS, Gst.MessageType.ERROR), DEADLINE_S)

    def pause_request_ended(msg):
        if msg.type == Gst.MessageType.ERROR:
            return True
        if msg.type != Gst.MessageType.PROGRESS or msg.src.get_name() != "src":
            return False
        kind, code, text = msg.parse_progress()
        return code == "request" and "PAUSE" in text and kind in (
            Gst.ProgressType.COMPLETE, Gst.ProgressType.CANCELED, Gst.ProgressType.ERROR)

    if pipeline.set_state(Gst.State.PAUSED) != Gst.StateChangeReturn.FAILURE:
        wait(pause_request_ended, 10)
    pipeline.set_state(Gst.State.NULL)
    while True:  # what the stop itself posted
        msg = bus.pop()
        if msg is None:
            break
        if msg.type in (Gst.MessageType.ERROR, Gst.MessageType.WARNING):
            report(msg)
            failed = failed or msg.type == Gst.MessageType.ERROR
    if failed:
        return 1
    if not ended:
        sys.stderr.write("gst_play: %d frames did not arrive within %d s\n" % (frames, DEADLINE_S))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
