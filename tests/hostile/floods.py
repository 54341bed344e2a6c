#!/usr/bin/env python3
"""Hostile clients against ipcam-rtsp-server: floods of RTSP connections,
WHEP offers and requests, run under a 1,024-descriptor limit (soft and
hard, as systemd's default soft limit would leave a server that does not
raise it). Each case prints the server's descriptors, threads and RSS
before, during and after its flood, asserts what a user sees (a viewer
already watching goes on, a new one plays at once), counts CRITICAL and
WARNING lines in the server's stderr (none) and times SIGTERM (0.5 s at
most). Cases and figures: docs/robustness.md, "Hostile clients".
Run one case: floods.py CASE; floods.py --list names them."""

import concurrent.futures
import hashlib
import http.client
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

from ipcamtest import server as srv
from ipcamtest.ports import free_udp_port
from ipcamtest.sim import IpcamSim
from ipcamtest.waiting import wait_for, wait_until

SAMPLE = os.environ.get("IPCAM_SAMPLE_H264")
NOFILE = 1024


def fail(text):
    raise AssertionError(text)


class Rig:
    """The emulator and ipcam-rtsp-server (under `prlimit --nofile`), with
    the figures of the server's process."""

    def __init__(self, server_args=(), wrapper=(), env=None):
        self.server_args = [str(a) for a in server_args]
        self.wrapper = list(wrapper)
        self.env = dict(os.environ, **(env or {}))

    def __enter__(self):
        self.preview_port = free_udp_port()
        self.sim = IpcamSim("--h264", SAMPLE, "--preview-port", self.preview_port)
        self.sim.start()
        args = ["--camera", "127.0.0.1", "--control-port", self.sim.control_port, "--http-port",
                self.sim.http_port, "--preview-port", self.preview_port, "--port", 0,
                "--control-http-port", 0, "--linger", 1] + self.server_args
        wrapper = self.wrapper + ["prlimit", "--nofile=%d:%d" % (NOFILE, NOFILE), "--"]
        try:
            self.server = srv.start(args, wrapper=wrapper, env=self.env)
        except RuntimeError:
            self.sim.stop()
            raise
        self.url = self.server.ready["url"]
        self.control = self.server.ready["control"]
        m = re.match(r"rtsp://([^:/]+|\[[^\]]+\]):(\d+)/", self.url)
        self.host, self.port = m.group(1), int(m.group(2))
        return self

    def __exit__(self, *exc):
        self.server.close()
        self.sim.stop()
        return False

    def figures(self, when):
        """(descriptors, threads, RSS MiB) of the server, printed."""
        pid = self.server.pid
        fds = len(os.listdir("/proc/%d/fd" % pid))
        status = open("/proc/%d/status" % pid).read()
        threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024.0
        print("%-28s %5d descriptors %4d threads %6.1f MiB RSS" % (when + ":", fds, threads, rss), flush=True)
        return fds, threads, rss

    def descriptors(self):
        return len(os.listdir("/proc/%d/fd" % self.server.pid))

    def wait_descriptors(self, most, timeout):
        """Until the server holds `most` descriptors or fewer."""
        if not wait_until(lambda: self.descriptors() <= most, timeout, 0.05):
            self.figures("still")
            fail("the server's descriptors did not come back to %d within %d s" % (most, timeout))

    def alive(self):
        return self.server.proc.poll() is None

    def complaints(self):
        text = self.server.stderr()
        return [line for line in text.splitlines() if re.search(r"CRITICAL|WARNING|ERROR \*\*|GLib-ERROR", line)]

    def finish(self):
        """No CRITICAL or WARNING line; SIGTERM ends the server within 0.5 s."""
        if not self.alive():
            fail("the server died (exit %r); stderr tail:\n%s" % (self.server.proc.returncode,
                                                                   self.server.stderr()[-3000:]))
        bad = self.complaints()
        print("CRITICAL/WARNING lines in the server's stderr: %d" % len(bad), flush=True)
        code, seconds = self.server.stop(timeout=5)
        print("SIGTERM: exit %s after %.3f s" % (code, seconds), flush=True)
        if bad:
            fail("the server complained:\n" + "\n".join(bad[:10]))
        if code != 0 or seconds > 0.5:
            fail("SIGTERM: exit %s after %.2f s (want 0 within 0.5 s)" % (code, seconds))

    def status(self):
        import json
        import urllib.request
        with urllib.request.urlopen(self.control + "api/status", timeout=10) as r:
            return json.loads(r.read())

    # -- RTSP by hand
    def connect(self, source="127.0.0.1"):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((source, 0))
        s.settimeout(10)
        s.connect((self.host, self.port))
        return s

    def request(self, s, method, url, cseq, extra=""):
        s.sendall(("%s %s RTSP/1.0\r\nCSeq: %d\r\n%s\r\n" % (method, url, cseq, extra)).encode())

    def answer(self, s):
        """One RTSP answer: (status code, headers text); (None, "") when closed."""
        data = b""
        while b"\r\n\r\n" not in data:
            try:
                chunk = s.recv(4096)
            except OSError:
                return None, ""
            if not chunk:
                return None, ""
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = re.search(rb"Content-Length:\s*(\d+)", head, re.I)
        need = int(length.group(1)) if length else 0
        while len(rest) < need:
            chunk = s.recv(4096)
            if not chunk:
                break
            rest += chunk
        return int(head.split()[1]), head.decode(errors="replace")

    def session_never_played(self, i):
        """A connection with DESCRIBE and SETUP (UDP) answered and no PLAY; None if refused."""
        try:
            s = self.connect()
            self.request(s, "DESCRIBE", self.url, 1, "Accept: application/sdp\r\n")
            if self.answer(s)[0] != 200:
                s.close()
                return None
            self.request(s, "SETUP", self.url + "/stream=0", 2,
                         "Transport: RTP/AVP;unicast;client_port=%d-%d\r\n" % (30000 + 2 * i, 30001 + 2 * i))
            self.answer(s)
            return s
        except OSError:
            return None

    def sessions_never_played(self, n):
        """`n` of those at once (a DESCRIBE waits for a keyframe): the connections kept."""
        with concurrent.futures.ThreadPoolExecutor(60) as pool:
            return [s for s in pool.map(self.session_never_played, range(n)) if s]

    def plays_at_once(self, source="127.0.0.1", limit=5.0):
        """A new viewer's DESCRIBE answered 200 and its first frame decoded, timed."""
        start = time.monotonic()
        s = self.connect(source)
        self.request(s, "DESCRIBE", self.url, 1, "Accept: application/sdp\r\n")
        code, _ = self.answer(s)
        s.close()
        if code != 200:
            fail("a new viewer's DESCRIBE got %r" % code)
        p = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", self.url,
                            "-frames:v", "1", "-f", "null", "-"], capture_output=True, timeout=30)
        took = time.monotonic() - start
        print("a new viewer: DESCRIBE 200 and a decoded frame after %.2f s" % took, flush=True)
        if p.returncode != 0 or p.stderr.strip():
            fail("a new viewer could not play: %s" % p.stderr.decode(errors="replace"))
        if took > limit:
            fail("a new viewer took %.1f s to play" % took)


class Watcher:
    """ffmpeg watching the stream over TCP, its decoded frame count read
    from -progress."""

    def __init__(self, url):
        self.frames = 0
        self.proc = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", url,
                                      "-t", "600", "-progress", "pipe:1", "-f", "null", "-"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            m = re.match(rb"frame=(\d+)", line)
            if m:
                self.frames = int(m.group(1))

    def frames_grow(self, what, timeout=15):
        seen = self.frames
        wait_for(lambda: self.frames > seen + 10, timeout, "the viewer already watching to go on (%s)" % what)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        err = self.proc.stderr.read().decode(errors="replace")
        if err.strip():
            fail("the viewer already watching complained: " + err)


def raise_own_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# ---------------------------------------------------------------- cases

def header_flood():
    """Ten connections each send 630 kB of one unterminated header line, then close."""
    with Rig() as rig:
        before = rig.figures("before")
        line = b"DESCRIBE " + rig.url.encode() + b" RTSP/1.0\r\nCSeq: 1\r\nX-Long: " + b"a" * (630 * 1024)

        def one():
            s = rig.connect()
            try:
                s.sendall(line)
            except OSError:
                pass  # closed by the server past its cap: fine
            s.close()

        threads = [threading.Thread(target=one) for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        rig.figures("during")
        start = time.monotonic()
        rig.wait_descriptors(before[0] + 2, 20)
        print("the ten connections were gone %.1f s after the flood" % (time.monotonic() - start), flush=True)
        stderr_size = len(rig.server.stderr_bytes())
        rig.plays_at_once()
        rig.figures("after")
        if stderr_size > 64 * 1024:
            fail("%d bytes of stderr" % stderr_size)
        rig.finish()


def idle_flood():
    """1,100 idle connections from one address, a viewer watching; then
    300 DESCRIBE+SETUP sessions that never PLAY."""
    raise_own_limit()
    with Rig() as rig:
        watcher = Watcher(rig.url)
        wait_for(lambda: watcher.frames > 10, 30, "the first viewer to play")
        before = rig.figures("before (one viewer)")
        flood = []
        for _ in range(1100):
            try:
                flood.append(rig.connect())
            except OSError:
                break
        # Accepts happen in order on one thread: an answer on a later
        # connection (another address) means the flood was handled.
        probe = rig.connect("127.0.0.2")
        rig.request(probe, "OPTIONS", rig.url, 1)
        code, _ = rig.answer(probe)
        probe.close()
        during = rig.figures("1,100 idle connections")
        if code != 200:
            fail("an OPTIONS from another address got %r during the flood" % code)
        if during[0] > NOFILE - 100:
            fail("%d descriptors under a %d limit" % (during[0], NOFILE))
        watcher.frames_grow("during the flood")
        rig.plays_at_once()  # from the flood's address: it takes an idle one's place
        lines = [l for l in rig.server.stderr().splitlines() if "the most there may be" in l]
        print("cap log lines: %d" % len(lines), flush=True)
        if len(lines) != 1:
            fail("want one log line for the cap, got %d" % len(lines))
        for s in flood:
            s.close()
        rig.plays_at_once()
        rig.figures("after the idle flood")

        sessions = rig.sessions_never_played(300)
        held = rig.figures("300 sessions never PLAYed")
        print("connections the server kept: %d of 300" % len(sessions), flush=True)
        if held[0] > NOFILE - 100:
            fail("%d descriptors under a %d limit" % (held[0], NOFILE))
        watcher.frames_grow("with the sessions held")
        for s in sessions:
            s.close()
        rig.wait_descriptors(before[0] + 8, 20)
        rig.plays_at_once()
        watcher.frames_grow("after the floods")
        watcher.stop()
        rig.figures("after")
        rig.finish()


def mutate(rng, request):
    """`request` with a few bytes flipped, cut, doubled or dropped."""
    b = bytearray(request)
    for _ in range(rng.randint(1, 6)):
        i = rng.randrange(len(b))
        op = rng.randrange(4)
        if op == 0:
            b[i] = rng.randrange(256)
        elif op == 1:
            del b[i:i + rng.randint(1, 8)]
        elif op == 2:
            b[i:i] = b[i:i + rng.randint(1, 64)] * rng.randint(1, 30)
        else:
            b[i:i] = rng.choice([b"\r\n", b"\r\n\r\n", b":", b";", b"$", b"\x00", b"Session: x\r\n"])
    return bytes(b)


def mutations():
    """2,000 mutated DESCRIBE, SETUP, PLAY and TEARDOWN requests over 200
    connections, 20 at a time (a fixed seed), some closed mid-way."""
    import random
    with Rig() as rig:
        before = rig.figures("before")
        templates = [("DESCRIBE %s RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n" % rig.url).encode(),
                     ("SETUP %s/stream=0 RTSP/1.0\r\nCSeq: 2\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1"
                      "\r\n\r\n" % rig.url).encode(),
                     ("PLAY %s RTSP/1.0\r\nCSeq: 3\r\nSession: 12345678\r\nRange: npt=0-\r\n\r\n" % rig.url).encode(),
                     ("TEARDOWN %s RTSP/1.0\r\nCSeq: 4\r\nSession: 12345678\r\n\r\n" % rig.url).encode()]

        def one(i):
            rng = random.Random(i)
            try:
                s = rig.connect()
                s.settimeout(0.5)
                for _ in range(10):
                    s.sendall(mutate(rng, rng.choice(templates)))
                    if rng.random() < 0.3:
                        try:
                            s.recv(65536)
                        except OSError:
                            pass
                s.close()
            except OSError:
                pass  # closed by the server: fine

        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            list(pool.map(one, range(200)))
        rig.figures("after 2,000 requests")
        rig.wait_descriptors(before[0] + 8, 20)
        wait_for(lambda: rig.status()["viewers"] == 0, 20, "the medias to go")
        rig.figures("settled")
        rig.plays_at_once()
        rig.finish()


def pipelined_setups():
    """One connection writes 500 SETUPs without waiting and closes; then twenty at once."""
    with Rig() as rig:
        before = rig.figures("before")
        setups = b"".join(("SETUP %s/stream=0 RTSP/1.0\r\nCSeq: %d\r\nTransport: RTP/AVP;unicast;"
                           "client_port=%d-%d\r\n\r\n" % (rig.url, i + 1, 20000 + 2 * i, 20001 + 2 * i)).encode()
                          for i in range(500))

        def one():
            s = rig.connect()
            s.sendall(setups)
            s.close()

        def gone(n):
            # Everything the connections made goes with them: medias, their
            # threads and descriptors, the camera (after its 1 s linger).
            start = time.monotonic()
            wait_for(lambda: rig.status()["viewers"] == 0, 10, "the medias to go")
            took = time.monotonic() - start
            rig.wait_descriptors(before[0] + 2, 10)
            print("%s: medias gone %.2f s after the close" % (n, took), flush=True)
            if took > 3:
                fail("the medias stayed %.1f s" % took)

        one()
        rig.figures("one connection closed")
        gone("one connection")
        rig.figures("after one")
        threads = [threading.Thread(target=one) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        rig.figures("twenty closed")
        gone("twenty connections")
        rig.figures("after twenty")
        rig.plays_at_once()
        rig.finish()


# A browser's offer as Chromium writes it (recvonly H.264), for a peer that
# then never connects: its ICE credentials and fingerprint lead nowhere.
OFFER = "\r\n".join([
    "v=0", "o=- 4611731400430051336 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0",
    "a=msid-semantic: WMS", "m=video 9 UDP/TLS/RTP/SAVPF %(pt)s", "c=IN IP4 0.0.0.0", "a=rtcp:9 IN IP4 0.0.0.0",
    "a=ice-ufrag:Fl0d", "a=ice-pwd:floodfloodfloodfloodfl0d", "a=ice-options:trickle",
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32), "a=setup:actpass", "a=mid:0", "a=recvonly",
    "a=rtcp-mux", "a=rtcp-rsize", "a=rtpmap:%(pt)s H264/90000", "a=rtcp-fb:%(pt)s nack",
    "a=rtcp-fb:%(pt)s nack pli",
    "a=fmtp:%(pt)s level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", ""])


def whep_post(rig, body, source="127.0.0.1", timeout=30):
    """(status, headers, text) of a POST to the camera's WHEP endpoint."""
    u = urllib.parse.urlparse(rig.server.ready["whep"])
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout, source_address=(source, 0))
    try:
        c.request("POST", u.path, body=body.encode(), headers={"Content-Type": "application/sdp"})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode(errors="replace")
    finally:
        c.close()


def whep_flood():
    """200 WHEP offers that never connect, 20 at a time; an empty offer and
    payload type 999."""
    with Rig() as rig:
        for body, words in (("", "empty"), (OFFER % {"pt": 999}, "payload type 96-127")):
            status, _, text = whep_post(rig, body)
            print("offer %r...: %d %s" % (body[:12], status, text.strip()), flush=True)
            if status != 400 or words not in text:
                fail("want 400 naming %r, got %d %r" % (words, status, text))
        # One session made and given up first: what the first one sets up
        # once (libnice, DTLS, the camera's hub) is in the baseline.
        if whep_post(rig, OFFER % {"pt": 102})[0] != 201:
            fail("a WHEP offer was not answered")
        wait_for(lambda: rig.status()["webrtc_viewers"] == 0, 30, "the first session to be given up")
        wait_for(lambda: rig.status()["viewers"] == 0 and rig.descriptors() <= 16, 20, "the camera to be released")
        before = rig.figures("before")
        statuses = {}
        peak = [before]

        def one(i):
            # From eight addresses: the cap per address (4) and in all (16).
            status, headers, text = whep_post(rig, OFFER % {"pt": 102}, "127.0.0.%d" % (2 + i % 8))
            if status == 503 and headers.get("Retry-After") != "10":
                fail("a 503 without Retry-After: %r" % headers)
            statuses[status] = statuses.get(status, 0) + 1
            peak.append(rig.figures("offer %d" % i) if i % 40 == 0 else before)

        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            list(pool.map(one, range(200)))
        during = rig.figures("200 offers, answered")
        print("answers: %s" % ", ".join("%d x %d" % (n, s) for s, n in sorted(statuses.items())), flush=True)
        if statuses.get(201, 0) < 16 or statuses.get(503, 0) < 100 or set(statuses) - {201, 503}:
            fail("want some 201 and the rest 503, got %r" % statuses)
        if max(p[0] for p in peak + [during]) > NOFILE - 200:
            fail("descriptors near the limit")
        start = time.monotonic()
        wait_for(lambda: rig.status()["webrtc_viewers"] == 0, 30, "the sessions to be given up")
        given_up = time.monotonic() - start
        rig.wait_descriptors(before[0] + 2, 15)
        wait_until(lambda: rig.figures("after")[1] <= before[1] + 2, 15, 0.5)
        after = rig.figures("after")
        print("given up %.1f s after the last answer" % given_up, flush=True)
        if after[1] > before[1] + 2:
            fail("threads: %d before, %d after" % (before[1], after[1]))
        if after[2] > before[2] + 8:
            fail("RSS: %.1f MiB before, %.1f MiB after" % (before[2], after[2]))
        rig.finish()


SSDP = ("239.255.255.250", 1900)


def upnp():
    """libnice's UPnP in a network namespace of the test's own, with an
    interface that multicasts: no SSDP datagram while Chromium watches over
    WHEP, nor while a viewer of a server on every address is negotiated and
    held (gathering is when libnice would ask the router)."""
    if os.environ.get("IPCAM_FLOODS_NETNS") != "1":
        # The whole case in a new network namespace: nothing leaves the machine.
        r = subprocess.run(["unshare", "--net", "--", sys.executable, os.path.abspath(__file__), "upnp"],
                           env=dict(os.environ, IPCAM_FLOODS_NETNS="1"))
        if r.returncode:
            fail("the case failed inside its namespace (exit %d)" % r.returncode)
        return
    for cmd in ("ip link set lo up", "ip link add ssdp0 type veth peer name ssdp1", "ip link set ssdp1 up", "ip addr add 10.231.0.1/24 dev ssdp0",
                "ip link set ssdp0 up", "ip route add 239.0.0.0/8 dev ssdp0"):
        subprocess.run(cmd.split(), check=True)
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", SSDP[1]))
    listener.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                        socket.inet_aton(SSDP[0]) + socket.inet_aton("10.231.0.1"))
    heard = []

    def listen():
        while True:
            data, peer = listener.recvfrom(65536)
            heard.append((peer, data.split(b"\r\n", 1)[0]))

    threading.Thread(target=listen, daemon=True).start()
    # The listener hears a search sent here: it would hear the server's.
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("10.231.0.1"))
    probe.sendto(b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
                 b"MX: 1\r\nST: test:probe\r\n\r\n", SSDP)
    wait_for(lambda: heard, 5, "the listener to hear the test's own search")
    heard.clear()
    # A browser watching (headless Chromium, the test's own WHEP client).
    from ipcamtest.web_rig import Browser
    with Rig() as rig, Browser() as b:
        b.open(rig.control + "api/status")
        b.install_whep_client()
        r = b.js_async("whep(arguments[0])", rig.server.ready["whep"])
        if r.get("status") != 201:
            fail("Chromium's WHEP offer got %r" % r)
        b.wait_js("return frames_of(0) >= 60", 30, "Chromium playing")
        print("Chromium watched %d frames over WHEP; SSDP datagrams heard: %d %s"
              % (b.js("return frames_of(0)"), len(heard), heard[:3]), flush=True)
        if heard:
            fail("the server sent SSDP: %r" % heard[:3])
        b.js_async("whep_delete(0)")
        rig.finish()
    # Serving every network: a viewer negotiated and held until it is
    # given up (no ICE comes), the whole time libnice would map ports.
    with Rig(["--bind", "0.0.0.0"]) as rig:
        status, _, text = whep_post(rig, OFFER % {"pt": 102})
        print("--bind 0.0.0.0: WHEP offer %d; %d candidate(s) in the answer" % (status, text.count("a=candidate")),
              flush=True)
        if status != 201:
            fail("the offer got %d %s" % (status, text))
        wait_for(lambda: rig.status()["webrtc_viewers"] == 0, 20, "the viewer to be given up")
        print("SSDP datagrams heard: %d %s" % (len(heard), heard[:3]), flush=True)
        if heard:
            fail("the server sent SSDP: %r" % heard[:3])
        rig.finish()


def digest(user, password, realm, nonce, method, uri, nc, cnonce="f1ood5"):
    """An RFC 2617 Digest Authorization (qop=auth), as a browser writes it."""
    def md5(text):
        return hashlib.md5(text.encode()).hexdigest()
    ha1, ha2 = md5("%s:%s:%s" % (user, realm, password)), md5("%s:%s" % (method, uri))
    response = md5("%s:%s:%08x:%s:auth:%s" % (ha1, nonce, nc, cnonce, ha2))
    return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=MD5, response="%s", qop=auth, '
            'nc=%08x, cnonce="%s"' % (user, realm, nonce, uri, response, nc, cnonce))


def replays():
    """A Digest Authorization replayed unchanged (GET /api/status, POST
    /api/record/stop); one SETUP with 2,000 unknown transport fields."""
    lifetime = 3  # s, IPCAM_DIGEST_NONCE_SECONDS (30 min by default)
    with Rig(["--rtsp-user", "viewer", "--rtsp-password", "s3cret"],
             env={"IPCAM_DIGEST_NONCE_SECONDS": str(lifetime)}) as rig:
        u = urllib.parse.urlparse(rig.control)

        def call(method, path, auth=None):
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            c.request(method, path, body=b"" if method == "POST" else None,
                      headers={"Authorization": auth} if auth else {})
            r = c.getresponse()
            r.read()
            c.close()
            return r.status, r.getheader("WWW-Authenticate") or ""

        status, challenge = call("GET", "/api/status")
        realm = re.search(r'realm="([^"]*)"', challenge).group(1)
        nonce = re.search(r'nonce="([^"]*)"', challenge).group(1)
        for n, (method, path) in enumerate((("GET", "/api/status"), ("POST", "/api/record/stop"))):
            auth = digest("viewer", "s3cret", realm, nonce, method, path, n + 1)
            first, _ = call(method, path, auth)
            again, _ = call(method, path, auth)
            print("%s %s: %d, the same Authorization again: %d" % (method, path, first, again), flush=True)
            if first == 401 or again != 401:
                fail("want the first accepted and the replay 401, got %d then %d" % (first, again))
        status, _ = call("GET", "/api/status", digest("viewer", "s3cret", realm, nonce, "GET", "/api/status", 3))
        print("the next nonce count: %d" % status, flush=True)
        if status != 200:
            fail("a fresh nonce count got %d" % status)
        # A client answering a new challenge starts again at count 1 with a
        # new cnonce, and libsoup hands the same nonce to challenges made in
        # the same second: that is no replay.
        status, _ = call("GET", "/api/status",
                         digest("viewer", "s3cret", realm, nonce, "GET", "/api/status", 1, cnonce="an0ther"))
        print("count 1 again with a new cnonce: %d" % status, flush=True)
        if status != 200:
            fail("a new cnonce at count 1 got %d" % status)
        # Python's own Digest client, ten requests in a row, each answering
        # a new challenge: every one passes.
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, rig.control, "viewer", "s3cret")
        opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
        for _ in range(10):
            with opener.open(rig.control + "api/status", timeout=30) as r:
                if r.status != 200:
                    fail("urllib's Digest client got %d" % r.status)
        print("urllib's Digest client: 10 requests in a row answered", flush=True)
        # A page that keeps polling keeps its nonce past the lifetime: it
        # expires only when left unused.
        started = time.monotonic()
        for k in range(6):
            wait_until(lambda: time.monotonic() > started + k * lifetime / 4, lifetime + 5, 0.05)
            status, _ = call("GET", "/api/status", digest("viewer", "s3cret", realm, nonce, "GET", "/api/status", 4 + k))
            if status != 200:
                fail("a nonce in use %.1f s after its first use got %d" % (time.monotonic() - started, status))
        print("a nonce in use for %.1f s (lifetime %d s): every request answered" % (time.monotonic() - started, lifetime),
              flush=True)
        last_use = time.monotonic()
        # The nonce expires once unused for its lifetime: the next count is
        # refused with a fresh nonce, which works.
        wait_until(lambda: time.monotonic() > last_use + lifetime + 0.5, lifetime + 5, 0.1)
        status, challenge = call("GET", "/api/status", digest("viewer", "s3cret", realm, nonce, "GET", "/api/status", 10))
        fresh = re.search(r'nonce="([^"]*)"', challenge)
        print("after %d s, the next nonce count: %d" % (lifetime, status), flush=True)
        if status != 401 or not fresh or fresh.group(1) == nonce:
            fail("an expired nonce got %d (challenge %r)" % (status, challenge))
        status, _ = call("GET", "/api/status", digest("viewer", "s3cret", realm, fresh.group(1), "GET", "/api/status", 1))
        if status != 200:
            fail("the fresh nonce got %d" % status)
        rig.finish()
    with Rig() as rig:
        s = rig.connect()
        rig.request(s, "SETUP", rig.url + "/stream=0", 1, "Transport: RTP/AVP;unicast;client_port=5000-5001;"
                    + ";".join(["x=y"] * 2000) + "\r\n")
        code, _ = rig.answer(s)
        s.close()
        lines = [l for l in rig.server.stderr().splitlines() if "transport field" in l or "Transport header" in l]
        print("SETUP with 2,000 unknown transport fields: %r, %d log line(s): %s" % (code, len(lines), lines[:1]),
              flush=True)
        if len(lines) != 1:
            fail("want one log line, got %d" % len(lines))
        rig.finish()


CASES = {
    "header-flood": header_flood,
    "idle-flood": idle_flood,
    "pipelined-setups": pipelined_setups,
    "mutations": mutations,
    "whep-flood": whep_flood,
    "upnp": upnp,
    "replays": replays,
}


def main():
    if sys.argv[1:] == ["--list"]:
        print("\n".join(CASES))
        return 0
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: floods.py CASE (--list)", file=sys.stderr)
        return 2
    CASES[sys.argv[1]]()
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
