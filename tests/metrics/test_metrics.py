"""GET /metrics as Prometheus reads it: every line parses with
prometheus_client's own parser, each family has its HELP and TYPE, the
camera's counters follow the frames the emulator sends and never go back
across the camera's release and reconnect, viewers are counted by
protocol, and the process's figures are this process's."""

import http.client
import os
import sys
import time
import unittest

from prometheus_client.parser import text_string_to_metric_families

from ipcamtest.rtsp_rig import Rig
from ipcamtest.waiting import wait_for

# The publish suite's nginx with the RTMP module, on loopback.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "publish"))
from publish_rig import Nginx  # noqa: E402

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Every family the page has, with its type.
FAMILIES = {
    "ipcam_camera_connected": "gauge",
    "ipcam_camera_frames_received_total": "counter",
    "ipcam_camera_received_bytes_total": "counter",
    "ipcam_camera_datagrams_lost_total": "counter",
    "ipcam_camera_frames_dropped_total": "counter",
    "ipcam_camera_reconnects_total": "counter",
    "ipcam_camera_sessions_total": "counter",
    "ipcam_camera_viewers": "gauge",
    "ipcam_camera_publications": "gauge",
    "ipcam_camera_publications_up": "gauge",
    "ipcam_camera_archive_bytes": "gauge",
    "ipcam_camera_archive_segments": "gauge",
    "ipcam_camera_archive_failed": "gauge",
    "ipcam_camera_snapshots_total": "counter",
    "process_resident_memory_bytes": "gauge",
    "process_virtual_memory_bytes": "gauge",
    "process_start_time_seconds": "gauge",
    "process_cpu_seconds_total": "counter",
    "process_open_fds": "gauge",
    "process_max_fds": "gauge",
}
COUNTERS = [n for n, t in FAMILIES.items() if t == "counter"]


def get(base, path, headers=None):
    """(status, headers with lower-case names, body) of a GET to the server at `base`."""
    host_port = base.split("//", 1)[1].rstrip("/")
    host, port = host_port.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        c.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        headers = dict(headers or {})
        headers.setdefault("Host", host_port)
        for k, v in headers.items():
            c.putheader(k, v)
        c.endheaders()
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


class Page:
    """One scrape, parsed: value(name, camera=..., protocol=...)."""

    def __init__(self, text):
        self.text = text
        self.families = {f.name: f for f in text_string_to_metric_families(text)}

    def value(self, name, **labels):
        family = name[:-len("_total")] if name.endswith("_total") and name not in self.families else name
        found = [s.value for s in self.families[family].samples if s.name == name and s.labels == labels]
        if len(found) != 1:
            raise AssertionError("%d samples of %s%r in:\n%s" % (len(found), name, labels, self.text))
        return found[0]


def scrape(rig, headers=None):
    code, h, body = get(rig.control, "/metrics", headers)
    assert code == 200, (code, body)
    assert h["content-type"] == CONTENT_TYPE, h["content-type"]
    return Page(body.decode())


class Monotonic:
    """Every counter of every scrape checked against the one before: they never go back."""

    def __init__(self, test, rig):
        self.test, self.rig, self.last = test, rig, {}

    def scrape(self):
        page = scrape(self.rig)
        for name in COUNTERS:
            labels = {} if name.startswith("process_") else {"camera": "cam"}
            v = page.value(name, **labels)
            self.test.assertGreaterEqual(v, self.last.get(name, 0), name + " went back")
            self.last[name] = v
        return page

    def wait(self, what, condition, timeout=20):
        """Scrapes until condition(page) holds; the page."""
        return wait_for(lambda: (lambda p: p if condition(p) else None)(self.scrape()), timeout, what)


def sample_bytes_per_frame():
    return os.path.getsize(os.environ["IPCAM_SAMPLE_H264"]) / 90.0  # tests/common: 90 frames


class MetricsTest(unittest.TestCase):
    def test_format(self):
        """Every line parses; each family has exactly one HELP and one TYPE
        line, before its samples; the camera's label is there."""
        before = time.time()
        with Rig() as rig:
            page = scrape(rig)
            self.assertEqual({n: f.type for n, f in page.families.items()},
                             {(n[:-6] if t == "counter" else n): t for n, t in FAMILIES.items()})
            lines = page.text.splitlines()
            samples = [line for line in lines if line and not line.startswith("#")]
            parsed = sum(len(f.samples) for f in page.families.values())
            self.assertEqual(parsed, len(samples), "a sample line the parser did not take")
            for name, kind in FAMILIES.items():
                help_at = lines.index(next(line for line in lines if line.startswith("# HELP %s " % name)))
                self.assertEqual(lines[help_at + 1], "# TYPE %s %s" % (name, kind))
                self.assertTrue(lines[help_at + 2].startswith(name), lines[help_at + 2])
                self.assertEqual(sum(line.startswith("# TYPE %s " % name) for line in lines), 1)
            self.assertEqual(page.value("ipcam_camera_connected", camera="cam"), 0)
            self.assertEqual(page.value("ipcam_camera_viewers", camera="cam", protocol="rtsp"), 0)
            self.assertEqual(page.value("ipcam_camera_viewers", camera="cam", protocol="webrtc"), 0)
            self.assertEqual(page.value("ipcam_camera_archive_bytes", camera="cam"), 0)

            # The process's figures are the server's own.
            with open("/proc/%d/status" % rig.server.pid) as f:
                rss = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))
            resident = page.value("process_resident_memory_bytes")
            self.assertGreater(resident, 4 << 20)
            self.assertLess(abs(resident - rss), rss / 4, (resident, rss))
            start = page.value("process_start_time_seconds")
            self.assertGreaterEqual(start, before - 1.5)  # the kernel's boot time is whole seconds
            self.assertLessEqual(start, time.time())
            # (The scrape's own connection was open then, and may be closed now.)
            self.assertLessEqual(abs(page.value("process_open_fds") - len(os.listdir("/proc/%d/fd" % rig.server.pid))), 2)
            self.assertGreater(page.value("process_max_fds"), page.value("process_open_fds"))
            # HEAD: the headers alone.
            c = http.client.HTTPConnection(*rig.control.split("//", 1)[1].rstrip("/").rsplit(":", 1), timeout=10)
            c.request("HEAD", "/metrics")
            r = c.getresponse()
            self.assertEqual((r.status, r.getheader("Content-Type"), r.read()), (200, CONTENT_TYPE, b""))
            c.close()

    def test_counters_follow_the_stream(self):
        """Frames and bytes grow as the emulator sends them; connected is 1
        while a viewer holds the camera and 0 once the linger ends; a second
        session counts on from where the first ended."""
        with Rig(linger=1) as rig:
            watch = Monotonic(self, rig)
            page = watch.scrape()
            self.assertEqual(page.value("ipcam_camera_frames_received_total", camera="cam"), 0)
            self.assertEqual(page.value("ipcam_camera_sessions_total", camera="cam"), 0)
            for session in (1, 2):
                viewer = rig.start_ffmpeg(seconds=1)
                page = watch.wait("a viewer and frames", lambda p: (
                    p.value("ipcam_camera_viewers", camera="cam", protocol="rtsp") == 1 and
                    p.value("ipcam_camera_connected", camera="cam") == 1))
                self.assertEqual(page.value("ipcam_camera_sessions_total", camera="cam"), session)
                first = page.value("ipcam_camera_frames_received_total", camera="cam")
                watch.wait("30 more frames", lambda p: p.value("ipcam_camera_frames_received_total",
                                                               camera="cam") >= first + 30)
                _, err = viewer.communicate(timeout=30)
                self.assertEqual((viewer.returncode, err.decode()), (0, ""))
                page = watch.wait("the camera released after the linger", lambda p: (
                    p.value("ipcam_camera_connected", camera="cam") == 0))
                self.assertEqual(page.value("ipcam_camera_viewers", camera="cam", protocol="rtsp"), 0)
            # Every frame the emulator sent reached the counter (loopback
            # loses none; the last few in flight at each release may not).
            frames = page.value("ipcam_camera_frames_received_total", camera="cam")
            sent = rig.sim.live_counter("frames_sent")
            self.assertLessEqual(frames, sent)
            self.assertGreaterEqual(frames, sent - 10)
            per_frame = page.value("ipcam_camera_received_bytes_total", camera="cam") / frames
            self.assertGreater(per_frame, sample_bytes_per_frame() * 0.7)
            self.assertLess(per_frame, sample_bytes_per_frame() * 1.5)
            self.assertEqual(page.value("ipcam_camera_datagrams_lost_total", camera="cam"), 0)
            self.assertEqual(page.value("ipcam_camera_frames_dropped_total", camera="cam"), 0)

    def test_snapshots_are_counted(self):
        """Each frame.jpeg served counts; a snapshot connects the camera like a viewer."""
        with Rig(linger=1) as rig:
            watch = Monotonic(self, rig)
            for n, path in enumerate(["/api/frame.jpeg", "/api/cameras/cam/frame.jpeg?width=320"], 1):
                code, h, body = get(rig.control, path)
                self.assertEqual((code, h["content-type"], body[:2]), (200, "image/jpeg", b"\xff\xd8"))
                page = watch.scrape()
                self.assertEqual(page.value("ipcam_camera_snapshots_total", camera="cam"), n)
                self.assertEqual(page.value("ipcam_camera_connected", camera="cam"), 1)
                self.assertGreater(page.value("ipcam_camera_frames_received_total", camera="cam"), 0)
            self.assertEqual(get(rig.control, "/api/frame.jpeg?width=0")[0], 400)
            self.assertEqual(watch.scrape().value("ipcam_camera_snapshots_total", camera="cam"), 2)

    def test_publications_up(self):
        """A publication counts as up while its media server takes the stream."""
        with Nginx() as nginx, Rig(server_args=["--publish", nginx.url()]) as rig:
            watch = Monotonic(self, rig)
            page = watch.wait("the publication up", lambda p: (
                p.value("ipcam_camera_publications_up", camera="cam") == 1))
            self.assertEqual(page.value("ipcam_camera_publications", camera="cam"), 1)
            self.assertEqual(page.value("ipcam_camera_connected", camera="cam"), 1)
            self.assertEqual(page.value("ipcam_camera_viewers", camera="cam", protocol="rtsp"), 0)
            nginx.stop()
            page = watch.wait("the publication down", lambda p: (
                p.value("ipcam_camera_publications_up", camera="cam") == 0))
            self.assertEqual(page.value("ipcam_camera_publications", camera="cam"), 1)

    def test_reconnects_are_counted(self):
        """The camera drops its session every 15 frames: each reconnect
        counts, inside one camera session, and the frames count on."""
        with Rig(sim_args=["--drop-after-frames", "15"], server_args=["--reconnect-backoff", "200"]) as rig:
            watch = Monotonic(self, rig)
            viewer = rig.start_ffmpeg(seconds=30)
            try:
                page = watch.wait("two reconnects", lambda p: (
                    p.value("ipcam_camera_reconnects_total", camera="cam") >= 2 and
                    p.value("ipcam_camera_frames_received_total", camera="cam") > 30))
                self.assertEqual(page.value("ipcam_camera_sessions_total", camera="cam"), 1)
                self.assertEqual(page.value("ipcam_camera_connected", camera="cam"), 1)
                self.assertLessEqual(page.value("ipcam_camera_reconnects_total", camera="cam"),
                                     rig.sim.live_counter("sessions_dropped_fault"))
            finally:
                viewer.kill()
                viewer.communicate()

    def test_losses_are_counted(self):
        """Datagrams the emulator drops show as lost, the frames they cost as dropped."""
        with Rig(sim_args=["--loss", "0.1"]) as rig:
            watch = Monotonic(self, rig)
            viewer = rig.start_ffmpeg(seconds=30)
            try:
                page = watch.wait("losses counted", lambda p: (
                    p.value("ipcam_camera_datagrams_lost_total", camera="cam") >= 5 and
                    p.value("ipcam_camera_frames_dropped_total", camera="cam") >= 2))
                lost = page.value("ipcam_camera_datagrams_lost_total", camera="cam")
                # Read after the scrape: the emulator's own count can only be ahead.
                self.assertLessEqual(lost, rig.sim.live_counter("datagrams_lost_total"))
                # A loss costs at most the rest of its group of pictures (30 frames).
                self.assertLessEqual(page.value("ipcam_camera_frames_dropped_total", camera="cam"), (lost + 1) * 30)
            finally:
                viewer.kill()
                viewer.communicate()


if __name__ == "__main__":
    unittest.main()
