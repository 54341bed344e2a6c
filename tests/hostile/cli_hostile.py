#!/usr/bin/env python3
"""Hostile cameras against the `ipcam` CLI and ipcam-rtsp-server: the fake
camera of fakecam.py (control protocol and HTTP by hand). Each case asserts
what a user sees: the exit code, how long the program took (or how long it
took to stop after a signal), its peak memory (os.wait4 on its pid), the
bytes left on disk and the escaped output. Cases and limits:
docs/robustness.md. Run one case: cli_hostile.py CASE; --list names them."""

import json
import os
import re
import shutil
import signal
import socket
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request

from fakecam import (FILE_LIST_REQ, FIRMWARE_REQ, LOGIN, FakeCamera, HttpFiles, Run, answer_files,
                     answer_firmware, camera, file_list_part, message)
from ipcamtest import server
from ipcamtest.waiting import wait_until

IPCAM = os.environ.get("IPCAM", "")
EXIT_FAILED, EXIT_TIMEOUT, EXIT_IO, EXIT_INTERRUPTED = 1, 6, 7, 130
STOP_S = 0.5  # every stop, from the signal to the exit
# Peak memory of the program under test. The CLI needs about 15 MiB, the
# server (GStreamer loaded) about 40; the findings took both to gigabytes.
CLI_MIB, SERVER_MIB = 64, 160
# Bytes a terminal must never get from a camera: C0 but LF, DEL, C1 (UTF-8).
RAW_CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]")

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def tool(cam, *args, http=None, cwd=None):
    cmd = [IPCAM, "--camera", "127.0.0.1", "--control-port", str(cam.port)]
    if http:
        cmd += ["--http-port", str(http.port)]
    return Run(cmd + list(args), env=dict(os.environ, CI="true"), cwd=cwd)


def finished(run, name, code, deadline, mib=CLI_MIB):
    """Waits for `run`; checks its exit code, deadline and peak memory."""
    run.wait()
    print(f"{name}: exit {run.code} after {run.took:.2f} s, peak {run.peak_mib:.0f} MiB, "
          f"{len(run.out)} bytes out, {len(run.err)} bytes err")
    print(run.err.decode(errors="replace")[-1500:])
    check(run.code == code, f"{name}: exit {run.code}, expected {code}")
    check(run.took <= deadline, f"{name}: took {run.took:.2f} s, deadline {deadline} s")
    check(run.peak_mib <= mib, f"{name}: peak memory {run.peak_mib:.0f} MiB > {mib} MiB")
    return run


def stopped(run, name, code, mib=CLI_MIB):
    run.wait()
    check_stop(name, run.code, run.stop_s, run.peak_mib, run.err, code, mib)
    return run


def check_stop(name, got, stop_s, peak_mib, err, code, mib):
    """A program stopped by a signal: its exit code, how long it took after
    the signal, its peak memory."""
    print(f"{name}: exit {got}, stopped {stop_s:.3f} s after the signal, peak {peak_mib:.0f} MiB")
    print(err.decode(errors="replace")[-1500:])
    check(got == code, f"{name}: exit {got}, expected {code}")
    check(stop_s <= STOP_S, f"{name}: stopped {stop_s:.3f} s after the signal (limit {STOP_S} s)")
    check(peak_mib <= mib, f"{name}: peak memory {peak_mib:.0f} MiB > {mib} MiB")


def server_stopped(srv, name, code, mib=SERVER_MIB):
    """SIGTERM to an ipcamtest.server.Server; checks as stopped() does and
    returns its stderr (bytes)."""
    got, stop_s = srv.stop(signal.SIGTERM)
    err = srv.stderr_bytes()
    srv.close()
    check_stop(name, got, stop_s, srv.peak_mib, err, code, mib)
    return err


def no_raw_control(name, data):
    hit = RAW_CONTROL.search(data)
    check(hit is None, f"{name}: camera control characters reached the output: {data[:400]!r}")


def files_in(folder):
    return sorted(os.listdir(folder))


class Server:
    """ipcam-rtsp-server (ipcamtest.server) for the fake camera, with a
    private TMPDIR so the test sees every temporary file it leaves."""

    def __init__(self, cam, http, *args):
        self.tmp = tempfile.mkdtemp(prefix="ipcam-hostile-tmp-")
        self.server = server.Server(["--camera", "127.0.0.1", "--control-port", str(cam.port), "--http-port",
                                     str(http.port if http else 9), "--port", "0", "--control-http-port", "0",
                                     *args], env=dict(os.environ, TMPDIR=self.tmp, GST_DEBUG=""))
        self.ready = self.server.wait_ready(30)
        check(self.ready is not None, "the server never printed its ready line")
        self.control = self.ready["control"].rstrip("/") if self.ready else ""

    def get(self, path, timeout=20):
        """(status, body) of GET path."""
        try:
            with urllib.request.urlopen(self.control + path, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def stop(self, name, mib=SERVER_MIB):
        """Returns the server's stderr (bytes)."""
        err = server_stopped(self.server, name + " (server, SIGTERM)", 0, mib)
        check(files_in(self.tmp) == [], f"{name}: the server left {files_in(self.tmp)} in its TMPDIR")
        shutil.rmtree(self.tmp, ignore_errors=True)
        return err


def flood_file_list(cam, conn):
    """File list parts of 64 KB of legal entries (the most a message holds), announced as 4096 (the most a list may have)
    parts, sent until the client gives up."""
    text = b"a:1;" * 16381  # a whole message: 8 + 65524 bytes of payload
    for i in range(4096):
        cam.send(conn, file_list_part(4096, i, text))


def many_entries(cam, conn):
    """114,667 entries of `a:1;` in 7 whole parts: past the entry cap, well
    within the text cap."""
    text = b"a:1;" * 16381
    for i in range(7):
        cam.send(conn, file_list_part(7, i, text))


def case_file_list_flood():
    cam = FakeCamera(camera({FILE_LIST_REQ: flood_file_list, FIRMWARE_REQ: answer_firmware(b"V1")}))
    run = finished(tool(cam, "ls"), "ls, 64 KB parts without end", EXIT_FAILED, 15)
    check(b"16777216 bytes" in run.err, "ls: the error does not name the 16 MiB text cap")
    print(f"camera sent {cam.sent} bytes")
    many = FakeCamera(camera({FILE_LIST_REQ: many_entries, FIRMWARE_REQ: answer_firmware(b"V1")}))
    run = finished(tool(many, "ls"), "ls, 114,667 entries", EXIT_FAILED, 15)
    check(b"more than 100000 entries" in run.err and b"--max-files" in run.err,
          "ls: the error does not name the cap of 100000 entries and --max-files")
    run = finished(tool(many, "--max-files", "200000", "ls"), "ls --max-files 200000", 0, 15)
    check(run.out.count(b"\n") == 7 * 16381, "ls --max-files 200000: not every entry listed")
    # The option moves the cap both ways.
    ten = FakeCamera(camera({FILE_LIST_REQ: answer_files([(b"/D/F%d.MOV" % i, 1) for i in range(10)])}))
    run = finished(tool(ten, "--max-files", "9", "ls"), "ls --max-files 9", EXIT_FAILED, 10)
    check(b"more than 9 entries" in run.err and b"--max-files" in run.err,
          "ls --max-files 9: the error does not name the cap of 9 and the option")
    run = finished(tool(ten, "--max-files", "10", "ls"), "ls --max-files 10", 0, 10)
    check(run.out.count(b"\n") == 10, "ls --max-files 10: not 10 lines")
    # The server's GET /files, both caps.
    srv = Server(cam, None)
    status, body = srv.get("/files")
    print("GET /files:", status, body[:300])
    check(status == 502 and b"16777216 bytes" in body, "GET /files: not a 502 naming the text cap")
    srv.stop("GET /files flood")
    srv = Server(many, None)
    status, body = srv.get("/files")
    print("GET /files:", status, body[:300])
    check(status == 502 and b"100000 entries" in body and b"--max-files" in body,
          "GET /files: not a 502 naming the cap of 100000 entries and --max-files")
    srv.stop("GET /files, many entries")
    srv = Server(many, None, "--max-files", "200000")
    status, body = srv.get("/files")
    check(status == 200 and len(json.loads(body)) == 7 * 16381, "GET /files with --max-files 200000: not every entry")
    srv.stop("GET /files --max-files 200000")


def download_case(kind):
    """A file listed as 1000 bytes (0 for the redirect) that the camera's
    HTTP server answers with no Content-Length, a 10 GiB one, or a redirect
    to another local service: direct fetch, --server fetch and the server's
    /files/download save nothing and stop at once."""
    secret = HttpFiles({"/secret": HttpFiles.body(b"SECRET" * 100)})
    listed = 0 if kind == "redirect" else 1000
    http = HttpFiles()
    http.routes["/D/A.MOV"] = {
        "no-length": http.endless,
        "huge-length": lambda: http.endless(length_header=10 << 30),
        "redirect": lambda: HttpFiles.redirect(f"http://127.0.0.1:{secret.port}/secret"),
    }[kind]()
    cam = FakeCamera(camera({FILE_LIST_REQ: answer_files([(b"/D/A.MOV", listed)]),
                             FIRMWARE_REQ: answer_firmware(b"V1")}))
    out = tempfile.mkdtemp(prefix="ipcam-hostile-out-")
    try:
        finished(tool(cam, "fetch", "/D/A.MOV", "-o", out, http=http), f"fetch ({kind})", EXIT_IO, 15)
        check(files_in(out) == [], f"fetch ({kind}): left {files_in(out)}")
        srv = Server(cam, http)
        status, body = srv.get("/files/download?path=" + urllib.parse.quote("/D/A.MOV"))
        print(f"GET /files/download ({kind}):", status, body[:300])
        check(status == 502, f"/files/download ({kind}): status {status}, expected 502")
        check(b"SECRET" not in body, f"/files/download ({kind}): another service's answer came through")
        finished(Run([IPCAM, "--server", srv.control, "fetch", "/D/A.MOV", "-o", out],
                           env=dict(os.environ, CI="true")), f"--server fetch ({kind})", EXIT_IO, 15)
        check(files_in(out) == [], f"--server fetch ({kind}): left {files_in(out)}")
        check(files_in(srv.tmp) == [], f"{kind}: the server left {files_in(srv.tmp)} in its TMPDIR")
        srv.stop(f"download ({kind})")
        check(secret.requests == [], f"{kind}: the redirect was followed to {secret.requests}")
        print(f"camera HTTP sent {http.sent} bytes in all")
        check(http.sent < 64 << 20, f"{kind}: the camera's HTTP server got to send {http.sent} bytes")
    finally:
        shutil.rmtree(out, ignore_errors=True)


# (`;` ends a file list entry, so the names hold CSI sequences, BEL, CR, LF
# and a C1 CSI; libipcam refuses a firmware string with C0 controls but CR,
# LF and tab, so the firmware forges lines and holds a C1 CSI.)
ESC_NAMES = [b"/D/\x1b[2J\x1b[HA\x07.MOV", b"/D/B\rforged\n.MOV", b"/D/C\xc2\x9b31m.JPG"]
ESC_FIRMWARE = b"V1\rforged\nline\xc2\x9b31m"


def case_escapes():
    """Escape sequences in file names and firmware: ls, info, the fetching
    line and the error of a fetch, the server's log and the answers that the
    CLI prints through --server."""
    http = HttpFiles({None: HttpFiles.body(b"hello")})
    cam = FakeCamera(camera({FILE_LIST_REQ: answer_files([(n, 5) for n in ESC_NAMES]),
                             FIRMWARE_REQ: answer_firmware(ESC_FIRMWARE)}))
    out = tempfile.mkdtemp(prefix="ipcam-hostile-out-")
    seen = b""
    try:
        run = finished(tool(cam, "ls"), "ls", 0, 10)
        lines = run.out.count(b"\n")
        check(lines == len(ESC_NAMES), f"ls: {lines} lines for {len(ESC_NAMES)} files")
        check(b"\\e[2J\\e[HA\\x07" in run.out, "ls: ESC is not shown as \\e")
        seen += run.out + run.err
        run = finished(tool(cam, "info"), "info", 0, 10)
        check(b"V1\\rforged\\nline\\u009B31m" in run.out, "info: the firmware's ESC is not shown as \\e")
        seen += run.out + run.err
        run = finished(tool(cam, "fetch", ESC_NAMES[0].decode(), "-o", out, http=http), "fetch", EXIT_IO, 10)
        check(b"fetching /D/\\e[2J\\e[HA" in run.err, "fetch: no escaped 'fetching' line")
        seen += run.out + run.err
        srv = Server(cam, http)
        status, body = srv.get("/files/download?path=" + urllib.parse.quote(b"/D\x1b[2J/gone.MOV"))
        print("GET /files/download of an unlisted name:", status, body)
        check(status == 404, f"/files/download of an unlisted name: status {status}")
        check(b"/D\\\\e[2J/gone.MOV" in body, f"/files/download: the error text is not escaped: {body!r}")
        for args, shown in ((["ls"], b"\\e[2J\\e[HA"), (["info"], b"V1\\rforged\\nline\\u009B31m"),
                            (["fetch", ESC_NAMES[1].decode(), "-o", out], b"fetching /D/B\\rforged\\n")):
            run = Run([IPCAM, "--server", srv.control, *args], env=dict(os.environ, CI="true")).wait()
            print("--server", args[0], run.code, run.out[:300], run.err[:300])
            check(shown in run.out + run.err, f"--server {args[0]}: {shown!r} not shown")
            seen += run.out + run.err
        err = srv.stop("escapes")
        check(b"firmware V1\\rforged\\nline\\u009B31m" in err, "server log: the firmware is not escaped")
        seen += err
        no_raw_control("escapes", seen)
        check(files_in(out) == [], f"fetch: left {files_in(out)}")
    finally:
        shutil.rmtree(out, ignore_errors=True)


def request(srv, path):
    """GET path; what ended it: (status, body) or the exception's name."""
    try:
        return srv.get(path, timeout=60)
    except (OSError, urllib.error.URLError) as e:
        return type(e).__name__


def downloading_server(start):
    """A server whose camera serves a 10 MiB file slowly; `start(server)`
    starts a download, and this returns once its temporary file is there."""
    cam = FakeCamera(camera({FILE_LIST_REQ: answer_files([(b"/D/A.MOV", 10 << 20)]),
                             FIRMWARE_REQ: answer_firmware(b"V1")}))
    http = HttpFiles()
    http.routes["/D/A.MOV"] = http.trickle(10 << 20)
    srv = Server(cam, http)
    start(srv)
    check(wait_until(lambda: any(os.listdir(os.path.join(srv.tmp, d)) for d in os.listdir(srv.tmp))),
          "server: no temporary file for the download")
    return srv


def silent_after_login(cam, conn):
    cam.login(conn)
    cam.serve(conn, {})


def case_sigint():
    """Ctrl+C (SIGINT) and SIGTERM stop the CLI within 0.5 s in every phase
    against a silent camera; the server within 0.5 s of SIGTERM."""
    for name, script, wait_type, args, sig in [
        ("ls, silent at login", camera(login=False), LOGIN, ["ls"], signal.SIGINT),
        ("ls, silent file list", silent_after_login, FILE_LIST_REQ, ["ls"], signal.SIGINT),
        ("info, silent firmware", silent_after_login, FIRMWARE_REQ, ["info"], signal.SIGTERM),
    ]:
        cam = FakeCamera(script)
        run = tool(cam, "--timeout", "30", *args)
        check(cam.wait_for(lambda c: wait_type in c.requests), f"{name}: the request never came")
        run.signal(sig)
        run = stopped(run, name, EXIT_INTERRUPTED)
        check(b"interrupted" in run.err, f"{name}: does not say it was interrupted")
    # A download under way: nothing partial is left without --continue.
    http = HttpFiles()
    http.routes["/D/A.MOV"] = http.trickle(10 << 20)
    cam = FakeCamera(camera({FILE_LIST_REQ: answer_files([(b"/D/A.MOV", 10 << 20)])}))
    out = tempfile.mkdtemp(prefix="ipcam-hostile-out-")
    run = tool(cam, "fetch", "/D/A.MOV", "-o", out, http=http)
    check(run.wait_err(b"fetching"), "fetch: never started")
    check(wait_until(lambda: http.sent > 0), "fetch: no HTTP answer")
    run.signal(signal.SIGINT)
    stopped(run, "fetch during a download", EXIT_INTERRUPTED)
    check(files_in(out) == [], f"fetch: left {files_in(out)}")
    shutil.rmtree(out, ignore_errors=True)
    # The server: a control API request on a silent camera, then a download.
    first = {"n": 0}

    def check_then_silent(c, conn):
        first["n"] += 1
        if first["n"] == 1:  # the start-up check
            c.login(conn)
            c.serve(conn, {FIRMWARE_REQ: answer_firmware(b"V1")})
        silent_after_login(c, conn)

    cam = FakeCamera(check_then_silent)
    srv = Server(cam, None, "--timeout", "30000")
    got = {}
    t = threading.Thread(target=lambda: got.update(r=request(srv, "/files")), daemon=True)
    t.start()
    check(cam.wait_for(lambda c: FILE_LIST_REQ in c.requests), "server: the file list request never came")
    srv.stop("server, silent file list")
    t.join(1)
    check("r" in got, "server, silent file list: the request still waits after the server stopped")
    got = {}

    def get_download(s):
        got["thread"] = threading.Thread(target=lambda: got.update(r=request(s, "/files/download?path=/D/A.MOV")),
                                         daemon=True)
        got["thread"].start()

    srv = downloading_server(get_download)
    srv.stop("server during a download")
    got["thread"].join(1)
    check("r" in got, "server during a download: the request still waits after the server stopped")
    # A client that goes away mid-download: the transfer and its file end.
    client = {}

    def raw_get(s):
        host, port = s.control.split("//")[1].rsplit(":", 1)
        client["socket"] = socket.create_connection((host, int(port)))
        client["socket"].sendall(b"GET /files/download?path=/D/A.MOV HTTP/1.1\r\nHost: %s:%s\r\n\r\n" %
                                 (host.encode(), port.encode()))  # the server checks Host

    srv = downloading_server(raw_get)
    client["socket"].close()
    check(wait_until(lambda: os.listdir(srv.tmp) == [], 2.0),
          f"server: {os.listdir(srv.tmp)} still in its TMPDIR 2 s after the client went away")
    srv.stop("server, client gone mid-download")
    # A viewer's DESCRIBE makes the stream's ipcamsrc log in: silence there.
    first["n"] = 0

    def check_then_silent_login(c, conn):
        first["n"] += 1
        if first["n"] == 1:
            c.login(conn)
            c.serve(conn, {FIRMWARE_REQ: answer_firmware(b"V1")})
        camera(login=False)(c, conn)

    cam = FakeCamera(check_then_silent_login)
    srv = Server(cam, None, "--timeout", "30000")
    url = srv.ready["url"]
    host, port = url.split("//")[1].split("/")[0].rsplit(":", 1)
    viewer = socket.create_connection((host, int(port)))
    viewer.sendall(f"DESCRIBE {url} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n".encode())
    check(cam.wait_for(lambda c: LOGIN in c.requests), "server: the stream never logged in")
    srv.stop("server, stream at a silent login")
    viewer.close()
    # The server's start-up check against a camera silent at login.
    cam = FakeCamera(camera(login=False))
    srv = server.Server(["--camera", "127.0.0.1", "--control-port", str(cam.port), "--port", "0",
                         "--control-http-port", "0", "--timeout", "30000"], env=dict(os.environ, GST_DEBUG=""))
    check(cam.wait_for(lambda c: LOGIN in c.requests), "server start-up: no login")
    server_stopped(srv, "server start-up, silent login", 0, SERVER_MIB)


def flood_replies(cam, conn):
    """Answers anything with unknown 4 KB messages, as fast as it can."""
    cam.login(conn)
    cam.read_message(conn)
    junk = message(0x7003, b"R" * 4096)
    while True:
        cam.send(conn, junk)


def unknown_flood(cam, conn):
    cam.login(conn)
    junk = message(0x7002, b"\x1b]0;owned\x07" * 400)
    while True:
        cam.send(conn, junk)


def case_raw_caps():
    """ipcam raw keeps at most --max-replies replies and --max-bytes bytes
    (past either it fails, naming both); unknown messages are logged a few
    times, then counted."""
    cam = FakeCamera(flood_replies)
    run = finished(tool(cam, "raw", "0x7000", "--timeout", "5"), "raw", EXIT_FAILED, 10)
    check(b"--max-replies" in run.err and b"--max-bytes" in run.err, "raw: the error does not name the options")
    check(len(run.out) < 8 << 20, f"raw: {len(run.out)} bytes of output")
    cam = FakeCamera(flood_replies)
    run = finished(tool(cam, "raw", "0x7000", "--timeout", "5", "--max-replies", "3"), "raw --max-replies 3",
                   EXIT_FAILED, 10)
    check(b"more than 3 replies" in run.err, "raw --max-replies 3: the error does not name the cap: %r" % run.err[-300:])
    check(run.out.count(b"0x7003") == 0, "raw --max-replies 3: printed replies of a failed request")
    cam = FakeCamera(unknown_flood)
    run = finished(tool(cam, "--timeout", "2", "ls"), "ls, unknown flood", EXIT_TIMEOUT, 10)
    check(len(run.err) < 64 * 1024, f"ls: {len(run.err)} bytes of stderr for unknown messages")
    check(b"counting them" in run.err, "ls: unknown messages are not counted after the first few")
    no_raw_control("unknown flood", run.out + run.err)


CASES = {
    "file-list-flood": case_file_list_flood,
    "download-no-length": lambda: download_case("no-length"),
    "download-huge-length": lambda: download_case("huge-length"),
    "download-redirect": lambda: download_case("redirect"),
    "escapes": case_escapes,
    "sigint": case_sigint,
    "raw-caps": case_raw_caps,
}


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: cli_hostile.py CASE | --list", file=sys.stderr)
        return 2
    check(os.access(IPCAM, os.X_OK), f"IPCAM={IPCAM!r} is not a program")
    check(os.access(server.SERVER, os.X_OK), f"IPCAM_RTSP_SERVER={server.SERVER!r} is not a program")
    if not failures:
        CASES[sys.argv[1]]()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
