"""Waiting on what another process or thread does, with a deadline: a
condition polled until it holds, a ready line on a pipe, a line a program
prints on stderr. Tests wait for what they need to see, never sleep and hope."""

import os
import queue
import selectors
import subprocess
import threading
import time


def end_process(proc, timeout=10):
    """Asks `proc` to end (SIGTERM) if it still runs, gives it `timeout` s,
    then kills it; it is reaped either way."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_until(predicate, timeout=20.0, interval=0.01):
    """Polls `predicate` (state owned by another thread or process, such as
    files on disk) every `interval` s; True once it holds, False after
    `timeout` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def wait_for(condition, timeout, what, interval=0.05):
    """Polls `condition` until it gives a true value and returns that value;
    fails the test ("timed out waiting for WHAT") after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting for " + what)


def read_line(proc, timeout):
    """One line of proc's stdout (a ready line) within timeout, or None."""
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    buf = b""
    fd = proc.stdout.fileno()
    try:
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                return None
            chunk = os.read(fd, 4096)
            if not chunk:
                return None
            buf += chunk
    finally:
        sel.close()
    return buf.split(b"\n", 1)[0].decode()


class LineWatcher:
    """Collects a process's stderr lines on a thread so a test can wait for
    one (a readiness line) with a timeout."""

    def __init__(self, stream):
        self.lines = []
        self._queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self._thread.start()

    def _run(self, stream):
        for raw in iter(stream.readline, b""):
            line = raw.decode(errors="replace")
            self.lines.append(line)
            self._queue.put(line)
        self._queue.put(None)

    def wait_for(self, text, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                return None
            if text in line:
                return line

    def text(self):
        self._thread.join(5)
        return "".join(self.lines)
