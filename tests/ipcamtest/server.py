"""ipcam-rtsp-server as every test starts it: the program with the test's
arguments, its stdout read for the JSON ready line (the server prints it
once every port is bound), its stderr kept in a file for the failure text,
and a stop that times how long the exit took.

    with Server(["--camera", "127.0.0.1", "--port", 0, ...]) as server:
        ready = server.wait_ready()       # the ready-line dict, or None
        ready["url"], ready["control"], server.pid, server.stderr()
        server.stop()                     # -> (exit code or "hung", seconds)
    server.peak_mib                       # its peak memory, from the kernel at its exit
    run(["--config", path])               # a run meant to end (a refusal)

The program is $IPCAM_RTSP_SERVER unless `program` is given (the bench
starts its plain gst-rtsp-server the same way: it prints a ready line too).
"""

import json
import os
import signal
import subprocess
import tempfile
import time

from ipcamtest.waiting import read_line

SERVER = os.environ.get("IPCAM_RTSP_SERVER", "")

# `stderr=` value: keep it in a file that stderr() reads.
KEEP = "keep"


class Server:
    """One running server. `wrapper` goes before the program (setpriv, to
    run it as another user); `env` replaces the environment; `stderr` is
    KEEP or what subprocess.Popen takes (None: the test's own, DEVNULL)."""

    def __init__(self, args, program=None, wrapper=(), env=None, stderr=KEEP):
        self.args = [str(a) for a in args]
        self._tmp = tempfile.TemporaryDirectory(prefix="ipcam-rtsp-test-")
        self._err = open(os.path.join(self._tmp.name, "stderr.txt"), "w+b") if stderr == KEEP else None
        argv = list(wrapper) + [program or SERVER] + self.args
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=self._err if stderr == KEEP else stderr,
                                     stdin=subprocess.DEVNULL, env=env)
        self.ready = None
        self.ready_line = None
        self.exit_code = None
        self.peak_mib = None

    @property
    def pid(self):
        return self.proc.pid

    def wait_ready(self, timeout=20):
        """The ready line as a dict (also in .ready, its text in
        .ready_line), or None when none came within `timeout` s."""
        line = read_line(self.proc, timeout)
        if line is None:
            return None
        self.ready_line = line
        self.ready = json.loads(line)
        return self.ready

    def stderr_bytes(self):
        """What the server printed on stderr so far, as bytes (b"" when not kept)."""
        if not self._err:
            return b""
        self._err.flush()
        with open(self._err.name, "rb") as f:
            return f.read()

    def stderr(self):
        """What the server printed on stderr so far ("" when not kept)."""
        return self.stderr_bytes().decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Signals the server; returns (exit code, seconds it took)."""
        if self.proc.returncode is None and not self._reap(0):
            # Not reaped, so the pid is still ours (Popen.send_signal's own
            # poll() could reap an exit right here, and its peak memory with it).
            os.kill(self.proc.pid, sig)
        start = time.monotonic()
        if not self._reap(timeout):
            self.proc.kill()
            self._reap(None)
            self.exit_code = "hung"
            return self.exit_code, time.monotonic() - start
        self.exit_code = self.proc.returncode
        return self.exit_code, time.monotonic() - start

    def _reap(self, timeout):
        """Waits for the exit with wait4, whose rusage holds the peak memory
        (Popen.wait has no rusage); False when it still runs after `timeout`
        s (None: no limit)."""
        if self.proc.returncode is not None:  # reaped already (poll())
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            pid, status, rusage = os.wait4(self.proc.pid, 0 if deadline is None else os.WNOHANG)
            if pid:
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                self.peak_mib = rusage.ru_maxrss / 1024.0  # KiB on Linux
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.005)

    def close(self):
        if self.proc.poll() is None:
            self.stop()
        self.proc.stdout.close()
        if self._err:
            self._err.close()
        self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def start(args, timeout=20, **kwargs):
    """A Server that has printed its ready line; raises RuntimeError (with
    its stderr) when it did not."""
    server = Server(args, **kwargs)
    if not server.wait_ready(timeout):
        err = server.stderr()
        server.close()
        raise RuntimeError("ipcam-rtsp-server printed no ready line; stderr:\n" + err)
    return server


def run(args, timeout=20, env=None):
    """The server run to its end (a refusal at start-up): the
    CompletedProcess, stdout and stderr as bytes."""
    return subprocess.run([SERVER] + [str(a) for a in args], capture_output=True, timeout=timeout, env=env)
