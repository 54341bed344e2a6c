"""A scripted fake camera for the hostile suites: the control protocol by
hand (docs/protocol.md) on 127.0.0.1:0, an HTTP server for stored files,
and running a program under test with its peak memory (os.wait4 on its pid:
RUSAGE_CHILDREN would report the largest child ever)."""

import http.server
import os
import socket
import struct
import subprocess
import threading
import time

LOGIN, LOGIN_OK, ALIVE_REQ, ALIVE_RESP = 0x0110, 0x0111, 0x0112, 0x0113
FILE_LIST_REQ, FILE_LIST_PART = 0xA025, 0xA026
FIRMWARE_REQ, FIRMWARE = 0xA034, 0xA035
STILL, STILL_OK = 0xA038, 0xA039


def message(mtype, payload=b""):
    return b"\xab\xcd" + struct.pack(">HI", len(payload), mtype) + payload


def file_list_part(count, index, text):
    return message(FILE_LIST_PART, struct.pack("<II", count, index) + text)


def firmware_info(version):
    """0xA035: twenty u32 fields, the version from byte 80, NUL-terminated."""
    return message(FIRMWARE, (b"\0" * 80 + version + b"\0").ljust(112, b"\0"))


class FakeCamera:
    """A control server on 127.0.0.1:0 that runs `script(cam, conn)` for
    every connection, each on its own thread. `connected` and `logged_in`
    count connections and logins, for tests that wait on them."""

    def __init__(self, script):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.script = script
        self.sent = 0
        self.connected = 0
        self.logged_in = 0
        self.requests = []  # message types received after login
        self.lock = threading.Condition()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connected += 1
                self.lock.notify_all()
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        with conn:
            try:
                self.script(self, conn)
            except OSError:
                pass  # the client went away: the script is over

    def wait_for(self, predicate, timeout=20.0):
        with self.lock:
            return self.lock.wait_for(lambda: predicate(self), timeout)

    def read_message(self, conn):
        head = self._exact(conn, 8)
        length, mtype = struct.unpack(">HI", head[2:8])
        return mtype, self._exact(conn, length)

    @staticmethod
    def _exact(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise OSError("closed")
            data += chunk
        return data

    def send(self, conn, data):
        conn.sendall(data)
        self.sent += len(data)

    def login(self, conn):
        """Accepts the login the way cameras do."""
        _, creds = self.read_message(conn)
        self.send(conn, message(ALIVE_REQ))
        self.read_message(conn)
        self.send(conn, message(LOGIN_OK, creds))
        with self.lock:
            self.logged_in += 1
            self.lock.notify_all()

    def serve(self, conn, handlers):
        """After login: answers each request with handlers[type](cam, conn);
        a type without a handler is noted and left unanswered (silence)."""
        while True:
            mtype, _ = self.read_message(conn)
            if mtype == ALIVE_RESP:
                continue
            with self.lock:
                self.requests.append(mtype)
                self.lock.notify_all()
            if mtype in handlers:
                handlers[mtype](self, conn)


def camera(handlers=None, login=True):
    """A script: log in (or stay silent: login=False), then serve handlers."""

    def script(cam, conn):
        if not login:
            cam.read_message(conn)
            with cam.lock:
                cam.requests.append(LOGIN)
                cam.lock.notify_all()
            conn.recv(1)  # silent until the client goes
            return
        cam.login(conn)
        cam.serve(conn, handlers or {})

    return script


def answer_files(entries):
    """A file list handler: `entries` is a list of (path bytes, size)."""
    text = b"".join(p + b":" + str(s).encode() + b";" for p, s in entries)

    def handler(cam, conn):
        cam.send(conn, file_list_part(1, 0, text))

    return handler


def answer_firmware(version):
    return lambda cam, conn: cam.send(conn, firmware_info(version))


class HttpFiles:
    """The camera's HTTP server on 127.0.0.1:0. routes: path -> callable(h)
    writing the whole answer through the BaseHTTPRequestHandler `h`.
    `sent` counts body bytes written."""

    def __init__(self, routes=None):
        outer = self
        self.routes = dict(routes or {})  # may be filled after construction
        self.sent = 0
        self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self):  # noqa: N802 (http.server's name)
                outer.requests.append(self.path)
                route = outer.routes.get(self.path, outer.routes.get(None))  # None: every other path
                try:
                    if route:
                        route(self)
                    else:
                        self.send_error(404)
                except OSError:
                    pass  # the client went away

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def write(self, h, data):
        h.wfile.write(data)
        self.sent += len(data)

    def endless(self, length_header=None, limit=2 << 30):
        """200 with an endless body (bounded by `limit`), with no
        Content-Length or with a made-up one."""

        def route(h):
            h.send_response(200)
            if length_header is not None:
                h.send_header("Content-Length", str(length_header))
            h.end_headers()
            chunk = b"x" * 65536
            while self.sent < limit:
                self.write(h, chunk)

        return route

    def trickle(self, total):
        """200 with a right Content-Length, sent 1 KB every 50 ms: a download
        that is under way when the test stops the program."""

        def route(h):
            h.send_response(200)
            h.send_header("Content-Length", str(total))
            h.end_headers()
            while True:
                self.write(h, b"y" * 1024)
                time.sleep(0.05)

        return route

    @staticmethod
    def redirect(location):
        def route(h):
            h.send_response(302)
            h.send_header("Location", location)
            h.send_header("Content-Length", "0")
            h.end_headers()

        return route

    @staticmethod
    def body(data):
        def route(h):
            h.send_response(200)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)

        return route

    def close(self):
        self.server.shutdown()


class Run:
    """A program under test: its output drained on threads, and os.wait4 on
    its pid for the exit status and peak memory."""

    def __init__(self, cmd, env=None, cwd=None, kill_after=60.0):
        self.started = time.monotonic()
        with open(os.devnull, "rb") as null:
            self.child = subprocess.Popen(cmd, stdin=null, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          env=env, cwd=cwd)
        self.out = b""
        self.err = b""
        self.err_lock = threading.Condition()
        self.readers = [threading.Thread(target=self._drain, args=("out", self.child.stdout)),
                        threading.Thread(target=self._drain, args=("err", self.child.stderr))]
        for r in self.readers:
            r.start()
        self.killer = threading.Timer(kill_after, self.child.kill)  # a hung child fails, not the suite
        self.killer.start()
        self.code = None
        self.peak_mib = None
        self.took = None
        self.signalled = None

    def _drain(self, name, stream):
        while True:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not chunk:
                return
            with self.err_lock:
                setattr(self, name, getattr(self, name) + chunk)
                self.err_lock.notify_all()

    def wait_err(self, words, timeout=20.0):
        """Waits until stderr holds `words` (bytes); True if it did."""
        with self.err_lock:
            return self.err_lock.wait_for(lambda: words in self.err, timeout)

    def signal(self, sig):
        self.signalled = time.monotonic()
        self.child.send_signal(sig)

    def wait(self):
        _, status, rusage = os.wait4(self.child.pid, 0)
        now = time.monotonic()
        self.took = now - self.started
        self.stop_s = now - self.signalled if self.signalled else None
        self.killer.cancel()
        for r in self.readers:
            r.join()
        self.child.returncode = self.code = os.waitstatus_to_exitcode(status)
        self.peak_mib = rusage.ru_maxrss / 1024.0  # KiB on Linux
        return self
