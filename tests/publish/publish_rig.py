"""Media servers on loopback for the publish suite: nginx with the RTMP
module, a GstRtspServer RECORD mount, srt-live-transmit, and a TCP peer
that accepts and never speaks. Each on an ephemeral port, each stopped by
its test (nothing left running).

The camera emulator and ipcam-rtsp-server come from ipcamtest.rtsp_rig
(tests/ipcamtest, on PYTHONPATH from meson.build)."""

import os
import shutil
import socket
import subprocess
import tempfile
import threading

from ipcamtest import players
from ipcamtest.ports import free_tcp_port
from ipcamtest.waiting import end_process, wait_for

NGINX_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"

# The configuration docs/publishing.md shows: one RTMP application "live".
NGINX_CONF = """load_module {module};
daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{port};
        application live {{
            live on;
            record off;
        }}
    }}
}}
"""


def tcp_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Nginx:
    """nginx -p DIR -c DIR/nginx.conf with the RTMP module, in the foreground."""

    def __init__(self):
        if not shutil.which("nginx") or not os.path.exists(NGINX_MODULE):
            raise AssertionError("nginx or its RTMP module is missing: install nginx-light and libnginx-mod-rtmp "
                                 "(scripts/packages.txt)")
        self.dir = tempfile.mkdtemp(prefix="ipcam-nginx-")
        for sub in ("logs", "client_body_temp", "proxy_temp"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        self.port = free_tcp_port()
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(NGINX_CONF.format(module=NGINX_MODULE, dir=self.dir, port=self.port))
        self.proc = None

    def url(self, stream="cam"):
        return "rtmp://127.0.0.1:%d/live/%s" % (self.port, stream)

    def start(self):
        self.stderr = open(os.path.join(self.dir, "stderr.txt"), "ab")
        self.proc = subprocess.Popen(["nginx", "-e", "stderr", "-p", self.dir + "/", "-c", self.conf],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr)
        wait_for(lambda: tcp_open(self.port) or self.proc.poll() is not None, 10, "nginx to listen")
        if self.proc.poll() is not None:
            raise AssertionError("nginx did not start: " + self.log())
        return self

    def stop(self):
        if self.proc:
            end_process(self.proc, 5)
        self.proc = None
        if getattr(self, "stderr", None):
            self.stderr.close()
            self.stderr = None

    def log(self):
        text = ""
        for name in ("stderr.txt", "error.log"):
            path = os.path.join(self.dir, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    text += f.read()
        return text

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False


# A media server that stops answering ends a read after 10 s, not never.
RW_TIMEOUT = ("-rw_timeout", "10000000")


def ffprobe_stream(url, timeout=20):
    """(exit code, [streams], stderr) of ffprobe on `url` (RTMP, or a file)."""
    return players.ffprobe_video(url, extra=RW_TIMEOUT, timeout=timeout)


def ffmpeg_decode(url, seconds=2, timeout=30):
    """(exit code, stderr, frames) of ffmpeg decoding `seconds` of `url`."""
    return players.ffmpeg_decode(url, seconds, timeout, extra=RW_TIMEOUT)


class SilentPeer:
    """A TCP server that accepts every connection and never reads or writes."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        self.sock.settimeout(0.1)
        while not self._stop:
            try:
                c, _ = self.sock.accept()
                c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                self.accepted.append(c)
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self._stop = True
        self._thread.join(2)
        for c in self.accepted:
            c.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
