"""ipcam-sim, the camera emulator, run from a Python test.

    from ipcamtest.sim import IpcamSim
    with IpcamSim("--h264", sample, "--preview-port", str(port)) as sim:
        sim.control_port, sim.http_port, sim.discovery_ports, sim.store
        sim.ready            # the whole ready-line dict
    sim.exit_code, sim.stats  # after the block: exit status and stats dict

The emulator is $IPCAM_SIM unless `binary` is given. Ports the arguments do
not set default to 0 (any free port): control, HTTP, two discovery ports.
"""

import json
import os
import signal
import subprocess
import tempfile
import urllib.request

from ipcamtest.waiting import read_line, wait_until


class IpcamSimError(RuntimeError):
    pass


def _has_option(args, name):
    return any(a == name or a.startswith(name + "=") for a in args)


class IpcamSim:
    def __init__(self, *args, binary=None, capture_stderr=False, timeout=30.0,
                 default_ports=True):
        self.args = [str(a) for a in args]
        self.binary = binary or os.environ.get("IPCAM_SIM")
        if not self.binary:
            raise IpcamSimError("IPCAM_SIM is not set: run the test through meson")
        self.capture_stderr = capture_stderr
        self.timeout = timeout
        self.default_ports = default_ports
        self.proc = None
        self.ready = None
        self.exit_code = None
        self.stats = None
        self.stderr_text = None
        self._tmp = None
        self._stats_path = None
        self._stderr_file = None

    # -- ready-line fields
    @property
    def control_port(self):
        return self.ready["control_port"]

    @property
    def http_port(self):
        return self.ready["http_port"]

    @property
    def discovery_ports(self):
        return self.ready["discovery_ports"]

    @property
    def preview_port(self):
        return self.ready["preview_port"]

    @property
    def store(self):
        return self.ready["store"]

    def start(self):
        # A folder per run, for the exit stats and stderr; stop() removes it.
        self._tmp = tempfile.TemporaryDirectory(prefix="ipcam-simpy-")
        self._stats_path = os.path.join(self._tmp.name, "stats.json")
        argv = [self.binary]
        if self.default_ports:
            if not _has_option(self.args, "--control-port"):
                argv += ["--control-port", "0"]
            if not _has_option(self.args, "--http-port"):
                argv += ["--http-port", "0"]
            if not _has_option(self.args, "--discovery-port"):
                argv += ["--discovery-port", "0", "--discovery-port", "0"]
        if not _has_option(self.args, "--stats-file"):
            argv += ["--stats-file", self._stats_path]
        argv += self.args
        if self.capture_stderr:
            self._stderr_file = open(os.path.join(self._tmp.name, "stderr.txt"), "w+b")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=self._stderr_file, stdin=subprocess.DEVNULL)
        line = read_line(self.proc, self.timeout)
        if not line:
            code = self.stop()
            err = self.stderr_text or ""
            raise IpcamSimError(
                "ipcam-sim did not print its ready line (exit %r)%s"
                % (code, ("; stderr: " + err) if err else ""))
        self.ready = json.loads(line)
        return self

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        """Signal the emulator, wait, and return its exit code."""
        if self.proc is None:
            return self.exit_code
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.exit_code = self.proc.returncode
        self.proc.stdout.close()
        self.proc = None
        if os.path.exists(self._stats_path):
            with open(self._stats_path) as f:
                text = f.read().strip()
            self.stats = json.loads(text) if text else None
        if self._stderr_file:
            self._stderr_file.seek(0)
            self.stderr_text = self._stderr_file.read().decode(errors="replace")
            self._stderr_file.close()
            self._stderr_file = None
        self._tmp.cleanup()
        return self.exit_code

    def counter(self, name):
        """A counter from the exit stats (after stop), 0 if absent."""
        return ((self.stats or {}).get("counters") or {}).get(name, 0)

    def live_counter(self, name):
        """A counter as the running emulator has it now (its HTTP port's
        /ipcam-sim/stats), 0 if absent."""
        host = self.args[self.args.index("--bind") + 1] if "--bind" in self.args[:-1] else "127.0.0.1"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open("http://%s:%d/ipcam-sim/stats" % (host, self.http_port), timeout=5) as r:
            return (json.loads(r.read()).get("counters") or {}).get(name, 0)

    def wait_counter(self, name, at_least, timeout):
        """Waits until live_counter(name) >= at_least; False after `timeout` s."""
        return wait_until(lambda: self.live_counter(name) >= at_least, timeout, 0.02)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def __del__(self):
        try:
            self.stop()
        except Exception:
            pass
