"""A Wi-Fi link in userspace, for the link rig (the kernel here has no
sch_netem): runs in the middle network namespace, relays the camera's
control connection (TCP) and its preview datagrams (UDP), and does to the
preview what a Wi-Fi link does: delay with jitter (which reorders), extra
reordering, random loss, loss in bursts, and outages during which nothing
passes either way (the link is down, nobody closes anything).

    link_forwarder.py --listen 10.77.2.1 --camera 10.77.1.2 --camera-side 10.77.1.1
                      --client 10.77.2.2 [--delay-ms 20 --jitter-ms 10 --reorder 0.05
                      --loss 0.02 --burst 8 --burst-every-s 2 --outage-at-s 4 --outage-s 8]
                      --stats FILE --seed N

It prints one ready line ({"ready": true}) once its sockets are bound, and
on SIGTERM writes what it did as JSON to --stats: datagrams received, sent,
dropped by loss / burst / outage, reordered (sent after a later one), those
sent more than --window-ms after the first datagram that overtook them
(the forwarder is a userspace process: on a loaded machine a stall can
stretch its own jitter), and
the outage's start and end on the monotonic clock (shared by every
namespace), so a test can time the pictures after it.
"""

import argparse
import collections
import heapq
import json
import random
import selectors
import signal
import socket
import sys
import time

CONTROL_PORT = 6666
PREVIEW_PORT = 6669


class Link:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.sel = selectors.DefaultSelector()
        self.counts = {"received": 0, "sent": 0, "lost": 0, "burst_lost": 0, "outage_lost": 0,
                       "reordered": 0, "held_for_reorder": 0, "connections": 0, "stale_connections": 0,
                       "later_than_window": 0}
        self.queue = []  # (due, order, datagram)
        self.order = 0
        self.last_sent_order = -1
        self.start = time.monotonic()
        self.outage = None
        if a.outage_s > 0:
            self.outage = (self.start + a.outage_at_s, self.start + a.outage_at_s + a.outage_s)
        self.burst_left = 0
        self.next_burst = self.start + a.burst_every_s if a.burst > 0 else None
        self.pairs = {}  # socket -> peer socket
        self.pending = {}  # socket -> bytes not yet written to it
        self.held = None  # a datagram held back to go after the next one
        self.recent = collections.deque(maxlen=256)  # (order, time sent) of the last datagrams sent

        self.preview_in = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.preview_in.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.preview_in.bind((a.camera_side, PREVIEW_PORT))
        self.preview_out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.preview_out.bind((a.listen, 0))
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((a.listen, CONTROL_PORT))
        self.listener.listen(16)
        self.listener.setblocking(False)
        self.preview_in.setblocking(False)
        self.sel.register(self.preview_in, selectors.EVENT_READ, "preview")
        self.sel.register(self.listener, selectors.EVENT_READ, "accept")
        self.down = False

    def in_outage(self, now):
        return self.outage is not None and self.outage[0] <= now < self.outage[1]

    def set_down(self, down):
        """Link down: stop reading every socket (TCP stalls as on a dead
        link: nothing is closed, nothing passes)."""
        if down == self.down:
            return
        self.down = down
        for s in [self.listener] + list(self.pairs):
            try:
                if down:
                    self.sel.unregister(s)
                else:
                    self.sel.register(s, selectors.EVENT_READ, "accept" if s is self.listener else "tcp")
            except (KeyError, ValueError):
                pass

    def on_datagram(self, data, now):
        self.counts["received"] += 1
        if self.in_outage(now):
            self.counts["outage_lost"] += 1
            return
        if self.next_burst is not None and now >= self.next_burst:
            self.burst_left = self.a.burst
            self.next_burst += self.a.burst_every_s
        if self.burst_left > 0:
            self.burst_left -= 1
            self.counts["burst_lost"] += 1
            return
        if self.a.loss > 0 and self.rng.random() < self.a.loss:
            self.counts["lost"] += 1
            return
        due = now + (self.a.delay_ms + self.rng.uniform(-self.a.jitter_ms, self.a.jitter_ms)) / 1000.0
        order = self.order
        self.order += 1
        if self.held is not None:
            # The held one goes right after this one.
            heapq.heappush(self.queue, (due, order, data))
            h_order, h_data = self.held
            self.held = None
            heapq.heappush(self.queue, (due, order + 0.5, h_data, h_order))
            return
        if self.a.reorder > 0 and self.rng.random() < self.a.reorder:
            self.held = (order, data)
            self.counts["held_for_reorder"] += 1
            return
        heapq.heappush(self.queue, (due, order, data))

    def send_due(self, now):
        while self.queue and self.queue[0][0] <= now:
            item = heapq.heappop(self.queue)
            order = item[3] if len(item) > 3 else item[1]
            if order < self.last_sent_order:
                self.counts["reordered"] += 1
                # How long after the first datagram that overtook it: past
                # the receiver's reorder window, it cannot be put back.
                overtaken_at = min(t for o, t in self.recent if o > order)
                if now - overtaken_at > self.a.window_ms / 1000.0:
                    self.counts["later_than_window"] += 1
            self.recent.append((order, now))
            self.last_sent_order = max(self.last_sent_order, order)
            try:
                self.preview_out.sendto(item[2], (self.a.client, PREVIEW_PORT))
                self.counts["sent"] += 1
            except OSError:
                pass

    def accept(self):
        try:
            client, _ = self.listener.accept()
        except BlockingIOError:
            return
        # A connection the client gave up on while the link was down.
        client.setblocking(False)
        try:
            if client.recv(1, socket.MSG_PEEK) == b"":
                self.counts["stale_connections"] += 1
                client.close()
                return
        except BlockingIOError:
            pass
        except OSError:
            client.close()
            return
        camera = socket.create_connection((self.a.camera, CONTROL_PORT), timeout=5)
        camera.setblocking(False)
        self.counts["connections"] += 1
        self.pairs[client] = camera
        self.pairs[camera] = client
        for s in (client, camera):
            self.sel.register(s, selectors.EVENT_READ, "tcp")

    def close_pair(self, s):
        peer = self.pairs.pop(s, None)
        for x in (s, peer):
            if x is None:
                continue
            self.pairs.pop(x, None)
            try:
                self.sel.unregister(x)
            except (KeyError, ValueError):
                pass
            x.close()

    def relay(self, s):
        try:
            data = s.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.close_pair(s)
            return
        peer = self.pairs.get(s)
        if peer is not None:
            try:
                peer.setblocking(True)
                peer.sendall(data)
                peer.setblocking(False)
            except OSError:
                self.close_pair(s)

    def run(self, stop):
        print(json.dumps({"ready": True}), flush=True)
        while not stop["now"]:
            now = time.monotonic()
            self.set_down(self.in_outage(now))
            self.send_due(now)
            timeout = 0.05
            if self.queue:
                timeout = min(timeout, max(0.0, self.queue[0][0] - now))
            if self.outage is not None:
                for edge in self.outage:
                    if edge > now:
                        timeout = min(timeout, edge - now)
            # New connections last: a connection the client closed while the
            # link was down ends (the camera sees the close, as TCP would
            # retransmit it) before its successor logs in.
            events = sorted(self.sel.select(timeout), key=lambda e: e[0].data == "accept")
            for key, _ in events:
                kind = key.data
                if kind == "preview":
                    while True:
                        try:
                            data = self.preview_in.recv(65536)
                        except (BlockingIOError, InterruptedError):
                            break
                        self.on_datagram(data, time.monotonic())
                elif kind == "accept":
                    self.accept()
                else:
                    self.relay(key.fileobj)
        out = dict(self.counts)
        if self.outage is not None:
            out["outage_start"], out["outage_end"] = self.outage
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", required=True, help="address the client connects to")
    ap.add_argument("--client", required=True, help="the client's address (preview goes there)")
    ap.add_argument("--camera", required=True, help="the camera's address")
    ap.add_argument("--camera-side", required=True, help="this side's address towards the camera")
    ap.add_argument("--delay-ms", type=float, default=0.0)
    ap.add_argument("--jitter-ms", type=float, default=0.0)
    ap.add_argument("--reorder", type=float, default=0.0, help="probability a datagram goes after the next")
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--burst", type=int, default=0, help="datagrams lost in a row ...")
    ap.add_argument("--burst-every-s", type=float, default=2.0, help="... this often")
    ap.add_argument("--outage-at-s", type=float, default=0.0)
    ap.add_argument("--outage-s", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--window-ms", type=float, default=40.0,
                    help="the receiver's reorder window: datagrams sent later than this after one that "
                         "overtook them are counted (later_than_window), as the receiver must lose them")
    ap.add_argument("--stats", required=True)
    a = ap.parse_args()
    stop = {"now": False}

    def on_term(*_):
        stop["now"] = True
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    out = Link(a).run(stop)
    with open(a.stats, "w") as f:
        json.dump(out, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
