#!/usr/bin/env python3
"""Hostile cameras against ipcamsrc: a scripted fake camera speaking the
control protocol by hand (docs/protocol.md), and gst-launch-1.0 with
ipcamsrc as the program under test. Each case asserts the deadline, the
peak memory of that program (os.wait4 on its pid: RUSAGE_CHILDREN would
report the largest child ever), its exit code and the error text on the
bus. Run one case: hostile.py CASE; hostile.py --list names them."""

import os
import subprocess
import sys
import threading
import time

from fakecam import ALIVE_REQ, LOGIN_OK, FakeCamera, message


def login_then(flood):
    """Accepts the login the way cameras do, then runs `flood`."""

    def script(cam, conn):
        _, creds = cam.read_message(conn)
        cam.send(conn, message(ALIVE_REQ))
        cam.read_message(conn)
        cam.send(conn, message(LOGIN_OK, creds))
        flood(cam, conn)

    return script


def endless_alive(cam, conn):
    """Answers login with alive requests, one per answer, for ever."""
    cam.read_message(conn)
    while True:
        cam.send(conn, message(ALIVE_REQ))
        cam.read_message(conn)


def unknown_before_login(cam, conn):
    """4 KB messages of an unknown type instead of login accepted."""
    cam.read_message(conn)
    junk = message(0x7001, b"A" * 4096)
    while True:
        cam.send(conn, junk)


def unknown_after_login(cam, conn):
    """Unknown messages holding escape sequences, as fast as the client reads."""
    junk = message(0x7002, b"\x1b]0;owned\x07" * 400)
    while True:
        cam.send(conn, junk)


# case: (camera script, ipcamsrc properties, deadline s, peak RSS MiB,
#        words the error must hold, most stderr bytes). A deadline counts from
# gst-launch's start, so it holds a few seconds for loading GStreamer on a
# busy machine; without the fix each case runs far past it (the endless
# login never ends, the early flood runs to its 60 s timeout).
CASES = {
    "login-endless-alive": (endless_alive, "timeout=2000", 6.0, 150, "No answer", 64 * 1024),
    "unknown-before-login": (unknown_before_login, "timeout=60000", 6.0, 150, "65536 bytes", 64 * 1024),
    "unknown-after-login": (login_then(unknown_after_login), "timeout=1500 reconnect-attempts=0", 6.0, 150,
                            "Lost the camera", 64 * 1024),
}


def peak_rss_mib(rusage):
    return rusage.ru_maxrss / 1024.0  # ru_maxrss is KiB on Linux


def run(case):
    script, props, deadline, max_mib, words, max_stderr = CASES[case]
    cam = FakeCamera(script)
    cmd = ["gst-launch-1.0", "-q"] + f"ipcamsrc address=127.0.0.1 control-port={cam.port} preview-port=0 {props}".split() \
        + ["!", "fakesink"]
    env = dict(os.environ, GST_DEBUG="")
    started = time.monotonic()
    with open(os.devnull, "rb") as null:
        child = subprocess.Popen(cmd, stdin=null, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out_err = {}

    def drain(name, stream):
        out_err[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", child.stdout), ("err", child.stderr))]
    for r in readers:
        r.start()
    killer = threading.Timer(deadline + 20, child.kill)  # a hung child fails instead of hanging the suite
    killer.start()
    _, status, rusage = os.wait4(child.pid, 0)
    took = time.monotonic() - started
    killer.cancel()
    for r in readers:
        r.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    text = (out_err["out"] + out_err["err"]).decode(errors="replace")
    mib = peak_rss_mib(rusage)
    print(f"{case}: exit {child.returncode} after {took:.2f} s, peak {mib:.0f} MiB, "
          f"{len(out_err['err'])} bytes of stderr, camera sent {cam.sent} bytes")
    failures = []
    if child.returncode == 0:
        failures.append("exit code 0, expected an error")
    if took > deadline:
        failures.append(f"took {took:.2f} s, deadline {deadline} s")
    if mib > max_mib:
        failures.append(f"peak memory {mib:.0f} MiB > {max_mib} MiB")
    if words not in text:
        failures.append(f"error text lacks {words!r}")
    if len(out_err["err"]) > max_stderr:
        failures.append(f"{len(out_err['err'])} bytes of stderr > {max_stderr}")
    if "\x1b" in text:
        failures.append("camera escape sequences reached the output")
    print(text[-2000:])
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: hostile.py CASE | --list", file=sys.stderr)
        return 2
    return run(sys.argv[1])


if __name__ == "__main__":
    sys.exit(main())
