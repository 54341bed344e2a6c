"""The link rig: a camera and a viewer in network namespaces of their own,
joined through a third namespace where link_forwarder.py plays the Wi-Fi
link. Made and removed by the rig; the machine's own network is never
touched (no address, route or device outside the three namespaces).

    cam ns             link ns                          view ns
    ipcam-sim  ──veth── link_forwarder.py ──veth──      ipcamsrc (link_viewer.py)
    10.77.1.2          10.77.1.1 | 10.77.2.1            10.77.2.2

The viewer logs in to 10.77.2.1:6666 (relayed to the camera); the camera
sends its preview to the forwarder (10.77.1.1:6669), which sends it on to
10.77.2.2:6669 after the link's faults. Names carry the process id, so
rigs of parallel tests never meet.

    with LinkRig(["--loss", "0.02"], sim_args=[...]) as rig:
        result = rig.view(seconds=10)
    rig.link_stats, rig.sim_stats
"""

import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from ipcamtest.waiting import end_process, read_line  # noqa: E402

CAM, LINK_CAM, LINK_VIEW, VIEW = "10.77.1.2", "10.77.1.1", "10.77.2.1", "10.77.2.2"


def ip(*args):
    subprocess.run(["ip"] + list(args), check=True, stdin=subprocess.DEVNULL, capture_output=True)


class LinkRig:
    def __init__(self, link_args, sim_args=(), seed=1):
        self.link_args = [str(x) for x in link_args]
        self.sim_args = [str(x) for x in sim_args]
        self.seed = seed
        tag = "%d-%d" % (os.getpid(), id(self) % 10000)
        self.ns = {k: "ipcam-link-%s-%s" % (k, tag) for k in ("cam", "link", "view")}
        self.tmp = tempfile.TemporaryDirectory(prefix="ipcam-link-")
        self.procs = []
        self.link_stats = None
        self.sim_stats = None

    def exec_argv(self, ns, argv):
        return ["ip", "netns", "exec", self.ns[ns]] + list(argv)

    def _network(self):
        for n in self.ns.values():
            ip("netns", "add", n)
        for n in self.ns.values():
            ip("-n", n, "link", "set", "lo", "up")
        ip("-n", self.ns["cam"], "link", "add", "cam0", "type", "veth", "peer", "name", "lc0", "netns",
           self.ns["link"])
        ip("-n", self.ns["view"], "link", "add", "view0", "type", "veth", "peer", "name", "lv0", "netns",
           self.ns["link"])
        for ns, dev, addr in (("cam", "cam0", CAM), ("link", "lc0", LINK_CAM), ("link", "lv0", LINK_VIEW),
                              ("view", "view0", VIEW)):
            ip("-n", self.ns[ns], "addr", "add", addr + "/24", "dev", dev)
            ip("-n", self.ns[ns], "link", "set", dev, "up")

    def _start(self, ns, argv, what):
        proc = subprocess.Popen(self.exec_argv(ns, argv), stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.procs.append(proc)
        line = read_line(proc, 30)
        if not line:
            raise RuntimeError("%s did not start (exit %r)" % (what, proc.poll()))
        return proc, json.loads(line)

    def __enter__(self):
        try:
            self._network()
            self.link_stats_path = os.path.join(self.tmp.name, "link.json")
            self.sim_stats_path = os.path.join(self.tmp.name, "sim.json")
            self.link, _ = self._start("link", ["/usr/bin/python3", os.path.join(HERE, "link_forwarder.py"),
                                                "--listen", LINK_VIEW, "--client", VIEW, "--camera", CAM,
                                                "--camera-side", LINK_CAM, "--seed", str(self.seed),
                                                "--stats", self.link_stats_path] + self.link_args,
                                       "link_forwarder.py")
            self.sim, self.sim_ready = self._start(
                "cam", [os.environ["IPCAM_SIM"], "--bind", CAM, "--http-port", "0", "--discovery-port", "0",
                        "--discovery-port", "0", "--seed", str(self.seed), "--stats-file", self.sim_stats_path]
                + self.sim_args, "ipcam-sim")
        except BaseException:
            self.close()
            raise
        return self

    def view(self, seconds, *viewer_args):
        """Runs link_viewer.py in the viewer's namespace; its JSON result."""
        out = subprocess.run(self.exec_argv("view", ["/usr/bin/python3", os.path.join(HERE, "link_viewer.py"),
                                                     "--address", LINK_VIEW, "--seconds", str(seconds)]
                                            + [str(x) for x in viewer_args]),
                             stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=seconds + 60, check=True)
        return json.loads(out.stdout.decode().strip().splitlines()[-1])

    def close(self):
        for proc in reversed(self.procs):
            end_process(proc)
            proc.stdout.close()
        self.procs = []
        for path, attr in ((getattr(self, "link_stats_path", None), "link_stats"),
                           (getattr(self, "sim_stats_path", None), "sim_stats")):
            if path and os.path.exists(path):
                with open(path) as f:
                    text = f.read().strip()
                setattr(self, attr, json.loads(text) if text else None)
        for n in self.ns.values():
            subprocess.run(["ip", "netns", "del", n], stdin=subprocess.DEVNULL, capture_output=True)
        self.tmp.cleanup()

    def __exit__(self, *exc):
        self.close()
        return False
