#!/usr/bin/python3
"""Live preview of a WiFi action camera in an OpenCV window.

    docs/examples/opencv_preview.py [ADDRESS]         # a real camera (empty = discover)
    docs/examples/opencv_preview.py --http-port 8081  # ipcam-sim --http-port 8081 on this machine

Keys: s = take a still and fetch the JPEG into the current folder,
r = start/stop recording on the camera's card, q or Esc = quit; Ctrl+C
quits too (exit 130, no traceback).

It runs through its first line, /usr/bin/python3: Debian's Python, where
python3-gi and python3-opencv are (another python3 first on PATH, a
virtualenv or pyenv, has no `gi` module). Needs GStreamer's
base/good/bad/libav plugins and the ipcam plugin (GST_PLUGIN_PATH, or
`meson devenv -C build`).
"""

import argparse
import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402


def frame_from_sample(sample):
    """A GstSample of BGR video as a (height, width, 3) numpy array."""
    s = sample.get_caps().get_structure(0)
    w, h = s.get_value("width"), s.get_value("height")
    buf = sample.get_buffer()
    ok, info = buf.map(Gst.MapFlags.READ)
    if not ok:
        return None
    try:
        stride = len(info.data) // h
        rows = np.frombuffer(info.data, dtype=np.uint8).reshape(h, stride)
        return rows[:, : w * 3].reshape(h, w, 3).copy()
    finally:
        buf.unmap(info)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("address", nargs="?", default="", help="camera address (empty = discover)")
    ap.add_argument("--control-port", type=int, default=6666)
    ap.add_argument("--http-port", type=int, default=80)
    ap.add_argument("--preview-port", type=int, default=6669)
    ap.add_argument("--password", default=os.environ.get("IPCAM_PASSWORD", "12345"))
    args = ap.parse_args()

    Gst.init(None)
    pipeline = Gst.parse_launch(
        "ipcamsrc name=cam ! h264parse ! avdec_h264 ! videoconvert ! "
        "video/x-raw,format=BGR ! appsink name=sink max-buffers=2 drop=true sync=false")
    cam = pipeline.get_by_name("cam")
    cam.set_property("address", args.address)
    cam.set_property("control-port", args.control_port)
    cam.set_property("http-port", args.http_port)
    cam.set_property("preview-port", args.preview_port)
    cam.set_property("password", args.password)
    sink = pipeline.get_by_name("sink")
    bus = pipeline.get_bus()

    # Ctrl+C ends the loop below (between two frames), not the program
    # wherever it happens to be: the camera is released, nothing printed.
    interrupted = []
    signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))

    pipeline.set_state(Gst.State.PLAYING)
    recording = False
    shown = False
    try:
        while not interrupted:
            msg = bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.WARNING)
            if msg and msg.type == Gst.MessageType.ERROR:
                err, _ = msg.parse_error()
                print("error:", err.message, file=sys.stderr)
                return 1
            if msg:
                print("warning:", msg.parse_warning()[0].message, file=sys.stderr)

            sample = sink.emit("try-pull-sample", Gst.SECOND // 10)
            if sample is None:
                continue
            frame = frame_from_sample(sample)
            if frame is None:
                continue
            cv2.imshow("ipcam", frame)
            if not shown:
                print("showing %dx%d frames (q, Esc or Ctrl+C quits)" % (frame.shape[1], frame.shape[0]),
                      file=sys.stderr, flush=True)
                shown = True
            key = cv2.waitKey(1) & 0xFF
            if key in (ord("q"), 27):
                break
            if key == ord("s"):
                path = cam.emit("take-still-fetch", os.getcwd())
                print("still:", path or "failed")
            if key == ord("r"):
                ok = cam.emit("stop-recording" if recording else "start-recording")
                if ok:
                    recording = not recording
                print("recording" if recording else "not recording")
    finally:
        pipeline.set_state(Gst.State.NULL)
        cv2.destroyAllWindows()
    return 130 if interrupted else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl+C before the loop (while loading GStreamer, OpenCV)
        sys.exit(130)
