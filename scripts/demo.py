#!/usr/bin/python3
"""Demo driver: one emulated camera, ipcamsrc, a recording, a snapshot.

Run through scripts/demo, which builds first and sets the environment
(PYTHONPATH=tests for the emulator's helper, ipcamtest.sim)."""
import os
import subprocess
import sys
import time

import gi

from ipcamtest.ports import free_udp_port
from ipcamtest.sim import IpcamSim

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

RECORD_SECONDS = 5


def say(text):
    print(text, flush=True)



def run(out_dir):
    out_dir = os.path.abspath(out_dir)
    mp4 = os.path.join(out_dir, "preview.mp4")
    for old in os.listdir(out_dir):
        os.unlink(os.path.join(out_dir, old))
    Gst.init(None)
    port = free_udp_port()
    say("starting ipcam-sim (live 640x360 H.264, 30 fps) ...")
    with IpcamSim("--preview-port", port, "--firmware", "v1.0 rc5 (ipcam-sim)") as sim:
        say(f"emulated camera: control 127.0.0.1:{sim.control_port}, HTTP {sim.http_port}")
        pipeline = Gst.parse_launch(
            f"ipcamsrc name=cam address=127.0.0.1 control-port={sim.control_port} "
            f"http-port={sim.http_port} preview-port={port} "
            f"! h264parse ! mp4mux ! filesink location={mp4}")
        cam = pipeline.get_by_name("cam")
        first_pts = []
        done = []

        def on_buffer(pad, info):
            buf = info.get_buffer()
            if not first_pts:
                first_pts.append(buf.pts)
            elif buf.pts - first_pts[0] >= RECORD_SECONDS * Gst.SECOND and not done:
                done.append(True)
                return Gst.PadProbeReturn.DROP
            if done:
                return Gst.PadProbeReturn.DROP
            return Gst.PadProbeReturn.OK

        cam.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, on_buffer)
        bus = pipeline.get_bus()
        pipeline.set_state(Gst.State.PLAYING)
        say(f"recording {RECORD_SECONDS} s of preview through ipcamsrc ...")

        deadline = time.monotonic() + 60
        snapshot = firmware = files = None
        while not done:
            msg = bus.timed_pop_filtered(100 * Gst.MSECOND, Gst.MessageType.ERROR)
            if msg:
                err, dbg = msg.parse_error()
                raise SystemExit(f"demo failed: {err.message}")
            if time.monotonic() > deadline:
                raise SystemExit("demo failed: no video after 60 s")
            # Camera control while the video streams, from this thread.
            if first_pts and snapshot is None:
                firmware = cam.emit("get-firmware")
                snapshot = cam.emit("take-still-fetch", out_dir) or ""
                files = cam.emit("list-files") or []
        pipeline.send_event(Gst.Event.new_eos())
        msg = bus.timed_pop_filtered(10 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        stats = cam.get_property("stats")
        pipeline.set_state(Gst.State.NULL)
        if msg is None or msg.type != Gst.MessageType.EOS:
            raise SystemExit("demo failed: the recording did not finish")

    say("")
    say(f"firmware: {firmware}")
    say(f"camera files ({len(files)}):")
    for entry in files:
        path, size = entry.split("\t")
        say(f"  {path}  {size} bytes")
    if not snapshot:
        raise SystemExit("demo failed: the snapshot could not be taken")
    say(f"snapshot: {snapshot}")
    say(f"ipcamsrc stats: {stats.to_string()}")
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=codec_name,width,height:format=duration", "-of", "default=nw=1", mp4],
        capture_output=True, text=True)
    say("ffprobe of the recording:")
    say("  " + probe.stdout.strip().replace("\n", "\n  "))
    if probe.returncode != 0 or "codec_name=h264" not in probe.stdout:
        raise SystemExit("demo failed: the recording is not playable H.264")
    say("")
    say(f"done: the recording is {mp4}, the snapshot {snapshot}")
    say(f"play it with: ffplay {mp4}")


if __name__ == "__main__":
    run(sys.argv[1] if len(sys.argv) > 1 else "demo-out")
