"""The ONVIF rig: ipcam-rtsp-server with --onvif in a network namespace of
its own, and the clients in two others, each joined to it by a veth pair.
Made and removed by the rig (also when a test fails); nothing outside the
three namespaces is touched, so no multicast ever leaves the machine.

    camera ns (servers, emulators)      client ns (the ONVIF clients)
      cam0 10.78.1.2  ────────veth────────  cli0 10.78.1.1
    other ns (a network the server does not serve when bound to 10.78.1.2)
      cam1 10.78.2.2  ────────veth────────  oth0 10.78.2.1

    with OnvifNet() as net:
        server = net.server(["--bind", CAMERA, "--onvif"])   # a running ipcamtest Server
        net.run("client", ["node", ...])                    # a CompletedProcess
"""

import json
import os
import signal
import subprocess
import sys

from ipcamtest import server as server_mod
from ipcamtest.waiting import end_process, read_line

CAMERA, CLIENT = "10.78.1.2", "10.78.1.1"
CAMERA_OTHER, OTHER = "10.78.2.2", "10.78.2.1"
SAMPLE = os.environ.get("IPCAM_SAMPLE_H264", "")
SIM = os.environ.get("IPCAM_SIM", "")


def ip(*args):
    subprocess.run(["ip"] + [str(a) for a in args], check=True, stdin=subprocess.DEVNULL, capture_output=True)


class OnvifNet:
    def __init__(self):
        tag = "%d-%d" % (os.getpid(), id(self) % 100000)
        self.ns = {k: "ipcam-onvif-%s-%s" % (k, tag) for k in ("camera", "client", "other")}
        self.sims = []
        self.servers = []
        self.preview_port = 6669

    def exec_argv(self, ns, argv):
        return ["ip", "netns", "exec", self.ns[ns]] + [str(a) for a in argv]

    def _network(self):
        for n in self.ns.values():
            ip("netns", "add", n)
            ip("-n", n, "link", "set", "lo", "up")
        for far, dev, peer, near_addr, far_addr in (("client", "cam0", "cli0", CAMERA, CLIENT),
                                                    ("other", "cam1", "oth0", CAMERA_OTHER, OTHER)):
            ip("-n", self.ns["camera"], "link", "add", dev, "type", "veth", "peer", "name", peer, "netns",
               self.ns[far])
            ip("-n", self.ns["camera"], "addr", "add", near_addr + "/24", "dev", dev)
            ip("-n", self.ns[far], "addr", "add", far_addr + "/24", "dev", peer)
            ip("-n", self.ns["camera"], "link", "set", dev, "up")
            ip("-n", self.ns[far], "link", "set", peer, "up")
            # The clients send to 239.255.255.250 without naming an interface.
            ip("-n", self.ns[far], "route", "add", "224.0.0.0/4", "dev", peer)

    def __enter__(self):
        # meson's timeout sends SIGTERM: unwind, so the namespaces go too.
        if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
        try:
            self._network()
        except BaseException:
            self.close()
            raise
        return self

    def sim(self):
        """An emulator in the camera namespace on its loopback: the
        --camera arguments for a server."""
        self.preview_port += 1
        argv = [SIM, "--bind", "127.0.0.1", "--control-port", 0, "--http-port", 0, "--discovery-port", 0,
                "--discovery-port", 0, "--preview-port", self.preview_port, "--h264", SAMPLE]
        proc = subprocess.Popen(self.exec_argv("camera", argv), stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        self.sims.append(proc)
        line = read_line(proc, 30)
        if not line:
            raise RuntimeError("ipcam-sim did not start in the camera namespace (exit %r)" % proc.poll())
        ready = json.loads(line)
        return ["--camera", "127.0.0.1", "--control-port", ready["control_port"], "--http-port",
                ready["http_port"], "--preview-port", self.preview_port]

    def server(self, args, control_port=0):
        """ipcam-rtsp-server in the camera namespace with its own emulator,
        ready (its ready line read)."""
        argv = self.sim() + ["--port", 0, "--control-http-port", control_port, "--linger", 1] + list(args)
        s = server_mod.start(argv, wrapper=["ip", "netns", "exec", self.ns["camera"]])
        self.servers.append(s)
        return s

    def run(self, ns, argv, timeout=60, env=None):
        return subprocess.run(self.exec_argv(ns, argv), capture_output=True, stdin=subprocess.DEVNULL,
                              timeout=timeout, env=env)

    def popen(self, ns, argv, env=None):
        return subprocess.Popen(self.exec_argv(ns, argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=env)

    def close(self):
        for s in self.servers:
            s.close()
        self.servers = []
        for proc in self.sims:
            end_process(proc)
            proc.stdout.close()
        self.sims = []
        for n in self.ns.values():
            subprocess.run(["ip", "netns", "del", n], stdin=subprocess.DEVNULL, capture_output=True)

    def __exit__(self, *exc):
        self.close()
        return False
