"""WS-Discovery with --onvif, in network namespaces the rig makes (never on
this machine's own network): the npm `onvif` and `node-onvif` clients find
the server on the address they probed, with the same endpoint after a
restart; it answers only on the interfaces it serves; two servers on one
machine both answer; Hello at start, Bye at stop; junk, a DOCTYPE and a
flood do not stop it answering."""

import json
import os
import signal
import time
import unittest

from ipcamtest.waiting import LineWatcher
from onvif_netns import CAMERA, CAMERA_OTHER, OnvifNet
from onvif_npm import node_env

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
PROBE = os.path.join(HERE, "ws_probe.py")
LOOPBACK_ONLY = "ONVIF discovery off: bound to loopback only; --bind an address of the camera network to be found"


def lines(completed):
    return [json.loads(line) for line in completed.stdout.decode().splitlines() if line.strip()]


def answers(completed):
    return [m for m in lines(completed) if m.get("action") == "ProbeMatches"]


def ws_probe(net, ns, *args, timeout=1.5):
    p = net.run(ns, [PYTHON, PROBE, "probe", "--timeout", timeout] + [str(a) for a in args])
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    return p


def device_service(port, address=CAMERA):
    return "http://%s:%d/onvif/device_service" % (address, port)


class DiscoveryTest(unittest.TestCase):
    def test_npm_clients_find_the_server_with_a_stable_endpoint(self):
        env = node_env()
        with OnvifNet() as net:
            server = net.server(["--bind", CAMERA, "--onvif"], control_port=8080)
            p = net.run("client", ["node", os.path.join(HERE, "onvif_client.js"), "probe", 1500], env=env)
            self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
            found = json.loads(p.stdout)
            self.assertEqual(found["errors"], [])
            self.assertEqual(len(found["found"]), 1, found)
            first = found["found"][0]
            self.assertEqual(first["xaddrs"], [device_service(8080)])
            self.assertRegex(first["urn"],
                             r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
            # The second client, independent of the first.
            p = net.run("client", ["node", os.path.join(HERE, "node_onvif_client.js"), "probe"], env=env)
            self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
            other = json.loads(p.stdout)["found"]
            self.assertEqual([(d["urn"], d["xaddrs"]) for d in other], [(first["urn"], [device_service(8080)])])
            self.assertIn("onvif://www.onvif.org/type/video_encoder", other[0]["scopes"])
            # The same server on the same machine and port is the same device after a restart.
            self.assertEqual(server.stop()[0], 0)
            net.server(["--bind", CAMERA, "--onvif"], control_port=8080)
            p = net.run("client", ["node", os.path.join(HERE, "onvif_client.js"), "probe", 1500], env=env)
            again = json.loads(p.stdout)["found"]
            self.assertEqual([(d["urn"], d["xaddrs"]) for d in again], [(first["urn"], first["xaddrs"])])

    def test_answers_only_where_it_listens(self):
        with OnvifNet() as net:
            on_loopback = net.server(["--onvif"], control_port=8081)
            on_camera = net.server(["--bind", CAMERA, "--onvif"], control_port=8082)
            everywhere = net.server(["--bind", "0.0.0.0", "--onvif"], control_port=8083)
            self.assertEqual(on_loopback.stderr().count(LOOPBACK_ONLY), 1, on_loopback.stderr())
            # From the client's network: the server bound there and the one bound
            # everywhere (not the loopback one), each with the address probed.
            p = ws_probe(net, "client")
            message_id = lines(p)[0]["message_id"]
            got = sorted((a["xaddrs"][0], a["relates_to"]) for a in answers(p))
            self.assertEqual(got, [(device_service(8082), message_id), (device_service(8083), message_id)])
            # From the other network: only the one bound everywhere, on that network's address.
            p = ws_probe(net, "other")
            self.assertEqual([a["xaddrs"] for a in answers(p)], [[device_service(8083, CAMERA_OTHER)]])
            self.assertTrue(all(a["from"] == CAMERA_OTHER for a in answers(p)))

    def test_two_servers_on_one_machine_both_answer(self):
        with OnvifNet() as net:
            servers = [net.server(["--bind", CAMERA, "--onvif"], control_port=port) for port in (8084, 8085)]
            p = ws_probe(net, "client", "--expect", 2, timeout=5)
            got = answers(p)
            self.assertEqual(sorted(a["xaddrs"][0] for a in got), [device_service(8084), device_service(8085)])
            self.assertEqual(len({a["address"] for a in got}), 2, "two endpoints, two UUIDs")
            # A probe with no Types asks for every device; one for another type gets nothing.
            self.assertEqual(len(answers(ws_probe(net, "client", "--types", "", "--expect", 2, timeout=5))), 2)
            self.assertEqual(answers(ws_probe(net, "client", "--types", "other:Printer")), [])
            for s in servers:
                self.assertEqual(s.stop()[0], 0)

    def test_hello_at_start_and_bye_at_stop_on_served_interfaces(self):
        with OnvifNet() as net:
            listeners = {ns: net.popen(ns, [PYTHON, PROBE, "listen", "--timeout", 60]) for ns in ("client", "other")}
            watchers = {ns: LineWatcher(listener.stdout) for ns, listener in listeners.items()}

            def heard(ns):
                """The next message `ns` hears (None after 10 s without one)."""
                return json.loads(watchers[ns].wait_for("{", timeout=10) or "null")

            try:
                for ns in listeners:
                    self.assertEqual(heard(ns), {"listening": True})
                for sig in (signal.SIGTERM, signal.SIGINT):
                    server = net.server(["--bind", CAMERA, "--onvif"], control_port=8086)
                    hello = heard("client")
                    self.assertEqual((hello["action"], hello["xaddrs"]), ("Hello", [device_service(8086)]))
                    code, seconds = server.stop(sig)
                    self.assertEqual(code, 0)
                    self.assertLessEqual(seconds, 0.5, "the stop, Bye included")
                    bye = heard("client")
                    self.assertEqual((bye["action"], bye["address"]), ("Bye", hello["address"]))
                # The other network heard none of that: the first it hears is a
                # server bound everywhere, with its address there.
                server = net.server(["--bind", "0.0.0.0", "--onvif"], control_port=8087)
                hello = heard("other")
                self.assertEqual((hello["action"], hello["xaddrs"]), ("Hello", [device_service(8087, CAMERA_OTHER)]))
                self.assertEqual(server.stop()[0], 0)
                self.assertEqual(heard("other")["action"], "Bye")
            finally:
                for listener in listeners.values():
                    listener.kill()
                    listener.wait()
                    listener.stderr.close()

    def test_junk_and_floods_do_not_stop_it(self):
        with OnvifNet() as net:
            server = net.server(["--bind", CAMERA, "--onvif", "--verbose"], control_port=8087)
            for junk in (["--size", 100], ["--size", 65507], ["--doctype"]):
                p = net.run("client", [PYTHON, PROBE, "junk"] + junk)
                self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
            # A flood from one address: it answers a burst and then a few a second.
            started = time.monotonic()
            p = ws_probe(net, "client", "--count", 400, timeout=1)
            elapsed = time.monotonic() - started
            flood = len(answers(p))
            self.assertGreaterEqual(flood, 1)
            self.assertLessEqual(flood, 16 + 4 * elapsed + 1, "answers to 400 probes in %.1f s" % elapsed)
            # Another address of the same network is answered at once.
            net.run("client", ["ip", "addr", "add", "10.78.1.3/24", "dev", "cli0"])
            p = ws_probe(net, "client", "--source", "10.78.1.3", "--expect", 1, timeout=5)
            self.assertEqual([a["xaddrs"] for a in answers(p)], [[device_service(8087)]])
            self.assertRegex(server.stderr(),
                             r"ONVIF discovery: datagrams dropped so far: \d+ oversized, [1-9]\d* malformed")
            self.assertIsNone(server.proc.poll())
            self.assertEqual(server.stop()[0], 0)


if __name__ == "__main__":
    unittest.main()
