"""Real players as a user runs them, and what they print.

Every line a player prints at its warning level is a complaint a user
sees: nothing here filters any of them.

    ffmpeg_cmd(url, ...)     decode to nowhere, warnings and errors on stderr
    ffmpeg(url, ...)         the same run to its end (errors only): (exit code, stderr)
    start_ffmpeg(url, ...)   the same in the background: a Popen with stderr piped
    count_packets(url, ...)  the video packets ffprobe reads in so many seconds
    ffprobe_video(url, ...)  the video streams ffprobe finds (codec, size)
    ffmpeg_decode(url, ...)  the frames ffmpeg decodes (RTMP, MPEG-TS, a file)
    ffprobe_packets_cmd(...) one "pts,flags" line per packet
    gst_cmd(url, ...)        rtspsrc ! rtph264depay ! h264parse ! avdec_h264 (gst_play.py)
    mpv_cmd(url, ...)        mpv --vo=null, warnings and errors only
    frame_steps(lines)       the PTS steps between packets, in frame intervals
"""

import json
import os
import subprocess
import sys

GST_PLAY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gst_play.py")

# Only the categories of the depayloader, parser and decoder, at WARNING:
# each line is one of their complaints (GStreamer's own bus warnings and
# errors go to gst-launch's output as well).
GST_DECODER_DEBUG = "rtph264depay:2,rtpbasedepayload:2,h264parse:2,libav:2,videodecoder:2"


def ffmpeg_cmd(url, seconds, transport=None, sdp=False, level="warning"):
    """`level` error: only what stops a picture from decoding."""
    src = ["-protocol_whitelist", "file,udp,rtp"] if sdp else ["-rtsp_transport", transport]
    return ["ffmpeg", "-nostdin", "-hide_banner", "-v", level, *src, "-i", url, "-t", str(seconds),
            "-f", "null", "-"]


def ffmpeg(url, seconds=3, transport="tcp", timeout=30, level="error"):
    """(exit code, stderr text) of ffmpeg decoding `seconds` of `url`."""
    p = subprocess.run(ffmpeg_cmd(url, seconds, transport, level=level), capture_output=True, timeout=timeout)
    return p.returncode, p.stderr.decode(errors="replace")


def start_ffmpeg(url, seconds=3, transport="tcp", level="error"):
    """ffmpeg decoding `seconds` of `url` in the background; its stderr piped."""
    return subprocess.Popen(ffmpeg_cmd(url, seconds, transport, level=level), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def count_packets(url, seconds, transport="tcp", timeout=40):
    """(video packets ffprobe reads in `seconds` of the stream, the run)."""
    p = subprocess.run(["ffprobe", "-v", "error", "-rtsp_transport", transport, "-i", url,
                        "-select_streams", "v", "-show_entries", "packet=pts", "-of", "csv=p=0",
                        "-read_intervals", "%%+%g" % seconds],
                       capture_output=True, timeout=timeout)
    return len([line for line in p.stdout.decode().splitlines() if line.strip()]), p


def ffprobe_video(url, transport=None, extra=(), timeout=30):
    """(exit code, [video streams: codec_name, width, height], stderr text);
    `transport` for RTSP only."""
    src = ["-rtsp_transport", transport] if transport else []
    p = subprocess.run(["ffprobe", "-v", "error", *src, *extra, "-i", url,
                        "-select_streams", "v", "-show_entries", "stream=codec_name,width,height",
                        "-of", "json"], capture_output=True, timeout=timeout)
    streams = json.loads(p.stdout or b"{}").get("streams", []) if p.returncode == 0 else []
    return p.returncode, streams, p.stderr.decode(errors="replace")


def ffmpeg_decode(url, seconds=2, timeout=30, extra=()):
    """(exit code, stderr text, frames) of ffmpeg decoding `seconds` of `url`."""
    p = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", *extra, "-i", url,
                        "-t", str(seconds), "-f", "framemd5", "-"], capture_output=True, timeout=timeout)
    frames = [line for line in p.stdout.decode(errors="replace").splitlines() if line and not line.startswith("#")]
    return p.returncode, p.stderr.decode(errors="replace"), len(frames)


def probe_size(url):
    """(width, height) of the video at `url` over RTSP/TCP; fails the test
    when ffprobe cannot read it."""
    p = subprocess.run(["ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v",
                        "-show_entries", "stream=width,height", "-of", "json", url],
                       capture_output=True, timeout=40)
    if p.returncode != 0:
        raise AssertionError("ffprobe %s: exit %d: %s" % (url, p.returncode, p.stderr.decode(errors="replace")))
    stream = json.loads(p.stdout)["streams"][0]
    return stream["width"], stream["height"]


def ffprobe_packets_cmd(url, seconds, transport=None, sdp=False):
    src = ["-protocol_whitelist", "file,udp,rtp"] if sdp else ["-rtsp_transport", transport]
    return ["ffprobe", "-v", "warning", *src, "-i", url, "-select_streams", "v",
            "-show_entries", "packet=pts,flags", "-of", "csv=p=0", "-read_intervals", "%%+%g" % seconds]


def gst_cmd(url, frames, transport, decodebin=None):
    """rtspsrc ! rtph264depay ! h264parse ! avdec_h264 for `frames` frames,
    or rtspsrc ! decodebin ! video/x-raw,width=W,height=H with
    decodebin=(W, H); stopped as gst_play.py says why."""
    extra = ["--decodebin", str(decodebin[0]), str(decodebin[1])] if decodebin else []
    return [sys.executable, GST_PLAY, url, str(frames), transport] + extra


def gst_env():
    return dict(os.environ, GST_DEBUG=GST_DECODER_DEBUG, GST_DEBUG_NO_COLOR="1")


def mpv_cmd(url, seconds, transport):
    return ["mpv", "--no-config", "--vo=null", "--ao=null", "--length=%g" % seconds, "--rtsp-transport=" + transport,
            "--msg-level=all=warn", "--really-quiet=no", url]


def complaints(text):
    """Every non-empty line: each one is a complaint (the commands above
    print nothing else)."""
    return [line for line in text.splitlines() if line.strip()]


# What ffmpeg -v error printed, line by line: each one is a complaint a user sees.
decoder_errors = complaints


def packets(stdout):
    """[(pts or None, keyframe)] from ffprobe_packets_cmd's output."""
    out = []
    for line in stdout.splitlines():
        if not line.strip():
            continue
        pts, flags = (line.split(",") + [""])[:2]
        out.append((int(pts) if pts.lstrip("-").isdigit() else None, flags.startswith("K")))
    return out


def frame_steps(pkts, clock_rate=90000, fps=30):
    """PTS steps between consecutive packets, in frame intervals. One
    packet per camera frame means every step is about 1 (the camera clock
    counts whole milliseconds); a frame split in two shows as a 0. The
    first packet ffmpeg reads over RTP has no PTS (from any RTSP server or
    SDP), so steps start at the first packet that has one."""
    pts = [p for p, _ in pkts if p is not None]
    frame = clock_rate / fps
    return [(b - a) / frame for a, b in zip(pts, pts[1:])]
