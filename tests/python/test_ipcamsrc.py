#!/usr/bin/python3
"""ipcamsrc from Python GI: decoded frames through appsink into numpy, and
the action signals, against ipcam-sim. Run by meson with IPCAM_SIM,
IPCAM_SAMPLE_H264, PYTHONPATH and the plugin path set."""

import os
import shutil
import tempfile
import time
import unittest

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

import numpy as np  # noqa: E402

from ipcamtest.sim import IpcamSim  # noqa: E402

Gst.init(None)


class Camera:
    """A pipeline ipcamsrc ! h264parse ! avdec_h264 ! RGB appsink, with its
    preview socket bound (READY) before the emulator starts for it."""

    def __init__(self, *sim_args):
        self.pipeline = Gst.parse_launch(
            "ipcamsrc name=src address=127.0.0.1 preview-port=0 buffer-size=1048576 ! h264parse ! avdec_h264 ! "
            "videoconvert ! video/x-raw,format=RGB ! appsink name=sink sync=false max-buffers=4 drop=true")
        self.src = self.pipeline.get_by_name("src")
        self.sink = self.pipeline.get_by_name("sink")
        self.sim_args = [str(a) for a in sim_args]

    def __enter__(self):
        assert self.pipeline.set_state(Gst.State.READY) == Gst.StateChangeReturn.SUCCESS
        port = self.src.get_property("preview-port")
        assert port != 0
        assert self.src.get_property("buffer-size") == 1048576
        self.sim = IpcamSim("--h264", os.environ["IPCAM_SAMPLE_H264"], "--preview-port", port,
                            *self.sim_args)
        self.sim.start()
        self.src.set_property("control-port", self.sim.control_port)
        self.src.set_property("http-port", self.sim.http_port)
        self.pipeline.set_state(Gst.State.PLAYING)
        return self

    def __exit__(self, *exc):
        self.pipeline.set_state(Gst.State.NULL)
        self.sim.stop()

    def frame(self, timeout=10.0):
        """The next decoded frame as a (height, width, 3) uint8 array."""
        sample = self.sink.emit("try-pull-sample", int(timeout * Gst.SECOND))
        self.check_bus()
        assert sample is not None, "no frame within %s s" % timeout
        s = sample.get_caps().get_structure(0)
        w, h = s.get_value("width"), s.get_value("height")
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        assert ok
        try:
            stride = len(info.data) // h
            rows = np.frombuffer(info.data, dtype=np.uint8).reshape(h, stride)
            return rows[:, : w * 3].reshape(h, w, 3).copy()
        finally:
            buf.unmap(info)

    def check_bus(self):
        bus = self.pipeline.get_bus()
        msg = bus.pop_filtered(Gst.MessageType.ERROR)
        if msg:
            err, _ = msg.parse_error()
            raise AssertionError("pipeline error: " + err.message)

    def element_message(self, name, timeout=5.0):
        bus = self.pipeline.get_bus()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = bus.timed_pop_filtered(int(0.1 * Gst.SECOND), Gst.MessageType.ELEMENT)
            if msg and msg.get_structure().get_name() == name:
                return msg.get_structure()
        return None


class IpcamsrcPython(unittest.TestCase):
    def test_frames_into_numpy(self):
        with Camera() as cam:
            frames = [cam.frame() for _ in range(20)]
        for f in frames:
            self.assertEqual(f.shape, (360, 640, 3))
            self.assertEqual(f.dtype, np.uint8)
        # A moving test picture, not a blank surface.
        self.assertGreater(int(frames[-1].std()), 0)
        self.assertTrue(any(not np.array_equal(frames[0], f) for f in frames[1:]))

    def test_signals(self):
        # One file-list part (see tests/element/test_ipcamsrc_control.cpp).
        with Camera("--firmware", "v3.1 py", "--part-size", "60000") as cam:
            cam.frame()  # streaming, so connected
            self.assertEqual(cam.src.emit("get-firmware"), "v3.1 py")
            self.assertEqual(cam.src.get_property("firmware-version"), "v3.1 py")
            msg = cam.element_message("ipcam-firmware")
            self.assertIsNotNone(msg)
            self.assertEqual(msg.get_string("version"), "v3.1 py")

            files = cam.src.emit("list-files")
            self.assertTrue(files)
            for entry in files:
                path, size = entry.rsplit("\t", 1)
                self.assertTrue(path.startswith("/"))
                self.assertGreaterEqual(int(size), 0)

            folder = tempfile.mkdtemp(prefix="ipcamsrc-py-")
            try:
                local = cam.src.emit("take-still-fetch", folder)
                self.assertIsNotNone(local)
                self.assertTrue(local.startswith(folder))
                with open(local, "rb") as f:
                    data = f.read()
                self.assertEqual(data[:2], b"\xff\xd8")
                self.assertEqual(data[-2:], b"\xff\xd9")
                after = cam.src.emit("list-files")
                self.assertEqual(len(after), len(files) + 1)
            finally:
                shutil.rmtree(folder)

            reply = cam.src.emit("raw-command", 0xA034, GLib.Bytes.new(b""))
            data = reply.get_data()
            self.assertEqual(data[:2], b"\xab\xcd")
            self.assertEqual(int.from_bytes(data[4:8], "big"), 0xA035)

    def test_password_never_readable(self):
        src = Gst.ElementFactory.make("ipcamsrc")
        src.set_property("password", "topsecret")
        self.assertEqual(src.get_property("password"), "***")


if __name__ == "__main__":
    unittest.main(verbosity=2)
