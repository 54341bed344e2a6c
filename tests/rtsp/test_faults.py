"""The camera dropping mid-stream: ipcamsrc reconnects inside the same
media and the watching client keeps receiving; when it gives up, clients
are closed and the server carries on."""

import time
import unittest

from ipcamtest.rtsp_rig import Rig


class FaultsTest(unittest.TestCase):
    def test_camera_drops_and_the_client_keeps_receiving(self):
        with Rig(sim_args=["--drop-after-frames", "45"], server_args=["--reconnect-backoff", "200"]) as rig:
            # 45 frames (1.5 s) per camera session; 7 s of watching is far
            # more than that, so most packets come after reconnects.
            packets, p = rig.count_packets(7)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertGreater(packets, 120)
            self.assertEqual(rig.status()["clients"], 0)
            self.assertEqual(rig.stop_server(), 0)
        # The emulator drops every camera session after 45 frames.
        drops = rig.sim.counter("sessions_dropped_fault")
        self.assertGreaterEqual(drops, 2)
        # The check, the stream, and one reconnect per drop, never a second client.
        self.assertEqual(rig.sim.counter("logins_accepted"), 2 + drops)
        self.assertEqual(rig.sim.counter("busy_refused"), 0)

    def test_clients_closed_when_ipcamsrc_gives_up(self):
        with Rig(sim_args=["--drop-after-frames", "30"], server_args=["--reconnect-attempts", "0"]) as rig:
            start = time.monotonic()
            client = rig.start_ffmpeg(seconds=30)
            _, err = client.communicate(timeout=25)
            # The client ended long before its 30 s because the server closed it.
            self.assertLess(time.monotonic() - start, 20)
            rig.wait_for(lambda: not rig.status()["camera"]["connected"] and rig.status()["clients"] == 0, 10,
                         "clients closed and camera released")
            self.assertIn("gave up", rig.server.stderr())
            self.assertIsNone(rig.server.proc.poll())  # the server carries on
            self.assertEqual(rig.stop_server(), 0)


if __name__ == "__main__":
    unittest.main()
