"""ipcam against ipcam-sim: help and usage, discover, info, ls, raw, still,
record, and every error path with its exit code and message."""

import os
import unittest

from harness import *  # noqa: F401,F403


class Usage(CliTestCase):
    def test_help_lists_commands_and_exit_codes(self):
        r = self.run_ipcam("--help")
        self.assertExit(r, EXIT_OK)
        for word in ("discover", "info", "ls", "fetch", "still", "record", "raw", "preview",
                     "relay", "Exit codes", "--camera", "--json", "IPCAM_PASSWORD"):
            self.assertIn(word, r.stdout)

    def test_command_help_both_ways(self):
        for args in (["help", "fetch"], ["fetch", "--help"], ["--camera", "1.2.3.4", "fetch", "-h"]):
            r = self.run_ipcam(*args)
            self.assertExit(r, EXIT_OK)
            self.assertIn("--latest", r.stdout)
            self.assertIn("--continue", r.stdout)
            self.assertIn("--camera", r.stdout)  # global options too
            self.assertIn("Exit codes", r.stdout)

    def test_timeout_must_be_a_real_wait(self):
        for value in ("0", "-3"):
            r = self.run_ipcam("--timeout", value, "ls", "--camera", "127.0.0.1")
            self.assertExit(r, EXIT_USAGE, "--timeout must be more than 0")

    def test_timeout_help_names_every_default(self):
        r = self.run_ipcam("ls", "--help")
        self.assertIn("10 for the", r.stdout)

    def test_relay_to_wants_a_numeric_address(self):
        r = self.run_ipcam("relay", "--to", "nowhere", "--camera", "127.0.0.1")
        self.assertExit(r, EXIT_USAGE, "numeric address")

    def test_version(self):
        r = self.run_ipcam("--version")
        self.assertExit(r, EXIT_OK)
        self.assertRegex(r.stdout, r"^ipcam \d+\.\d+")

    def test_usage_errors_exit_2(self):
        cases = [([], "COMMAND"),
                 (["bogus"], "unknown command 'bogus'"),
                 (["ls", "--bogus"], "--bogus"),
                 (["record"], "record start"),
                 (["record", "pause"], "record start"),
                 (["fetch"], "--latest"),
                 (["fetch", "--latest", "/x"], "not both"),
                 (["raw"], "TYPE"),
                 (["raw", "zz"], "not a message type"),
                 (["raw", "0xA034", "0g"], "hex"),
                 (["relay", "--to", "host:notaport"], "HOST:PORT"),
                 (["ls", "--control-port", "70000"], "between 1 and 65535"),
                 (["discover", "--discovery-port", "x"], "not a port number"),
                 (["ls", "--max-files", "0"], "--max-files must be 1 or more"),
                 (["raw", "0xA034", "--max-replies", "0"], "--max-replies must be 1 or more"),
                 (["help", "bogus"], "unknown command")]
        for args, text in cases:
            with self.subTest(args=args):
                self.assertExit(self.run_ipcam(*args), EXIT_USAGE, text)


class Discovery(CliTestCase):
    def test_discover_finds_the_emulator(self):
        sim = self.start_sim("--serial", "CLITEST42")
        ports = []
        for p in sim.discovery_ports:
            ports += ["--discovery-port", str(p)]
        r = self.run_ipcam("discover", "--broadcast", "127.255.255.255", *ports, "--timeout", "1")
        self.assertExit(r, EXIT_OK)
        self.assertIn("127.0.0.1", r.stdout)
        self.assertIn("CLITEST42", r.stdout)
        # --json before the command works as well as after it.
        r = self.run_ipcam("--json", "discover", "--broadcast", "127.255.255.255", *ports,
                           "--timeout", "1")
        cams = self.json_of(r)
        self.assertIsInstance(cams, list)
        self.assertEqual([c["address"] for c in cams], ["127.0.0.1"])
        self.assertEqual(cams[0]["serial"], "CLITEST42")

    def test_no_camera(self):
        port = free_udp_port()
        r = self.run_ipcam("discover", "--broadcast", "127.255.255.255", "--discovery-port",
                           str(port), "--timeout", "0.5")
        self.assertExit(r, EXIT_NO_CAMERA, "no camera answered on 127.255.255.255",
                        str(port), "camera's WiFi")
        self.assertEqual(r.stdout, "")

    def test_commands_discover_without_camera_option(self):
        sim = self.start_sim()
        r = self.run_ipcam("info", "--json", "--broadcast", "127.255.255.255",
                           "--discovery-port", str(sim.discovery_ports[0]),
                           "--control-port", str(sim.control_port), "--timeout", "2")
        self.assertEqual(self.json_of(r)["address"], "127.0.0.1")

    def test_no_camera_for_a_command(self):
        r = self.run_ipcam("ls", "--broadcast", "127.255.255.255", "--discovery-port",
                           str(free_udp_port()), "--timeout", "0.5")
        self.assertExit(r, EXIT_NO_CAMERA, "no camera answered", "--camera")


class ProtocolVariants(CliTestCase):
    def test_login_accepted_of_129_bytes(self):
        # SJ4000 Air clients wait for a 129-byte login accepted; ours takes both.
        sim = self.start_sim("--login-reply-length", "129", "--firmware", "v129")
        info = self.json_of(self.run_ipcam("info", "--json", *sim.options()))
        self.assertEqual(info["firmware"], "v129")


class Commands(CliTestCase):
    def setUp(self):
        super().setUp()
        self.files = {"IMG_0001.JPG": os.urandom(3000), "VID_0001.MP4": os.urandom(70000)}
        self.sim = self.start_sim("--firmware", "v9.9 cli", "--serial", "SERIAL77",
                                  store=self.make_store(self.files))
        self.opts = self.sim.options()

    def test_info(self):
        r = self.run_ipcam(*self.opts, "info")
        self.assertExit(r, EXIT_OK)
        self.assertIn("v9.9 cli", r.stdout)
        self.assertIn("SERIAL77", r.stdout)
        info = self.json_of(self.run_ipcam("info", "--json", *self.opts))
        self.assertEqual(info["firmware"], "v9.9 cli")
        self.assertEqual(info["serial"], "SERIAL77")
        self.assertEqual(info["address"], "127.0.0.1")

    def test_ls(self):
        r = self.run_ipcam("ls", *self.opts)
        self.assertExit(r, EXIT_OK)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertEqual(lines[0].split(), ["3000", CAMERA_DIR + "IMG_0001.JPG"])
        listing = self.json_of(self.run_ipcam("ls", "--json", *self.opts))
        self.assertEqual(sorted((f["path"], f["size"]) for f in listing),
                         sorted((CAMERA_DIR + n, len(d)) for n, d in self.files.items()))

    def test_raw_prints_every_reply(self):
        r = self.run_ipcam("raw", "0xA034", *self.opts, "--timeout", "1")
        self.assertExit(r, EXIT_OK)
        self.assertIn("0xa035 firmware info", r.stdout)
        self.assertIn("|v9.9 cli", r.stdout)  # the text column of the hex dump
        replies = self.json_of(self.run_ipcam("raw", "0xA025", "01 00 00 00", "--json",
                                              *self.opts, "--timeout", "1"))
        self.assertEqual([x["type"] for x in replies], [0xA026])
        payload = bytes.fromhex(replies[0]["payload"])
        self.assertIn(b"IMG_0001.JPG:3000;", payload)
        self.assertEqual(replies[0]["size"], len(payload))

    def test_raw_unknown_type_has_no_reply(self):
        r = self.run_ipcam("raw", "0xA0F0", *self.opts, "--timeout", "0.5")
        self.assertExit(r, EXIT_OK, "no reply within 0.5 s")
        self.assertEqual(r.stdout, "")

    def test_still_and_record(self):
        r = self.run_ipcam("still", *self.opts)
        self.assertExit(r, EXIT_OK, "picture taken")
        self.assertEqual(self.json_of(self.run_ipcam("still", "--json", *self.opts)),
                         {"taken": True})
        self.assertEqual(self.json_of(self.run_ipcam("record", "start", "--json", *self.opts)),
                         {"recording": True})
        r = self.run_ipcam(*self.opts, "record", "stop")
        self.assertExit(r, EXIT_OK, "recording stopped")
        names = os.listdir(self.sim.store)
        self.assertEqual(len([n for n in names if n.startswith("IMG_") and n != "IMG_0001.JPG"]), 2)

    def test_password_from_environment_and_never_printed(self):
        sim = self.start_sim("--password", "s3cr3t-pw")
        r = self.run_ipcam("info", "--verbose", *sim.options(),
                           env=tool_env(IPCAM_PASSWORD="s3cr3t-pw"))
        self.assertExit(r, EXIT_OK)
        self.assertNotIn("s3cr3t-pw", r.stdout + r.stderr)


class Errors(CliTestCase):
    def test_wrong_password(self):
        sim = self.start_sim()
        r = self.run_ipcam("info", *sim.options(), "--password", "wrong-pw-1", "--verbose")
        self.assertExit(r, EXIT_LOGIN_REFUSED, "127.0.0.1", "--password")
        self.assertNotIn("wrong-pw-1", r.stdout + r.stderr)

    def test_busy(self):
        sim = self.start_sim()
        # A first client holds the camera's one session.
        holder, err = self.start_ipcam("raw", "0x0113", "--timeout", "60", "--verbose",
                                       *sim.options())
        self.assertIsNotNone(err.wait_for("logged in"), "the first client did not log in")
        # The camera answers a second login with 0x1234: said at once, not
        # after the login timeout, and telling what to close.
        r = self.run_ipcam("ls", *sim.options())
        self.assertExit(r, EXIT_LOGIN_REFUSED, "127.0.0.1", "close the phone app", "--server")
        self.assertNotIn("within", r.stderr)
        stop_process(holder, signal.SIGINT)
        self.assertEqual(holder.returncode, EXIT_INTERRUPTED)

    def test_silent(self):
        sim = self.start_sim("--silent")
        r = self.run_ipcam("info", *sim.options(), "--timeout", "1")
        self.assertExit(r, EXIT_TIMEOUT, "127.0.0.1", "--timeout")

    def test_not_an_ipcam_device(self):
        sim = self.start_sim("--foreign-protocol")
        r = self.run_ipcam("info", *sim.options(), "--timeout", "2")
        self.assertExit(r, EXIT_NOT_IPCAM, "not an ipcam", "--control-port")

    def test_nothing_listening(self):
        r = self.run_ipcam("info", "--camera", "127.0.0.1", "--control-port",
                           str(free_tcp_port()), "--timeout", "2")
        self.assertExit(r, EXIT_NO_CAMERA, "127.0.0.1", "WiFi")


if __name__ == "__main__":
    unittest.main()
