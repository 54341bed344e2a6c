"""Glass-to-glass latency on loopback, browser (WebRTC through
ipcam-rtsp-server) and RTSP (rtspsrc latency=0 ! avdec_h264 ! appsink).

The emulator (--paint-frame-number) paints the time it took each picture
(wall clock ms, modulo 65536) as 16 black or white blocks across the top.
The browser reads them back from each presented frame (a canvas at every
requestVideoFrameCallback); the RTSP player from each decoded frame. The
latency is presentation time minus capture time, same machine, same clock.

    latency_web.py [--frames N] [--json FILE]   (run through meson: web-latency)

Prints a markdown table. Fails only when it cannot measure (too few frames
read), never on a figure: the targets are for docs/benchmarks.md.
"""

import argparse
import json
import time

import gi

from ipcamtest.rtsp_rig import Rig
from ipcamtest.web_rig import Browser

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

BITS, ROW = 16, 24  # the blocks' count and the row read (middle of the 48-pixel band)

READER_JS = """
const [index, wanted] = arguments;
const video = window.sessions[index].video;
const canvas = document.createElement('canvas');
const g = canvas.getContext('2d', {willReadFrequently: true});
window.latency = {samples: [], bad: 0};
const step = (now, meta) => {
  const w = video.videoWidth, h = video.videoHeight;
  if (w && h) {
    if (canvas.width !== w) { canvas.width = w; canvas.height = h; }
    g.drawImage(video, 0, 0, w, h);
    const row = g.getImageData(0, %d, w, 1).data;
    const block = Math.floor(w / %d);
    let stamp = 0, ok = true;
    for (let b = 0; b < %d; b++) {
      const x = b * block + Math.floor(block / 2);
      const y = row[4 * x];
      if (y > 60 && y < 190) ok = false;
      stamp = (stamp << 1) | (y >= 128 ? 1 : 0);
    }
    const shown = performance.timeOrigin + meta.presentationTime;
    if (ok) window.latency.samples.push(((Math.round(shown) %% 65536) - stamp + 65536) %% 65536);
    else window.latency.bad++;
  }
  if (window.latency.samples.length < wanted) video.requestVideoFrameCallback(step);
};
video.requestVideoFrameCallback(step);
""" % (ROW, BITS, BITS)


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def stamp_of(row, width):
    block = width // BITS
    stamp = 0
    for b in range(BITS):
        y = row[b * block + block // 2]
        if 60 < y < 190:
            return None
        stamp = (stamp << 1) | (1 if y >= 128 else 0)
    return stamp


def measure_rtsp(url, frames, timeout=60):
    Gst.init(None)
    pipe = Gst.parse_launch(
        "rtspsrc location=%s latency=0 ! rtph264depay ! avdec_h264 ! videoconvert ! "
        "video/x-raw,format=GRAY8 ! appsink name=sink sync=false max-buffers=2 drop=false" % url)
    sink = pipe.get_by_name("sink")
    samples, bad = [], 0
    pipe.set_state(Gst.State.PLAYING)
    deadline = time.monotonic() + timeout
    try:
        while len(samples) < frames and time.monotonic() < deadline:
            sample = sink.emit("try-pull-sample", Gst.SECOND)
            if sample is None:
                continue
            now = time.time() * 1000
            s = sample.get_caps().get_structure(0)
            width = s.get_value("width")
            buf = sample.get_buffer()
            ok, info = buf.map(Gst.MapFlags.READ)
            stride = (width + 3) & ~3
            row = bytes(info.data[ROW * stride:ROW * stride + width])
            buf.unmap(info)
            stamp = stamp_of(row, width)
            if stamp is None:
                bad += 1
                continue
            samples.append((int(round(now)) % 65536 - stamp + 65536) % 65536)
    finally:
        pipe.set_state(Gst.State.NULL)
    return samples, bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--joins", type=int, default=5)
    ap.add_argument("--json")
    args = ap.parse_args()
    result = {}
    keyint_frames, fps = 30, 30
    sim_args = ["--paint-frame-number", "--keyframe-interval", str(keyint_frames), "--fps", str(fps)]
    with Rig(live=True, sim_args=sim_args, linger=30) as rig, Browser() as b:
        b.open(rig.control + "api/status")
        b.install_whep_client()
        # First frames: offer sent -> first frame presented, the camera already streaming.
        joins = []
        for i in range(args.joins + 1):
            t = b.js_async("(async () => { const t0 = performance.now(); const r = await whep(arguments[0]);"
                           " const v = sessions[sessions.length - 1].video;"
                           " await new Promise((ok) => v.requestVideoFrameCallback(ok));"
                           " return [r.status, performance.now() - t0]; })()", rig.server.ready["whep"])
            if t[0] != 201:
                raise SystemExit("WHEP answered %r" % (t,))
            if i:  # the first one also started the camera
                joins.append(t[1])
            b.js_async("whep_delete(arguments[0])", len(joins))
        b.js_async("whep(arguments[0])", rig.server.ready["whep"])
        index = args.joins + 1
        b.wait_js("return frames_of(%d) >= 30" % index, 20, "playing")
        b.js(READER_JS, index, args.frames)
        b.wait_js("return latency.samples.length >= %d" % args.frames, 60, "%d frames read" % args.frames)
        web = b.js("return latency.samples")
        web_bad = b.js("return latency.bad")
        rtsp, rtsp_bad = measure_rtsp(rig.url, args.frames)
    if len(rtsp) < args.frames:
        raise SystemExit("RTSP: only %d frames read (%d unreadable)" % (len(rtsp), rtsp_bad))
    keyint_ms = 1000 * keyint_frames / fps
    result = {
        "webrtc": {"frames": len(web), "unreadable": web_bad, "p50_ms": percentile(web, 50),
                   "p95_ms": percentile(web, 95)},
        "rtsp": {"frames": len(rtsp), "unreadable": rtsp_bad, "p50_ms": percentile(rtsp, 50),
                 "p95_ms": percentile(rtsp, 95)},
        "first_frame": {"joins": len(joins), "p50_ms": round(percentile(joins, 50)),
                        "p95_ms": round(percentile(joins, 95)), "keyframe_interval_ms": keyint_ms},
    }
    print("| path | frames | p50 | p95 | target |")
    print("|---|---|---|---|---|")
    print("| browser (WebRTC, Chromium) | %d | %d ms | %d ms | p50 <= 80 ms, p95 <= 150 ms |" % (
        len(web), result["webrtc"]["p50_ms"], result["webrtc"]["p95_ms"]))
    print("| RTSP (rtspsrc latency=0 ! avdec_h264 ! appsink) | %d | %d ms | %d ms | p50 <= 50 ms |" % (
        len(rtsp), result["rtsp"]["p50_ms"], result["rtsp"]["p95_ms"]))
    print("| browser's first frame (offer to picture, %d joins) | | %d ms | %d ms | p95 <= %d ms |" % (
        len(joins), result["first_frame"]["p50_ms"], result["first_frame"]["p95_ms"], keyint_ms + 200))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    if len(web) < args.frames:
        raise SystemExit("browser: only %d frames read" % len(web))


if __name__ == "__main__":
    main()
