#!/usr/bin/python3
"""ipcamsrc's camera settings from Python GI against ipcam-sim:
camera-settings, apply-settings, the phone app's action signals, the
camera's events, and docs/examples/camera_settings.py run as a user runs
it. Run by meson with IPCAM_SIM, IPCAM_SAMPLE_H264, PYTHONPATH, the plugin
path and IPCAM_EXAMPLE (the example's path) set."""

import os
import signal
import subprocess
import time
import unittest
import urllib.request

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

from ipcamtest.ports import free_udp_port  # noqa: E402
from ipcamtest.sim import IpcamSim  # noqa: E402
from ipcamtest.waiting import LineWatcher  # noqa: E402

Gst.init(None)


def pull_card(sim, out):
    """Pulls the emulated camera's card out, or puts it back
    (docs/ipcam-sim.md: POST /ipcam-sim/card-out, card-in)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    url = "http://127.0.0.1:%d/ipcam-sim/card-%s" % (sim.http_port, "out" if out else "in")
    with opener.open(urllib.request.Request(url, data=b"", method="POST"), timeout=5) as r:
        assert r.status == 200


class Camera:
    """ipcamsrc ! fakesink against a fresh emulator, PLAYING and connected;
    the camera's clock left alone."""

    def __init__(self, *sim_args):
        self.pipeline = Gst.parse_launch(
            "ipcamsrc name=src address=127.0.0.1 preview-port=0 sync-clock=false ! fakesink sync=false")
        self.src = self.pipeline.get_by_name("src")
        self.sim_args = [str(a) for a in sim_args]

    def __enter__(self):
        assert self.pipeline.set_state(Gst.State.READY) == Gst.StateChangeReturn.SUCCESS
        self.sim = IpcamSim("--h264", os.environ["IPCAM_SAMPLE_H264"], "--preview-port",
                            self.src.get_property("preview-port"), *self.sim_args)
        self.sim.start()
        self.src.set_property("control-port", self.sim.control_port)
        self.src.set_property("http-port", self.sim.http_port)
        self.pipeline.set_state(Gst.State.PLAYING)
        assert self.message("ipcam-connected", 20) is not None, "did not connect"
        return self

    def __exit__(self, *exc):
        self.pipeline.set_state(Gst.State.NULL)
        self.sim.stop()

    def message(self, name, timeout=5.0, kinds=Gst.MessageType.ELEMENT):
        """The next element message `name` (or other message of `kinds`
        whose text holds `name`) within `timeout` s; raises on an ERROR."""
        bus = self.pipeline.get_bus()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            left = int((deadline - time.monotonic()) * Gst.SECOND)
            msg = bus.timed_pop_filtered(max(left, 0), kinds | Gst.MessageType.ERROR)
            if msg is None:
                return None
            if msg.type == Gst.MessageType.ERROR:
                raise AssertionError("pipeline error: " + msg.parse_error()[0].message)
            if msg.type == Gst.MessageType.ELEMENT and msg.get_structure().get_name() == name:
                return msg.get_structure()
            if msg.type == Gst.MessageType.WARNING and name in msg.parse_warning()[0].message:
                return msg
        return None

    def setting(self, name):
        return self.src.get_property("camera-settings").get_value(name)


class CameraSettings(unittest.TestCase):
    def test_settings_and_signals(self):
        with Camera("--card-size", 2000000000) as cam:
            # The ACT76 block the emulator starts with.
            settings = cam.src.get_property("camera-settings")
            self.assertEqual(settings.get_string("firmware"), "v1.0 rc5")
            self.assertEqual(cam.setting("exposure"), 3)
            self.assertEqual(cam.setting("language"), 8)
            self.assertEqual(cam.setting("recording"), 0)

            # apply-settings while connected: applied before set_property returns.
            notified = []
            cam.src.connect("notify::camera-settings", lambda *a: notified.append(1))
            cam.src.set_property("apply-settings", Gst.Structure.from_string("s, exposure=2, led=0")[0])
            self.assertEqual(cam.setting("exposure"), 2)
            self.assertEqual(cam.setting("led"), 0)
            self.assertTrue(notified)
            # A refused one is a WARNING naming it.
            cam.src.set_property("apply-settings", Gst.Structure.from_string("s, led=77")[0])
            warning = cam.message("led=77", kinds=Gst.MessageType.WARNING)
            self.assertIsNotNone(warning, "no WARNING naming led=77")
            self.assertIn("refused", warning.parse_warning()[0].message)

            self.assertTrue(cam.src.emit("set-setting", "white-balance", 1))
            self.assertEqual(cam.setting("white-balance"), 1)
            self.assertFalse(cam.src.emit("set-setting", "white-balance", 50))
            self.assertIn("refused white-balance=50", cam.src.get_property("last-error").get_string("error"))

            storage = cam.src.emit("get-storage")
            self.assertEqual(storage.get_name(), "ipcam-storage")
            ok, total = storage.get_uint64("total")
            self.assertTrue(ok)
            self.assertEqual(total, 2000000000)

            files = cam.src.emit("list-files")
            path = files[0].rsplit("\t", 1)[0]
            self.assertTrue(cam.src.emit("delete-file", path))
            self.assertEqual(len(cam.src.emit("list-files")), len(files) - 1)
            self.assertTrue(cam.src.emit("format-storage"))
            self.assertEqual(len(cam.src.emit("list-files")), 0)
            self.assertTrue(cam.src.emit("set-clock"))

    def test_card_events(self):
        with Camera() as cam:
            pull_card(cam.sim, True)
            event = cam.message("ipcam-camera-event")
            self.assertIsNotNone(event, "no card-removed event")
            self.assertEqual(event.get_string("event"), "card-removed")
            pull_card(cam.sim, False)
            event = cam.message("ipcam-camera-event")
            self.assertIsNotNone(event, "no card-inserted event")
            self.assertEqual(event.get_string("event"), "card-inserted")


class Example(unittest.TestCase):
    """docs/examples/camera_settings.py as a user runs it."""

    def test_example_sets_prints_and_reports_events(self):
        port = free_udp_port()
        with IpcamSim("--h264", os.environ["IPCAM_SAMPLE_H264"], "--preview-port", port) as sim:
            proc = subprocess.Popen(
                ["/usr/bin/python3", os.environ["IPCAM_EXAMPLE"], "127.0.0.1", "--control-port", str(sim.control_port),
                 "--http-port", str(sim.http_port), "--preview-port", str(port), "--set", "exposure=1",
                 "--events", "60"],
                stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
            try:
                out = LineWatcher(proc.stdout)
                card = out.wait_for("card:", 20)
                self.assertIsNotNone(card, "no card line: %r" % out.lines)
                lines = [line.rstrip("\n") for line in out.lines]
                self.assertIn("firmware: v1.0 rc5", lines)
                self.assertIn("  exposure               1", lines)
                self.assertRegex(card.rstrip("\n"), r"^card: [0-9.]+ [KMGT]?B free of 32\.0 GB$")
                pull_card(sim, True)
                self.assertIsNotNone(out.wait_for("event: card-removed", 10), "no event line: %r" % out.lines)
            finally:
                proc.send_signal(signal.SIGINT)
                self.assertEqual(proc.wait(10), 0)
                proc.stdout.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
