"""The Python helper (ipcamtest.sim) against the real program:
ready line, discovery on both ports, login by hand, clean exit and stats."""

import os
import socket
import struct
import unittest

from ipcamtest.sim import IpcamSim, IpcamSimError


def control(msg_type, payload=b""):
    return b"\xab\xcd" + struct.pack(">HI", len(payload), msg_type) + payload


class IpcamSimHelperTest(unittest.TestCase):
    def test_ready_discovery_login_stats(self):
        sample = os.environ["IPCAM_SAMPLE_H264"]
        with IpcamSim("--h264", sample, "--no-samples", "--serial", "PY-1") as sim:
            self.assertEqual(len(sim.discovery_ports), 2)
            self.assertTrue(os.path.isdir(sim.store))
            for port in sim.discovery_ports:
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                u.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
                u.settimeout(3)
                u.sendto(control(0x0114), ("127.255.255.255", port))
                answer, sender = u.recvfrom(256)
                u.close()
                self.assertEqual(sender[1], port)
                self.assertEqual(answer, control(0x0115, b"PY-1".ljust(64, b"\0")))
            s = socket.create_connection(("127.0.0.1", sim.control_port), timeout=5)
            s.sendall(control(0x0110, b"admin".ljust(64, b"\0") + b"12345".ljust(64, b"\0")))
            got = b""
            while len(got) < 8 + 8 + 128:
                chunk = s.recv(4096)
                self.assertTrue(chunk, "connection closed during login")
                got += chunk
            self.assertEqual(got[:8], control(0x0112))
            self.assertEqual(got[8:16], b"\xab\xcd\x00\x80\x00\x00\x01\x11")
            # The live counters while it runs; reading them counts nothing.
            self.assertTrue(sim.wait_counter("logins_accepted", 1, 5))
            self.assertEqual(sim.live_counter("discovery_answers"), 2)
            s.close()
        self.assertEqual(sim.exit_code, 0)
        self.assertEqual(sim.counter("discovery_answers"), 2)
        self.assertEqual(sim.counter("logins_accepted"), 1)
        self.assertEqual(sim.counter("http_requests"), 0)

    def test_failure_to_start_is_reported(self):
        with self.assertRaises(IpcamSimError) as ctx:
            IpcamSim("--preview-port", "0", capture_stderr=True).start()
        self.assertIn("--preview-port 0", str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
