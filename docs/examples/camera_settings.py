#!/usr/bin/python3
"""A WiFi action camera's settings, card and events from Python, through
ipcamsrc: what the phone app shows, on a Raspberry Pi.

    python3 camera_settings.py [ADDRESS]                      # print the settings and the card
    python3 camera_settings.py 192.168.1.1 --set exposure=2   # set one (or more), then print
    python3 camera_settings.py 192.168.1.1 --events 60        # also print the camera's events for 60 s
    python3 camera_settings.py 127.0.0.1 --control-port 16666 --http-port 18080   # ipcam-sim

It reads camera-settings once the camera is connected, sets each --set
NAME=INDEX with the set-setting signal (an index is a position in the
camera's own menu: see docs/settings.md), asks get-storage for the card's
fill, and prints ipcam-camera-event messages (card pulled out or put back,
card full, ...) as they come. The camera's clock is left alone
(sync-clock=false) unless --sync-clock is given.

Needs python3-gi, GStreamer's base plugins and the ipcam plugin
(GST_PLUGIN_PATH, or `meson devenv -C build`). Exit status: 0, or 1 when
the camera could not be reached or a setting was not taken.
"""

import argparse
import sys
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402


def wait_connected(pipeline, timeout):
    """Waits for ipcamsrc's ipcam-connected message; raises on an ERROR."""
    bus = pipeline.get_bus()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = deadline - time.monotonic()
        msg = bus.timed_pop_filtered(int(left * Gst.SECOND), Gst.MessageType.ERROR | Gst.MessageType.ELEMENT)
        if msg is None:
            break
        if msg.type == Gst.MessageType.ERROR:
            err, _ = msg.parse_error()
            raise RuntimeError(err.message)
        if msg.get_structure().get_name() == "ipcam-connected":
            return
    raise RuntimeError("the camera did not connect within %d s" % timeout)


def print_settings(src):
    settings = src.get_property("camera-settings")
    print("firmware:", settings.get_string("firmware"))
    for i in range(settings.n_fields()):
        name = settings.nth_field_name(i)
        if name != "firmware":
            print("  %-22s %d" % (name, settings.get_value(name)))


def human(size):
    """Bytes as the camera's menu would show them (decimal units)."""
    if size < 1000:
        return "%d B" % size
    for unit in ("KB", "MB", "GB", "TB"):
        size /= 1000.0
        if size < 1000 or unit == "TB":
            return "%.1f %s" % (size, unit)


def print_events(pipeline, seconds):
    """Prints the camera's events (and any warning) for `seconds`."""
    bus = pipeline.get_bus()
    deadline = time.monotonic() + seconds
    kinds = Gst.MessageType.ELEMENT | Gst.MessageType.WARNING | Gst.MessageType.ERROR
    while time.monotonic() < deadline:
        # Short waits, so that Ctrl+C (handled between them) ends at once.
        left = min(deadline - time.monotonic(), 0.25)
        msg = bus.timed_pop_filtered(int(max(left, 0) * Gst.SECOND), kinds)
        if msg is None:
            continue
        if msg.type == Gst.MessageType.ERROR:
            raise RuntimeError(msg.parse_error()[0].message)
        if msg.type == Gst.MessageType.WARNING:
            print("warning:", msg.parse_warning()[0].message, flush=True)
            continue
        s = msg.get_structure()
        if s.get_name() == "ipcam-camera-event":
            line = "event: " + s.get_string("event")
            if s.has_field("file"):
                line += " " + s.get_string("file")
            print(line, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("address", nargs="?", default="", help="camera address (empty: discover)")
    ap.add_argument("--control-port", type=int, default=6666)
    ap.add_argument("--http-port", type=int, default=80)
    ap.add_argument("--preview-port", type=int, default=6669)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=INDEX", help="a setting to set (repeatable)")
    ap.add_argument("--events", type=float, default=0, metavar="SECONDS", help="print the camera's events this long")
    ap.add_argument("--sync-clock", action="store_true", help="set the camera's clock from this computer's")
    args = ap.parse_args()

    Gst.init(None)
    pipeline = Gst.parse_launch("ipcamsrc name=cam ! fakesink sync=false")
    src = pipeline.get_by_name("cam")
    src.set_property("address", args.address)
    src.set_property("control-port", args.control_port)
    src.set_property("http-port", args.http_port)
    src.set_property("preview-port", args.preview_port)
    src.set_property("sync-clock", args.sync_clock)
    pipeline.set_state(Gst.State.PLAYING)
    status = 0
    try:
        wait_connected(pipeline, 20)
        for item in args.set:
            name, _, index = item.partition("=")
            if not src.emit("set-setting", name, int(index)):
                print("%s=%s not taken: %s" % (name, index, src.get_property("last-error").get_string("error")))
                status = 1
        print_settings(src)
        storage = src.emit("get-storage")
        if storage:
            remaining, total = storage.get_uint64("remaining")[1], storage.get_uint64("total")[1]
            print("card: %s free of %s" % (human(remaining), human(total)), flush=True)
        else:
            print("card:", src.get_property("last-error").get_string("error"), flush=True)
        print_events(pipeline, args.events)
    except (RuntimeError, KeyboardInterrupt) as e:
        if isinstance(e, RuntimeError):
            print("error:", e, file=sys.stderr)
            status = 1
    finally:
        pipeline.set_state(Gst.State.NULL)
    return status


if __name__ == "__main__":
    sys.exit(main())
