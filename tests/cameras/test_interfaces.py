#!/usr/bin/python3
"""Cameras at one address, each behind its own interface. Like cameras that
are their own Wi-Fi access point (all at 192.168.1.1), two emulators at
10.77.0.1 sit in network namespaces of their own, each reached through its
own veth interface from a third namespace, the client's. There two ipcamsrc
with interface=... on one preview port each decode their own camera's
picture size, and `ipcam --interface` discovers each camera on its interface
and downloads each camera's own file. The test makes the namespaces and
removes them on every way out (normal end, failure, SIGTERM, SIGINT).

Needs root (ip netns). Run by meson with IPCAM, IPCAM_SIM, PYTHONPATH
and the plugin path set.
"""

import atexit
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from ipcamtest.sim import IpcamSim

CAMERA = "10.77.0.1"
CLIENT = "10.77.0.2"
PREVIEW_PORT = 6669
CAMERA_DIR = "/mnt/sdcard/DCIM/100MEDIA/"
# The child run inside the client namespace uses the names its parent made.
SUFFIX = os.environ.setdefault("IPCAM_NETNS_SUFFIX", str(os.getpid() % 100000))
CLIENT_NS = "ipcam-client-" + SUFFIX
CAMERAS = {
    # interface in the client's namespace: (camera namespace, picture size, file)
    "ipa" + SUFFIX: ("ipcam-cam-a-" + SUFFIX, (640, 360), b"camera A's own clip " * 500),
    "ipb" + SUFFIX: ("ipcam-cam-b-" + SUFFIX, (320, 240), b"camera B's own clip, longer " * 900),
}
FILE_NAME = "VID_0001.MP4"
FRAMES = 45


def ip(*args):
    subprocess.run(["ip", *args], check=True, stdin=subprocess.DEVNULL)


_namespaces = []
_sims = []


def remove_namespaces():
    # The emulators first: a namespace outlives its deletion while a process
    # is still inside.
    while _sims:
        _sims.pop().stop()
    while _namespaces:
        subprocess.run(["ip", "netns", "del", _namespaces.pop()], stderr=subprocess.DEVNULL)


def on_signal(signum, _frame):
    # Not sys.exit: unittest would take SystemExit for a failed test and go on.
    remove_namespaces()
    os._exit(128 + signum)


def make_namespaces():
    atexit.register(remove_namespaces)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for ns in [CLIENT_NS] + [c[0] for c in CAMERAS.values()]:
        ip("netns", "add", ns)
        _namespaces.append(ns)
        ip("-n", ns, "link", "set", "lo", "up")
    # Two interfaces on one subnet: replies must be taken on either.
    for key in ("all", "default"):
        subprocess.run(["ip", "netns", "exec", CLIENT_NS, "sysctl", "-q", "-w",
                        "net.ipv4.conf.%s.rp_filter=0" % key], check=True)
    for iface, (ns, _size, _data) in CAMERAS.items():
        ip("link", "add", iface, "netns", CLIENT_NS, "type", "veth", "peer", "name", "cam0", "netns", ns)
        ip("-n", CLIENT_NS, "addr", "add", CLIENT + "/24", "dev", iface)
        ip("-n", CLIENT_NS, "link", "set", iface, "up")
        ip("-n", ns, "addr", "add", CAMERA + "/24", "dev", "cam0")
        ip("-n", ns, "link", "set", "cam0", "up")


def start_cameras(tmp):
    sims = {}
    for iface, (ns, (w, h), data) in CAMERAS.items():
        store = os.path.join(tmp, iface)
        os.makedirs(store)
        with open(os.path.join(store, FILE_NAME), "wb") as f:
            f.write(data)
        sim = IpcamSim("netns", "exec", ns, os.environ["IPCAM_SIM"], "--bind", CAMERA, "--control-port", "6666",
                       "--http-port", "8080", "--discovery-port", "22600", "--preview-port", PREVIEW_PORT,
                       "--size", "%dx%d" % (w, h), "--store", store, "--no-samples", "--serial", "SN-" + iface,
                       "--stats-file", os.path.join(tmp, iface + ".json"),
                       binary="ip", default_ports=False)
        _sims.append(sim)
        sim.start()
        sims[iface] = sim
    return sims


def in_client(*argv, **kw):
    return subprocess.run(["ip", "netns", "exec", CLIENT_NS, *argv], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60, **kw)


class OneAddressManyInterfaces(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="ipcam-netns-")
        make_namespaces()
        cls.sims = start_cameras(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        remove_namespaces()
        cls.tmp.cleanup()

    def test_each_source_streams_its_own_camera(self):
        r = in_client(sys.executable, __file__, "--streams")
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        got = json.loads(r.stdout)
        for iface, (_ns, size, _data) in CAMERAS.items():
            self.assertEqual(got[iface]["sizes"], [list(size)], iface)
            self.assertGreaterEqual(got[iface]["frames"], FRAMES, iface)
            self.assertEqual(got[iface]["foreign"], 0, iface)

    def test_discovery_names_the_interface(self):
        for iface in CAMERAS:
            r = in_client(os.environ["IPCAM"], "--interface", iface, "--broadcast", "10.77.0.255",
                          "--discovery-port", "22600", "--json", "discover")
            self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
            found = json.loads(r.stdout)
            self.assertEqual([(c["address"], c["interface"], c["serial"]) for c in found],
                             [(CAMERA, iface, "SN-" + iface)])

    def test_each_download_comes_from_its_own_camera(self):
        for iface, (_ns, _size, data) in CAMERAS.items():
            out = os.path.join(self.tmp.name, "out-" + iface)
            os.makedirs(out)
            r = in_client(os.environ["IPCAM"], "--camera", CAMERA, "--interface", iface, "--http-port", "8080",
                          "fetch", CAMERA_DIR + FILE_NAME, "--output", out)
            self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
            with open(os.path.join(out, FILE_NAME), "rb") as f:
                self.assertEqual(f.read(), data, iface)

    def test_unknown_interface_is_refused(self):
        r = in_client(os.environ["IPCAM"], "--camera", CAMERA, "--interface", "nosuch0", "--http-port", "8080",
                      "fetch", CAMERA_DIR + FILE_NAME, "--output", self.tmp.name)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("nosuch0", r.stderr.decode(errors="replace"))


def run_streams():
    """Inside the client's namespace: two ipcamsrc on one preview port, one
    per interface; prints what each decoded."""
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    desc = " ".join(
        "ipcamsrc name=%s address=%s interface=%s preview-port=%d ! h264parse ! avdec_h264 ! "
        "appsink name=%s_sink sync=false" % (i, CAMERA, i, PREVIEW_PORT, i) for i in CAMERAS)
    pipeline = Gst.parse_launch(desc)
    result = {i: {"sizes": set(), "frames": 0} for i in CAMERAS}
    pipeline.set_state(Gst.State.PLAYING)
    bus = pipeline.get_bus()
    deadline = time.monotonic() + 40
    try:
        while any(r["frames"] < FRAMES for r in result.values()) and time.monotonic() < deadline:
            msg = bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.WARNING)
            if msg:
                err, debug = msg.parse_error() if msg.type == Gst.MessageType.ERROR else msg.parse_warning()
                sys.stderr.write("%s: %s (%s)\n" % (msg.src.get_path_string(), err.message, debug))
                return 1
            for i, r in result.items():
                if r["frames"] >= FRAMES:
                    continue
                sample = pipeline.get_by_name(i + "_sink").emit("try-pull-sample", 20 * Gst.MSECOND)
                if sample:
                    s = sample.get_caps().get_structure(0)
                    r["sizes"].add((s.get_value("width"), s.get_value("height")))
                    r["frames"] += 1
        for i, r in result.items():
            r["sizes"] = sorted(r["sizes"])
            r["foreign"] = pipeline.get_by_name(i).get_property("stats").get_value("foreign")
    finally:
        pipeline.set_state(Gst.State.NULL)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--streams"]:
        sys.exit(run_streams())
    unittest.main()
