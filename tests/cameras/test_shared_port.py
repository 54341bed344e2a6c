#!/usr/bin/python3
"""Several cameras on one preview port: two emulators at 127.0.0.2 and
127.0.0.3 send to the same client port with different picture sizes; two
ipcamsrc (in one pipeline, then in two processes) each decode their own
camera's pictures and count only its datagrams. Run by meson with IPCAM_SIM,
PYTHONPATH and the plugin path set.

    test_shared_port.py                      the tests
    test_shared_port.py --child ADDR CTRL PREVIEW FRAMES
        one ipcamsrc in this process: prints {"width", "height", "frames",
        "datagrams", "foreign"} as JSON once FRAMES frames were decoded
"""

import json
import subprocess
import sys
import time
import unittest

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

from ipcamtest.ports import free_udp_port  # noqa: E402
from ipcamtest.sim import IpcamSim  # noqa: E402

Gst.init(None)

SIZES = {"127.0.0.2": (640, 360), "127.0.0.3": (320, 240)}
FRAMES = 45


def branch(name, address, preview_port):
    return ("ipcamsrc name=%s address=%s preview-port=%d buffer-size=1048576 ! h264parse ! avdec_h264 ! "
            "appsink name=%s_sink sync=false emit-signals=false" % (name, address, preview_port, name))


class Branch:
    """One ipcamsrc ! avdec_h264 ! appsink in a pipeline: pulls decoded
    pictures and remembers their size."""

    def __init__(self, pipeline, name):
        self.src = pipeline.get_by_name(name)
        self.sink = pipeline.get_by_name(name + "_sink")
        self.sizes = set()
        self.frames = 0

    def pull(self):
        sample = self.sink.emit("try-pull-sample", 50 * Gst.MSECOND)
        if sample is None:
            return False
        s = sample.get_caps().get_structure(0)
        self.sizes.add((s.get_value("width"), s.get_value("height")))
        self.frames += 1
        return True

    def stats(self):
        st = self.src.get_property("stats")
        return {k: st.get_value(k) for k in ("datagrams", "foreign", "kernel-drops", "lost", "malformed")}


def check_bus(pipeline):
    bus = pipeline.get_bus()
    while True:
        msg = bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.WARNING)
        if msg is None:
            return
        err, debug = msg.parse_error() if msg.type == Gst.MessageType.ERROR else msg.parse_warning()
        raise AssertionError("%s from %s: %s (%s)" % (msg.type, msg.src.get_path_string(), err.message, debug))


def start_sim(address, preview_port):
    w, h = SIZES[address]
    sim = IpcamSim("--bind", address, "--size", "%dx%d" % (w, h), "--preview-port", preview_port,
                   "--serial", "CAM-" + address)
    sim.start()
    return sim


def run_child(address, control_port, preview_port, frames):
    pipeline = Gst.parse_launch(branch("src", address, preview_port))
    b = Branch(pipeline, "src")
    b.src.set_property("control-port", control_port)
    pipeline.set_state(Gst.State.PLAYING)
    deadline = time.monotonic() + 30
    try:
        while b.frames < frames and time.monotonic() < deadline:
            check_bus(pipeline)
            b.pull()
        st = b.stats()
        w, h = b.sizes.pop() if len(b.sizes) == 1 else (0, 0)
        print(json.dumps({"width": w, "height": h, "sizes": len(b.sizes) + 1, "frames": b.frames,
                          "datagrams": st["datagrams"], "foreign": st["foreign"]}), flush=True)
    finally:
        pipeline.set_state(Gst.State.NULL)
    return 0 if b.frames >= frames else 2


class SharedPreviewPort(unittest.TestCase):
    def test_two_sources_in_one_pipeline(self):
        port = free_udp_port()
        pipeline = Gst.parse_launch(branch("a", "127.0.0.2", port) + " " + branch("b", "127.0.0.3", port))
        a, b = Branch(pipeline, "a"), Branch(pipeline, "b")
        # Both preview sockets are bound to one port before either camera starts.
        self.assertEqual(pipeline.set_state(Gst.State.READY), Gst.StateChangeReturn.SUCCESS)
        self.assertEqual(a.src.get_property("preview-port"), port)
        self.assertEqual(b.src.get_property("preview-port"), port)
        sims = {addr: start_sim(addr, port) for addr in SIZES}
        try:
            a.src.set_property("control-port", sims["127.0.0.2"].control_port)
            b.src.set_property("control-port", sims["127.0.0.3"].control_port)
            pipeline.set_state(Gst.State.PLAYING)
            deadline = time.monotonic() + 30
            while (a.frames < FRAMES or b.frames < FRAMES) and time.monotonic() < deadline:
                check_bus(pipeline)
                if a.frames < FRAMES:
                    a.pull()
                if b.frames < FRAMES:
                    b.pull()
            self.assertGreaterEqual(a.frames, FRAMES)
            self.assertGreaterEqual(b.frames, FRAMES)
            self.assertEqual(a.sizes, {SIZES["127.0.0.2"]})
            self.assertEqual(b.sizes, {SIZES["127.0.0.3"]})
        finally:
            for sim in sims.values():
                sim.stop()
        # Once the emulators stopped and the sockets drained, each source
        # counted exactly its own camera's datagrams, and none from the other.
        for br, addr in ((a, "127.0.0.2"), (b, "127.0.0.3")):
            sent = sims[addr].counter("datagrams_sent")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                st = br.stats()
                if st["datagrams"] + st["kernel-drops"] >= sent:
                    break
                br.pull()
            st = br.stats()
            self.assertEqual(st["datagrams"] + st["kernel-drops"], sent, "%s: %s" % (addr, st))
            self.assertEqual(st["foreign"], 0, addr)
            self.assertEqual(st["lost"], 0, addr)
            self.assertEqual(st["malformed"], 0, addr)
        pipeline.set_state(Gst.State.NULL)

    def test_two_processes(self):
        port = free_udp_port()
        sims = {addr: start_sim(addr, port) for addr in SIZES}
        try:
            children = {
                addr: subprocess.Popen([sys.executable, __file__, "--child", addr, str(sim.control_port),
                                        str(port), str(FRAMES)], stdout=subprocess.PIPE)
                for addr, sim in sims.items()}
            results = {}
            for addr, child in children.items():
                out, _ = child.communicate(timeout=60)
                self.assertEqual(child.returncode, 0, "%s: %s" % (addr, out))
                results[addr] = json.loads(out)
        finally:
            for sim in sims.values():
                sim.stop()
        for addr, r in results.items():
            self.assertEqual((r["width"], r["height"]), SIZES[addr], addr)
            self.assertEqual(r["sizes"], 1, addr)
            self.assertGreaterEqual(r["frames"], FRAMES, addr)
            self.assertEqual(r["foreign"], 0, addr)
            self.assertLessEqual(r["datagrams"], sims[addr].counter("datagrams_sent"), addr)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        sys.exit(run_child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])))
    unittest.main()
