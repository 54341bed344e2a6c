"""A command run with its stderr on a pseudo-terminal, so a test sees what a
user at a terminal sees (a progress bar is drawn only there)."""

import os
import pty
import subprocess


def stderr_on_a_terminal(cmd, env, cwd, timeout=30):
    """Runs `cmd` with stderr on a fresh pseudo-terminal (stdout on a pipe,
    thrown away) until it exits; returns (exit code, what it drew) with the
    drawing decoded as text."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave, env=env, cwd=cwd)
        os.close(slave)
        drawn = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's last writer closed it
                break
            if not chunk:
                break
            drawn += chunk
        proc.communicate(timeout=timeout)
        return proc.returncode, drawn.decode(errors="replace")
    finally:
        os.close(master)
