"""ipcam settings, record status, set-clock and wifi-password against
ipcam-sim: what a user sees (output, exit codes) and
what the camera then holds (its block read back with a raw 0xA034, its
statistics)."""

import datetime
import json
import os
import struct
import subprocess
import unittest
import urllib.request

from harness import *  # noqa: F401,F403

EXIT_REFUSED = 8
# The 112-byte block's fields, in order (docs/settings.md).
FIELDS = ["video-quality", "loop-length", "time-lapse", "slow-motion-size", "record-sound",
          "photo-quality", "self-timer", "auto-photo", "motion-photo", "exposure", "white-balance",
          "rotation", "flicker", "led", "screen-sleep", "recording", "slow-motion-recording",
          "language", "watermark", "model"]
WRITE_ONLY = ["boot-record", "mirror", "motion-detect", "bitrate", "video-size"]
# The emulator's defaults: the ACT76 capture (docs/protocol.md).
ACT76 = [1, 0, 0, 1, 1, 4, 0, 0, 0, 3, 0, 0, 0, 1, 1, 0, 0, 8, 0, 0]


def camera_state(sim):
    """The running emulator's "camera" state (its clock, card, recording)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open("http://127.0.0.1:%d/ipcam-sim/stats" % sim.http_port, timeout=5) as r:
        return json.loads(r.read())["camera"]


class Settings(CliTestCase):
    def setUp(self):
        super().setUp()
        self.store = os.path.join(self.tmp, "store")
        self.sim = self.start_sim("--no-samples", store=self.store)

    def block(self):
        """The camera's block, read with a raw request (not through the
        settings code under test): {name: value}."""
        replies = self.json_of(self.run_ipcam("raw", "0xA034", "--json", *self.sim.options()))
        payload = bytes.fromhex(next(r["payload"] for r in replies if r["type"] == 0xA035))
        self.assertEqual(len(payload), 112)
        return dict(zip(FIELDS, struct.unpack("<20i", payload[:80])))

    def test_list_json_is_the_block(self):
        values = self.json_of(self.run_ipcam("settings", "--json", *self.sim.options()))
        self.assertEqual(values, dict(zip(FIELDS, ACT76)))
        self.assertEqual(values, self.block())

    def test_list_text_names_every_setting(self):
        r = self.run_ipcam("settings", *self.sim.options())
        self.assertExit(r, EXIT_OK, "firmware v1.0 rc5")
        lines = {line.split()[0]: line.split()[1:] for line in r.stdout.splitlines()}
        self.assertEqual(list(lines), FIELDS + WRITE_ONLY)
        self.assertEqual(lines["exposure"], ["3"])
        self.assertEqual(lines["recording"], ["0", "stopped"])  # the one label the model table knows
        self.assertIn("write-only", " ".join(lines["mirror"]))

    def test_set_taken_refused_and_sent(self):
        r = self.run_ipcam("settings", "exposure=2", "led=0", "mirror=1", *self.sim.options())
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout.splitlines(), ["exposure=2: taken", "led=0: taken",
                                                 "mirror=1: sent (write-only: the camera does not report it)"])
        block = self.block()
        self.assertEqual((block["exposure"], block["led"]), (2, 0))
        # Past the menu's end: the camera's non-zero result, exit 8, nothing changed.
        r = self.run_ipcam("settings", "exposure=99", "--json", *self.sim.options())
        self.assertExit(r, EXIT_REFUSED, "1 of 1 settings not taken")
        [result] = json.loads(r.stdout)
        self.assertEqual((result["name"], result["index"], result["outcome"]), ("exposure", 99, "refused"))
        self.assertNotEqual(result["result"], 0)
        self.assertEqual(self.block()["exposure"], 2)

    def test_ignored(self):
        sim = self.start_sim("--no-samples", "--past-menu", "ignore")
        r = self.run_ipcam("settings", "exposure=99", *sim.options())
        self.assertExit(r, EXIT_REFUSED, "not taken")
        self.assertEqual(r.stdout.strip(), "exposure=99: ignored (the camera kept 3)")

    def test_unknown_and_read_only_names_are_usage_errors(self):
        r = self.run_ipcam("settings", "exposure=1", "brightness=2", *self.sim.options())
        self.assertExit(r, EXIT_USAGE, "unknown setting 'brightness'", "video-quality", "watermark", "mirror")
        r = self.run_ipcam("settings", "recording=1", *self.sim.options())
        self.assertExit(r, EXIT_USAGE, "'recording' is read-only")
        r = self.run_ipcam("settings", "exposure=bright", *self.sim.options())
        self.assertExit(r, EXIT_USAGE, "NAME=INDEX")
        self.assertEqual(self.block()["exposure"], 3)  # nothing was sent

    def test_record_status(self):
        r = self.run_ipcam("record", "status", *self.sim.options())
        self.assertExit(r, EXIT_OK)
        self.assertEqual(r.stdout.strip(), "not recording")
        self.assertExit(self.run_ipcam("record", "start", *self.sim.options()), EXIT_OK)
        self.assertEqual(self.json_of(self.run_ipcam("record", "status", "--json", *self.sim.options())),
                         {"recording": True})
        self.assertExit(self.run_ipcam("record", "stop", *self.sim.options()), EXIT_OK)

    def test_set_clock(self):
        r = self.run_ipcam("set-clock", "--time", "2026-05-01T12:34:56", *self.sim.options(),
                           env=tool_env(TZ="UTC"))
        self.assertExit(r, EXIT_OK, "camera clock set to 2026-05-01 12:34:56")
        # The emulator reads the fields as its host's local time, and its clock runs on.
        shown = datetime.datetime.fromisoformat(camera_state(self.sim)["clock"])
        set_to = datetime.datetime(2026, 5, 1, 12, 34, 56)
        self.assertTrue(set_to <= shown < set_to + datetime.timedelta(seconds=30), shown)
        r = self.run_ipcam("set-clock", "--time", "yesterday", *self.sim.options())
        self.assertExit(r, EXIT_USAGE, "ISO 8601")

    def wifi(self, stdin_text, *args):
        return subprocess.run([IPCAM, "wifi-password", *args, *self.sim.options()], input=stdin_text,
                              capture_output=True, text=True, timeout=60, env=tool_env(), cwd=self.tmp)

    def test_wifi_password_from_stdin(self):
        old, new = "12345678", "correct-horse-9"
        r = self.wifi(old + "\n" + new + "\n", "--ssid", "CAM-1234")
        self.assertExit(r, EXIT_OK, "Wi-Fi password of CAM-1234 changed")
        for secret in (old, new):
            self.assertNotIn(secret, r.stdout + r.stderr)
        self.assertTrue(self.sim.sim.wait_counter("wifi_password_changes", 1, 10))

    def test_wifi_password_from_the_terminal_without_echo(self):
        import pty
        import select
        import time
        old, new = "12345678", "new-secret-77"
        master, slave = pty.openpty()
        env = tool_env()
        del env["CI"]  # a terminal is asked only outside CI
        proc = subprocess.Popen([IPCAM, "wifi-password", "--ssid", "CAM-1234", *self.sim.options()],
                                stdin=slave, stdout=subprocess.PIPE, stderr=slave, env=env, cwd=self.tmp)
        os.close(slave)
        seen = b""

        def until(text, timeout=20):
            nonlocal seen
            deadline = time.monotonic() + timeout
            while text not in seen:
                left = deadline - time.monotonic()
                self.assertGreater(left, 0, "no %r on the terminal: %r" % (text, seen))
                if select.select([master], [], [], left)[0]:
                    try:
                        seen += os.read(master, 4096)
                    except OSError:  # EIO: the program closed the terminal
                        self.fail("terminal closed before %r: %r" % (text, seen))

        try:
            for prompt, answer in ((b"Current Wi-Fi password: ", old), (b"New Wi-Fi password (8 to 63 bytes): ", new),
                                   (b"New Wi-Fi password again: ", new)):
                until(prompt)
                os.write(master, answer.encode() + b"\n")
            until(b"Wi-Fi password of CAM-1234 changed")
            out, _ = proc.communicate(timeout=30)
        finally:
            os.close(master)
        self.assertEqual(proc.returncode, EXIT_OK)
        for secret in (old, new):
            self.assertNotIn(secret.encode(), seen + out)  # no echo, never printed
        self.assertTrue(self.sim.sim.wait_counter("wifi_password_changes", 1, 10))

    def test_wifi_password_refuses_what_it_must(self):
        r = self.wifi("12345678\nshort\n", "--ssid", "CAM-1234")
        self.assertExit(r, EXIT_USAGE, "8 to 63 bytes")
        self.assertNotIn("short", r.stdout + r.stderr.replace("too short", ""))
        self.assertExit(self.wifi("12345678\n", "--ssid", "CAM-1234"), EXIT_USAGE, "one per line")
        self.assertExit(self.wifi("", "--ssid", "CAM-1234", "12345678", "abcdefgh"), EXIT_USAGE,
                        "never taken from the command line")
        self.assertExit(self.wifi("12345678\nabcdefgh\n"), EXIT_USAGE, "--ssid")
        self.assertEqual(self.sim.sim.live_counter("wifi_password_changes"), 0)


if __name__ == "__main__":
    unittest.main()
