"""ipcam-sim against protocol.md's command map: every request the phone app
sends, with bytes built by hand on a raw socket, and the camera's state
(configuration block, card, clock) as it keeps it across a restart."""

import calendar
import email.utils
import json
import os
import socket
import struct
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from ipcamtest.sim import IpcamSim
from ipcamtest.waiting import wait_for

ACT76_FIELDS = [1, 0, 0, 1, 1, 4, 0, 0, 0, 3, 0, 0, 0, 1, 1, 0, 0, 8, 0, 0]
MEDIA = "/mnt/sdcard/DCIM/100MEDIA/"
OK = b"\x00\x00\x00\x00"
FAILED = b"\xff\xff\xff\xff"

# name, block field (-1 write-only), command, menu size (docs/ipcam-sim.md)
SETTERS = [
    ("video-quality", 0, 0xA001, 4), ("loop-length", 1, 0xA003, 4),
    ("time-lapse", 2, 0xA044, 6), ("slow-motion-size", 3, 0xA04A, 3),
    ("record-sound", 4, 0xA00D, 2), ("photo-quality", 5, 0xA005, 6),
    ("self-timer", 6, 0xA04C, 4), ("auto-photo", 7, 0xA04E, 5),
    ("motion-photo", 8, 0xA058, 2), ("exposure", 9, 0xA009, 7),
    ("white-balance", 10, 0xA007, 5), ("rotation", 11, 0xA056, 2),
    ("flicker", 12, 0xA050, 2), ("led", 13, 0xA052, 2),
    ("screen-sleep", 14, 0xA021, 4), ("language", 17, 0xA013, 12),
    ("watermark", 18, 0xA01D, 2), ("boot-record", -1, 0xA00B, 2),
    ("mirror", -1, 0xA00F, 2), ("motion-detect", -1, 0xA01B, 2),
    ("bitrate", -1, 0xA042, 3), ("video-size", -1, 0xA03C, 4),
]


def control(msg_type, payload=b""):
    return b"\xab\xcd" + struct.pack(">HI", len(payload), msg_type) + payload


def s32(v):
    return struct.pack("<i", v)


def block_bytes(fields, firmware=b"v1.0 rc5"):
    return struct.pack("<20i", *fields) + firmware.ljust(32, b"\0")


class Client:
    """One control connection, logged in; answers the camera's alive requests."""

    def __init__(self, port, login=True):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        if login:
            self.send(0x0110, b"admin".ljust(64, b"\0") + b"12345".ljust(64, b"\0"))
            msg_type, _ = self.next()
            assert msg_type == 0x0111, hex(msg_type)

    def send(self, msg_type, payload=b""):
        self.sock.sendall(control(msg_type, payload))

    def next_raw(self, timeout=5):
        """The next message that is not an alive request, header included;
        None when the camera closed the connection."""
        self.sock.settimeout(timeout)
        while True:
            if len(self.buf) >= 8:
                length = struct.unpack(">H", self.buf[2:4])[0]
                if len(self.buf) >= 8 + length:
                    raw, self.buf = self.buf[:8 + length], self.buf[8 + length:]
                    if struct.unpack(">I", raw[4:8])[0] == 0x0112:
                        self.send(0x0113)
                        continue
                    return raw
            chunk = self.sock.recv(65536)
            if not chunk:
                return None
            self.buf += chunk

    def next(self, timeout=5):
        raw = self.next_raw(timeout)
        assert raw is not None, "the camera closed the connection"
        return struct.unpack(">I", raw[4:8])[0], raw[8:]

    def ask(self, msg_type, payload=b""):
        """Sends a request; returns its reply's whole bytes."""
        self.send(msg_type, payload)
        return self.next_raw()

    def block(self):
        raw = self.ask(0xA034)
        assert raw[:8] == b"\xab\xcd\x00\x70\x00\x00\xa0\x35", raw[:8].hex()
        return list(struct.unpack("<20i", raw[8:88]))

    def files(self):
        self.send(0xA025, b"\x01\x00\x00\x00")
        text, total, seen = b"", 1, 0
        while seen < total:
            msg_type, payload = self.next()
            assert msg_type == 0xA026
            total, _ = struct.unpack("<II", payload[:8])
            text += payload[8:]
            seen += 1
        entries = [e for e in text.decode().split(";") if e]
        return {e.rsplit(":", 1)[0]: int(e.rsplit(":", 1)[1]) for e in entries}

    def capacity(self):
        raw = self.ask(0xA02A)
        assert raw[:8] == b"\xab\xcd\x00\x10\x00\x00\xa0\x2b", raw[:8].hex()
        return struct.unpack("<QQ", raw[8:])

    def closed_within(self, timeout=5):
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
        except (socket.timeout, ConnectionResetError):
            return False

    def close(self):
        self.sock.close()


def post(sim, name):
    """A test control: (status, JSON body)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request("http://127.0.0.1:%d/ipcam-sim/%s" % (sim.http_port, name),
                                 data=b"", method="POST")
    try:
        with opener.open(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def http_get(sim, path):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open("http://127.0.0.1:%d%s" % (sim.http_port, path), timeout=5) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, b""


def camera_state(sim):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open("http://127.0.0.1:%d/ipcam-sim/stats" % sim.http_port, timeout=5) as r:
        return json.loads(r.read())["camera"]


class Settings(unittest.TestCase):
    def test_block_is_the_act76_capture_by_default(self):
        with IpcamSim("--no-samples") as sim:
            c = Client(sim.control_port)
            raw = c.ask(0xA034)
            self.assertEqual(raw, b"\xab\xcd\x00\x70\x00\x00\xa0\x35" + block_bytes(ACT76_FIELDS))
            c.close()
        with IpcamSim("--no-samples", "--firmware", "v2.0 other") as sim:
            c = Client(sim.control_port)
            self.assertEqual(c.ask(0xA034)[8:], block_bytes(ACT76_FIELDS, b"v2.0 other"))
            c.close()

    def test_every_setter_takes_its_menu_and_refuses_past_it(self):
        with IpcamSim("--no-samples") as sim:
            c = Client(sim.control_port)
            expected = list(ACT76_FIELDS)
            for name, field, command, size in SETTERS:
                reply = command + 1
                header = b"\xab\xcd\x00\x04" + struct.pack(">I", reply)
                self.assertEqual(c.ask(command, s32(size - 1)), header + OK, name)
                if field >= 0:
                    expected[field] = size - 1
                self.assertEqual(c.ask(command, s32(size)), header + FAILED, name)
                self.assertEqual(c.ask(command, s32(-1)), header + FAILED, name)
                self.assertEqual(c.block(), expected, name)
            c.close()
            self.assertEqual(sim.live_counter("settings_taken"), len(SETTERS))
            self.assertEqual(sim.live_counter("settings_refused"), 2 * len(SETTERS))

    def test_past_menu_ignore_and_menu_override(self):
        with IpcamSim("--no-samples", "--past-menu", "ignore", "--menu", "exposure=9") as sim:
            c = Client(sim.control_port)
            self.assertEqual(c.ask(0xA001, s32(4)), b"\xab\xcd\x00\x04\x00\x00\xa0\x02" + OK)
            self.assertEqual(c.block()[0], 1, "ignored: the field is unchanged")
            self.assertEqual(c.ask(0xA009, s32(8))[8:], OK)
            self.assertEqual(c.block()[9], 8)
            c.close()

    def test_bad_menu_option_names_the_settings(self):
        sim = IpcamSim("--menu", "recording=3", capture_stderr=True)
        with self.assertRaises(Exception):
            sim.start()
        self.assertEqual(sim.exit_code, 2)
        self.assertIn("video-quality", sim.stderr_text)

    def test_a_corrupt_configuration_file_stops_the_start_naming_it(self):
        with tempfile.TemporaryDirectory() as store:
            path = os.path.join(store, ".ipcam-sim-configuration")
            with open(path, "w") as f:
                f.write("[settings]\nexposure=bright\n")
            sim = IpcamSim("--store", store, "--no-samples", capture_stderr=True)
            with self.assertRaises(Exception):
                sim.start()
            self.assertEqual(sim.exit_code, 1)
            self.assertIn(path, sim.stderr_text)
            self.assertIn("exposure", sim.stderr_text)

    def test_restart_and_format_keep_the_block_factory_reset_does_not(self):
        with tempfile.TemporaryDirectory() as store:
            with IpcamSim("--store", store) as sim:
                c = Client(sim.control_port)
                self.assertEqual(c.ask(0xA009, s32(5))[8:], OK)
                self.assertEqual(c.ask(0xA013, s32(2))[8:], OK)
                listed = c.files()
                self.assertTrue(listed, "the store has samples")
                self.assertFalse(any(".ipcam-sim" in p for p in listed))
                self.assertEqual(http_get(sim, MEDIA + ".ipcam-sim-configuration")[0], 404)
                self.assertEqual(c.ask(0xA01F), b"\xab\xcd\x00\x04\x00\x00\xa0\x20" + OK)
                self.assertEqual(c.files(), {})
                self.assertEqual(c.capacity(), (32000000000, 32000000000))
                c.close()
            self.assertTrue(os.path.exists(os.path.join(store, ".ipcam-sim-configuration")))
            with IpcamSim("--store", store, "--no-samples") as sim:
                c = Client(sim.control_port)
                fields = c.block()
                self.assertEqual((fields[9], fields[17]), (5, 2))
                self.assertEqual(c.ask(0xA054), b"\xab\xcd\x00\x04\x00\x00\xa0\x55" + OK)
                self.assertEqual(c.block(), ACT76_FIELDS)
                c.close()
            with IpcamSim("--store", store, "--no-samples") as sim:
                c = Client(sim.control_port)
                self.assertEqual(c.block(), ACT76_FIELDS)
                c.close()


class Card(unittest.TestCase):
    def test_capacity_delete_and_unlisted_paths(self):
        with IpcamSim("--card-size", "50000000") as sim:
            c = Client(sim.control_port)
            files = c.files()
            used = sum(os.path.getsize(os.path.join(sim.store, p[len(MEDIA):])) for p in files)
            self.assertEqual(used, sum(files.values()))
            self.assertEqual(c.capacity(), (50000000 - used, 50000000))
            victim = sorted(files)[0]
            path = victim.encode().ljust(256, b"\0")
            self.assertEqual(c.ask(0xA02C, path), b"\xab\xcd\x00\x04\x00\x00\xa0\x2d" + OK)
            self.assertNotIn(victim, c.files())
            self.assertFalse(os.path.exists(os.path.join(sim.store, victim[len(MEDIA):])))
            self.assertEqual(http_get(sim, victim)[0], 404)
            self.assertEqual(c.capacity(), (50000000 - used + files[victim], 50000000))
            self.assertEqual(c.ask(0xA02C, path)[8:], FAILED, "no longer listed")
            self.assertEqual(c.ask(0xA02C, b"/etc/passwd".ljust(256, b"\0"))[8:], FAILED)
            c.close()
        # A store fuller than the card: nothing remains, never a wrapped number.
        with IpcamSim("--card-size", "1000") as sim:
            c = Client(sim.control_port)
            self.assertEqual(c.capacity(), (0, 1000))
            c.close()
            self.assertEqual(camera_state(sim)["card_remaining"], 0)

    def test_card_out_and_in_send_their_events(self):
        with IpcamSim("--card-size", "50000000") as sim:
            c = Client(sim.control_port)
            files = c.files()
            status, body = post(sim, "card-out")
            self.assertEqual((status, body), (200, {"event": "card-removed", "sent": True}))
            self.assertEqual(c.next_raw(), b"\xab\xcd\x00\x00\x00\x00\xa0\x5b")
            self.assertEqual(c.files(), {})
            self.assertEqual(c.capacity(), (0, 0))
            self.assertEqual(http_get(sim, sorted(files)[0])[0], 404)
            self.assertEqual(c.ask(0xA01F)[8:], FAILED, "no card to format")
            self.assertEqual(post(sim, "card-out")[0], 409)
            self.assertEqual(camera_state(sim)["card_present"], 0)
            status, body = post(sim, "card-in")
            self.assertEqual((status, body), (200, {"event": "card-inserted", "sent": True}))
            self.assertEqual(c.next_raw(), b"\xab\xcd\x00\x00\x00\x00\xa0\x5a")
            self.assertEqual(c.files(), files)
            c.close()
            self.assertEqual(sim.live_counter("card_removals"), 1)
            self.assertEqual(sim.live_counter("card_insertions"), 1)

    def test_recording_stops_with_card_full(self):
        card = 120000
        with IpcamSim("--h264", os.environ["IPCAM_SAMPLE_H264"], "--no-samples",
                      "--card-size", card) as sim:
            c = Client(sim.control_port)
            self.assertEqual(c.ask(0xA03A, b"\x01\x00\x00\x00")[4:8], b"\x00\x00\xa0\x3b")
            self.assertEqual(c.block()[15], 1, "recording")
            deadline = time.monotonic() + 30
            while True:
                self.assertLess(time.monotonic(), deadline, "no card-full event")
                raw = c.next_raw(timeout=30)
                if raw[4:8] == b"\x00\x00\xa0\x61":
                    break
            self.assertEqual(raw, b"\xab\xcd\x00\x00\x00\x00\xa0\x61")
            self.assertTrue(sim.wait_counter("recordings_saved", 1, 20))
            self.assertEqual(c.block()[15], 0, "stopped")
            files = c.files()
            self.assertEqual(len(files), 1, files)
            self.assertLessEqual(sum(files.values()), card)
            remaining, total = c.capacity()
            self.assertEqual((remaining, total), (card - sum(files.values()), card))
            c.close()


class Clock(unittest.TestCase):
    def test_clock_dates_new_files_and_shows_in_the_stats(self):
        with IpcamSim("--h264", os.environ["IPCAM_SAMPLE_H264"], "--no-samples") as sim:
            c = Client(sim.control_port)
            tm = (5, 4, 3, 2, 1, 2030, 3, 1, 0)  # 2030-01-02 03:04:05, a Wednesday
            self.assertEqual(c.ask(0xA011, struct.pack("<9i", *tm)),
                             b"\xab\xcd\x00\x04\x00\x00\xa0\x12" + OK)
            self.assertTrue(camera_state(sim)["clock"].startswith("2030-01-02T03:0"))
            bad = (5, 4, 3, 2, 13, 2030, 3, 1, 0)
            self.assertEqual(c.ask(0xA011, struct.pack("<9i", *bad))[8:], FAILED)
            self.assertEqual(c.ask(0xA011, b"\x00" * 8)[8:], FAILED, "short payload")
            c.send(0xA038)
            self.assertEqual(c.next()[0], 0xA039)
            path, = c.files()
            status, headers, _ = http_get(sim, path)
            self.assertEqual(status, 200)
            dated = email.utils.parsedate_to_datetime(headers["Last-Modified"]).timestamp()
            set_at = time.mktime((2030, 1, 2, 3, 4, 5, 0, 0, -1))
            self.assertGreaterEqual(dated, set_at)
            self.assertLess(dated, set_at + 60)
            c.close()
            self.assertEqual(sim.live_counter("clock_sets"), 1)
            self.assertEqual(sim.live_counter("clock_refused"), 2)


class Events(unittest.TestCase):
    def test_motion_photo_needs_the_setting_then_sends_its_event(self):
        with IpcamSim("--h264", os.environ["IPCAM_SAMPLE_H264"], "--no-samples") as sim:
            c = Client(sim.control_port)
            status, body = post(sim, "motion")
            self.assertEqual(status, 409)
            self.assertIn("motion-photo is off", body["error"])
            self.assertEqual(c.ask(0xA058, s32(1))[8:], OK)
            status, body = post(sim, "motion")
            self.assertEqual(status, 202)
            self.assertTrue(body["file"].startswith(MEDIA + "IMG_"))
            self.assertEqual(c.next_raw(timeout=20), b"\xab\xcd\x00\x00\x00\x00\xa0\x60")
            self.assertIn(body["file"], c.files())
            self.assertEqual(post(sim, "nonsense")[0], 404)
            c.close()

    def test_emergency_file_is_cut_from_the_recording(self):
        with IpcamSim("--h264", os.environ["IPCAM_SAMPLE_H264"], "--no-samples") as sim:
            c = Client(sim.control_port)
            self.assertEqual(post(sim, "emergency")[0], 409, "not recording")
            c.ask(0xA03A, b"\x01\x00\x00\x00")
            status, body = wait_for(lambda: (lambda r: r if r[0] == 202 else None)(
                post(sim, "emergency")), 20, "a recorded keyframe")
            self.assertTrue(body["file"].startswith(MEDIA + "SOS_"))
            raw = c.next_raw(timeout=20)
            self.assertEqual(raw, b"\xab\xcd\x01\x00\x00\x00\xa0\x40" +
                             body["file"].encode().ljust(256, b"\0"))
            self.assertIn(body["file"], c.files())
            self.assertEqual(c.block()[15], 1, "the recording goes on")
            c.close()


class Link(unittest.TestCase):
    def test_second_login_is_answered_busy_and_kept_open(self):
        with IpcamSim("--no-samples") as sim:
            first = Client(sim.control_port)
            second = Client(sim.control_port, login=False)
            second.send(0x0110, b"admin".ljust(64, b"\0") + b"12345".ljust(64, b"\0"))
            self.assertEqual(second.next_raw(), b"\xab\xcd\x00\x00\x00\x00\x12\x34")
            self.assertEqual(first.block(), ACT76_FIELDS, "the first client is unharmed")
            second.sock.settimeout(0.3)
            with self.assertRaises(socket.timeout):
                second.sock.recv(1)  # open, and silent
            first.close()
            second.close()
            self.assertEqual(sim.live_counter("busy_replies"), 1)

    def test_wifi_password_is_kept_never_printed_and_drops_the_client(self):
        with tempfile.TemporaryDirectory() as store:
            new = b"n3w-secret-pw"
            payload = b"IPCAMSIM".ljust(64, b"\0") + b"oldpassword".ljust(64, b"\0") + new.ljust(64, b"\0")
            with IpcamSim("--store", store, "--no-samples", "--verbose", capture_stderr=True) as sim:
                c = Client(sim.control_port)
                c.send(0xA031, payload)
                self.assertTrue(c.closed_within(5), "the access point restarts")
                c.close()
                self.assertEqual(sim.live_counter("wifi_password_changes"), 1)
            for secret in (new, b"oldpassword"):
                self.assertNotIn(secret.decode(), sim.stderr_text)
                self.assertNotIn(" ".join("%02x" % b for b in secret[:4]), sim.stderr_text)
            self.assertIn("0xa031", sim.stderr_text.lower(), "--verbose logs the request")
            with IpcamSim("--store", store, "--no-samples") as sim:
                # The old one no longer matches: refused, the link kept.
                c = Client(sim.control_port)
                c.send(0xA031, payload)
                self.assertEqual(c.block(), ACT76_FIELDS)
                newer = b"IPCAMSIM".ljust(64, b"\0") + new.ljust(64, b"\0") + b"third-pw-9".ljust(64, b"\0")
                c.send(0xA031, newer)
                self.assertTrue(c.closed_within(5))
                c.close()
                self.assertEqual(sim.live_counter("wifi_password_refused"), 1)
                self.assertEqual(sim.live_counter("wifi_password_changes"), 1)

    def test_wifi_off_drops_the_client(self):
        with IpcamSim("--no-samples") as sim:
            c = Client(sim.control_port)
            c.send(0xA030)
            self.assertTrue(c.closed_within(5))
            c.close()

    def test_stop_preview_stops_the_datagrams(self):
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rx.bind(("127.0.0.1", 0))
        self.addCleanup(rx.close)
        with IpcamSim("--h264", os.environ["IPCAM_SAMPLE_H264"], "--no-samples",
                      "--preview-port", rx.getsockname()[1]) as sim:
            c = Client(sim.control_port)
            c.send(0x01FF, b"\0" * 8)
            rx.settimeout(10)
            rx.recv(2048)
            c.send(0x02FF, b"\0" * 8)
            self.assertTrue(sim.wait_counter("preview_stops", 1, 5))
            # The stop is done on the camera's thread before the counter
            # shows it; watching for six frame intervals (30 fps) can then
            # only catch a datagram sent after it, never fail for a slow machine.
            sent = sim.live_counter("datagrams_sent")
            time.sleep(0.2)
            self.assertEqual(sim.live_counter("datagrams_sent"), sent)
            # 0xA05E starts it again.
            self.assertEqual(c.ask(0xA05E), b"\xab\xcd\x00\x04\x00\x00\xa0\x5f" + OK)
            self.assertTrue(sim.wait_counter("datagrams_sent", sent + 1, 10))
            c.close()


class RestOfTheMap(unittest.TestCase):
    def test_harmless_replies_and_slow_motion(self):
        with IpcamSim("--h264", os.environ["IPCAM_SAMPLE_H264"]) as sim:
            c = Client(sim.control_port)
            for request in (0xA023, 0xA032, 0xA03E):
                self.assertEqual(c.ask(request, s32(0)),
                                 b"\xab\xcd\x00\x04" + struct.pack(">I", request + 1) + OK)
            for request in (0xA015, 0xA017, 0xA019, 0xA02E, 0xA036, 0xA065):
                self.assertEqual(c.ask(request, s32(1)),
                                 b"\xab\xcd\x00\x04" + struct.pack(">I", request + 1) + FAILED)
            path = sorted(c.files())[0]
            transfer = s32(0) + path.encode().ljust(256, b"\0") + b"\0" * (820 - 260)
            raw = c.ask(0xA027, transfer)
            self.assertEqual(raw[:8], b"\xab\xcd\x03\x34\x00\x00\xa0\x28")
            url = "http://127.0.0.1:%d%s" % (sim.http_port, path)
            self.assertEqual(raw[8 + 308:8 + 820], url.encode().ljust(512, b"\0"))
            self.assertEqual(raw[8:8 + 308], transfer[:308])
            self.assertEqual(http_get(sim, url[len("http://127.0.0.1:%d" % sim.http_port):])[0], 200)
            thumb = path.encode().ljust(256, b"\0") + s32(0)
            self.assertEqual(c.ask(0xA048, thumb), b"\xab\xcd\x01\x04\x00\x00\xa0\x49" + thumb)
            missing = MEDIA.encode() + b"NOPE.JPG"
            self.assertEqual(c.ask(0xA048, missing.ljust(256, b"\0") + s32(0))[8 + 256:], FAILED)
            self.assertEqual(c.ask(0xA05C), b"\xab\xcd\x00\x04\x00\x00\xa0\x5d" + OK)
            self.assertEqual(c.ask(0xA046, s32(1)), b"\xab\xcd\x00\x04\x00\x00\xa0\x47" + OK)
            self.assertEqual(c.block()[15:17], [1, 1])
            self.assertEqual(c.ask(0xA046, s32(0))[8:], OK)
            self.assertEqual(c.block()[15:17], [0, 0])
            self.assertEqual(c.ask(0xA046, s32(2))[8:], FAILED)
            c.send(0xA029)  # transfer finished: no reply, the session goes on
            self.assertEqual(c.block(), ACT76_FIELDS)
            c.close()


if __name__ == "__main__":
    unittest.main()
