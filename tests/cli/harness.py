"""Shared pieces of the `ipcam` CLI tests: the emulator on ephemeral ports,
running the tool, and waiting on what it prints (never sleep-and-hope)."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import unittest

# The test files take these from here too (from harness import *).
from ipcamtest.ports import free_tcp_port, free_udp_port  # noqa: F401
from ipcamtest.sim import IpcamSim
from ipcamtest.waiting import LineWatcher

IPCAM = os.environ.get("IPCAM", "")
IPCAM_SIM = os.environ.get("IPCAM_SIM", "")
SAMPLE_H264 = os.environ.get("IPCAM_SAMPLE_H264", "")
CAMERA_DIR = "/mnt/sdcard/DCIM/100MEDIA/"

# Exit codes, as documented in `ipcam --help` and docs/cli.md.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NO_CAMERA = 0, 1, 2, 3
EXIT_LOGIN_REFUSED, EXIT_NOT_IPCAM, EXIT_TIMEOUT, EXIT_IO = 4, 5, 6, 7
EXIT_INTERRUPTED = 130



def tool_env(**extra):
    env = dict(os.environ)
    env["CI"] = "true"  # no progress bars, no prompts
    env.pop("IPCAM_PASSWORD", None)
    env.update(extra)
    return env


class Sim:
    """ipcam-sim (through the shared ipcamtest.sim) on ephemeral
    ports, with the preview port picked here for both sides."""

    def __init__(self, *args, store=None, video=True):
        self.preview_port = free_udp_port()
        extra = ["--preview-port", str(self.preview_port)]
        if store:
            extra += ["--store", store]
        if video and SAMPLE_H264:
            extra += ["--h264", SAMPLE_H264]
        self.sim = IpcamSim(*extra, *args).start()
        self.ready = self.sim.ready
        self.control_port = self.sim.control_port
        self.http_port = self.sim.http_port
        self.discovery_ports = self.sim.discovery_ports
        self.store = self.sim.store

    def options(self):
        """Global options that point `ipcam` at this emulator."""
        return ["--camera", "127.0.0.1", "--control-port", str(self.control_port),
                "--http-port", str(self.http_port), "--preview-port", str(self.preview_port),
                "--discovery-port", str(self.discovery_ports[0])]

    def close(self):
        self.sim.stop()


class CliTestCase(unittest.TestCase):
    def setUp(self):
        self.assertTrue(IPCAM and os.path.exists(IPCAM), "IPCAM names no program")
        self.tmp = tempfile.mkdtemp(prefix="ipcam-cli-test-")
        self.sims = []

    def tearDown(self):
        for s in self.sims:
            s.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start_sim(self, *args, **kwargs):
        self.assertTrue(IPCAM_SIM, "IPCAM_SIM is not set")
        sim = Sim(*args, **kwargs)
        self.sims.append(sim)
        return sim

    def make_store(self, files):
        """A store folder with {name: bytes}; returns its path."""
        store = os.path.join(self.tmp, "store")
        os.makedirs(store, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(store, name), "wb") as f:
                f.write(data)
        return store

    def run_ipcam(self, *args, timeout=60, env=None, cwd=None):
        return subprocess.run([IPCAM, *args], capture_output=True, text=True, timeout=timeout,
                              env=env or tool_env(), cwd=cwd or self.tmp)

    def start_ipcam(self, *args, env=None, stdout=subprocess.PIPE, cwd=None):
        proc = subprocess.Popen([IPCAM, *args], stdout=stdout, stderr=subprocess.PIPE,
                                env=env or tool_env(), cwd=cwd or self.tmp)
        self.addCleanup(stop_process, proc)
        return proc, LineWatcher(proc.stderr)

    def assertExit(self, result, code, *texts):
        """Exit code and the words a user sees on stderr."""
        self.assertEqual(result.returncode, code,
                         "exit %d, wanted %d\nstdout: %s\nstderr: %s"
                         % (result.returncode, code, result.stdout, result.stderr))
        for t in texts:
            self.assertIn(t, result.stderr)

    def json_of(self, result):
        self.assertExit(result, EXIT_OK)
        return json.loads(result.stdout)


def stop_process(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for s in (proc.stdout, proc.stderr):
        if s:
            s.close()


def which(program):
    return shutil.which(program)
