"""ipcam-sim --stats-file on something that is not a plain file (a FIFO
here; /dev/null is the usual one) writes into it and leaves it what it was:
replacing it with a new file would turn /dev/null into a root-owned
regular file that other users cannot write.

Run by meson (suite 'sim') with IPCAM_SIM and PYTHONPATH."""

import json
import os
import signal
import stat
import tempfile
import unittest
import urllib.request

from ipcamtest.sim import IpcamSim


class StatsFileTest(unittest.TestCase):
    def test_a_fifo_stays_a_fifo_and_gets_the_stats(self):
        with tempfile.TemporaryDirectory(prefix="ipcam-sim-stats-") as tmp:
            fifo = os.path.join(tmp, "stats")
            os.mkfifo(fifo)
            # Opened for reading first (without blocking), so the emulator's open for writing returns.
            reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
            try:
                sim = IpcamSim("--stats-file", fifo, "--preview-port", "6669", "--no-samples").start()
                # Its main loop answers (so its signal handlers are in place) before it is stopped.
                url = "http://127.0.0.1:%d/ipcam-sim/stats" % sim.http_port
                with urllib.request.urlopen(url, timeout=10) as r:
                    self.assertEqual(r.status, 200)
                self.assertEqual(sim.stop(signal.SIGTERM), 0)
                self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a file")
                data = os.read(reader, 65536).decode()
            finally:
                os.close(reader)
        self.assertIn("counters", json.loads(data.strip()))


if __name__ == "__main__":
    unittest.main()
