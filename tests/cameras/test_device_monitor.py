#!/usr/bin/python3
"""gst-device-monitor-1.0 lists an emulated camera, and the element the
device creates plays. Discovery is redirected to loopback with
IPCAM_DISCOVERY_BROADCAST=127.255.255.255 and IPCAM_DISCOVERY_PORTS (the
emulator's ports). The created ipcamsrc reaches the camera on its default
ports (control 6666, preview 6669), so the emulator listens on an address of
its own, 127.0.0.46, where port 6666 is free. Run by meson with IPCAM_SIM,
PYTHONPATH, IPCAM_DEVICES_PLUGIN and the plugin path set."""

import os
import subprocess
import time
import unittest

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

from ipcamtest.sim import IpcamSim  # noqa: E402

ADDRESS = "127.0.0.46"
NAMELESS = "127.0.0.47"  # a camera whose discovery answer has no serial


class DeviceMonitor(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = IpcamSim("--bind", ADDRESS, "--control-port", "6666", "--preview-port", "6669",
                           "--size", "320x240", "--serial", "MOONCAM-7")
        cls.sim.start()
        cls.nameless = IpcamSim("--bind", NAMELESS, "--control-port", "6666", "--preview-port", "6669",
                                "--serial", "", "--discovery-port", cls.sim.discovery_ports[0],
                                "--discovery-port", cls.sim.discovery_ports[1])
        os.environ["IPCAM_DISCOVERY_BROADCAST"] = "127.255.255.255"
        os.environ["IPCAM_DISCOVERY_PORTS"] = ",".join(str(p) for p in cls.sim.discovery_ports)
        Gst.init(None)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def test_gst_device_monitor_lists_the_camera(self):
        r = subprocess.run(["gst-device-monitor-1.0", "Video/Source"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        self.assertIn("name  : MOONCAM-7", out)
        self.assertIn("class : Video/Source", out)
        self.assertIn("address = " + ADDRESS, out)
        self.assertIn("serial = MOONCAM-7", out)
        self.assertIn("gst-launch-1.0 ipcamsrc address=" + ADDRESS, out)

    def test_a_camera_without_serial_is_named_by_its_address(self):
        self.nameless.start()
        try:
            r = subprocess.run(["gst-device-monitor-1.0", "Video/Source"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=60)
        finally:
            self.nameless.stop()
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        self.assertIn("name  : Action camera at " + NAMELESS, out)
        self.assertIn("name  : MOONCAM-7", out)

    def test_the_created_element_plays(self):
        monitor = Gst.DeviceMonitor.new()
        monitor.add_filter("Video/Source", None)
        self.assertTrue(monitor.start())
        try:
            devices = [d for d in monitor.get_devices()
                       if d.get_properties().get_value("address") == ADDRESS]
        finally:
            monitor.stop()
        self.assertEqual(len(devices), 1)
        self.assertEqual(devices[0].get_display_name(), "MOONCAM-7")
        src = devices[0].create_element("cam")
        self.assertEqual(src.get_factory().get_name(), "ipcamsrc")
        self.assertEqual(src.get_property("address"), ADDRESS)
        pipeline = Gst.Pipeline.new()
        dec = Gst.parse_bin_from_description("h264parse ! avdec_h264", True)
        sink = Gst.ElementFactory.make("appsink")
        sink.set_property("sync", False)
        for e in (src, dec, sink):
            pipeline.add(e)
        src.link(dec)
        dec.link(sink)
        pipeline.set_state(Gst.State.PLAYING)
        frames, sizes = 0, set()
        deadline = time.monotonic() + 30
        try:
            while frames < 30 and time.monotonic() < deadline:
                msg = pipeline.get_bus().pop_filtered(Gst.MessageType.ERROR)
                self.assertIsNone(msg, msg and msg.parse_error()[0].message)
                sample = sink.emit("try-pull-sample", 50 * Gst.MSECOND)
                if sample:
                    s = sample.get_caps().get_structure(0)
                    sizes.add((s.get_value("width"), s.get_value("height")))
                    frames += 1
        finally:
            pipeline.set_state(Gst.State.NULL)
        self.assertEqual(frames, 30)
        self.assertEqual(sizes, {(320, 240)})

    def test_the_plugin_does_not_load_libsoup(self):
        r = subprocess.run(["ldd", os.environ["IPCAM_DEVICES_PLUGIN"]], stdout=subprocess.PIPE, timeout=30)
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"libgstreamer-1.0", r.stdout)
        self.assertNotIn(b"libsoup", r.stdout)
        self.assertNotIn(b"libipcam", r.stdout)


if __name__ == "__main__":
    unittest.main()
