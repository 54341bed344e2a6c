"""ipcam-rtsp-server as an ONVIF camera for two clients nobody here wrote,
the npm `onvif` (0.8.3) and `node-onvif` (0.1.7) packages, from another
network namespace over a veth pair: device information, profiles, a stream
URI that ffmpeg decodes without a complaint, a snapshot URI whose JPEG
decodes; with credentials the right ones work and wrong ones fail with the
client's own error."""

import base64
import json
import os
import subprocess
import tempfile
import unittest
import urllib.parse

from onvif_netns import CAMERA, OnvifNet
from onvif_npm import node_env

HERE = os.path.dirname(os.path.abspath(__file__))
USER, PASSWORD = "viewer", "s3cret-onvif"
PORT = 8080
XADDR = "http://%s:%d/onvif/device_service" % (CAMERA, PORT)
INFORMATION = {"manufacturer": "ipcam", "model": "WiFi action camera", "firmwareVersion": "v1.0 rc5"}
PROFILE = {"encoding": "H264", "width": 640, "height": 360}


class ClientsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = node_env()

    def onvif(self, net, *credentials):
        """The npm `onvif` client's reading of the camera: (exit code, its JSON)."""
        p = net.run("client", ["node", os.path.join(HERE, "onvif_client.js"), "camera", CAMERA, PORT]
                    + list(credentials), env=self.env)
        return p.returncode, json.loads(p.stdout or b"{}")

    def node_onvif(self, net, *credentials):
        p = net.run("client", ["node", os.path.join(HERE, "node_onvif_client.js"), "camera", XADDR]
                    + list(credentials), env=self.env)
        return p.returncode, json.loads(p.stdout or b"{}")

    def decoded_frames(self, net, source, credentials=(), frames=30):
        """Frames ffmpeg decodes from `source` (in the client namespace),
        with nothing at all printed at -v warning."""
        if credentials:
            parts = urllib.parse.urlsplit(source)
            source = parts._replace(netloc="%s:%s@%s" % (credentials[0], credentials[1], parts.netloc)).geturl()
        src = ["-rtsp_transport", "tcp", "-i", source] if source.startswith("rtsp:") else ["-i", source]
        p = net.run("client", ["ffmpeg", "-nostdin", "-hide_banner", "-v", "warning"] + src
                    + ["-frames:v", frames, "-f", "framecrc", "-"], timeout=60)
        self.assertEqual((p.returncode, p.stderr.decode(errors="replace")), (0, ""), source)
        return len([l for l in p.stdout.decode().splitlines() if l and not l.startswith("#")])

    def fetch_jpeg(self, net, url, credentials=()):
        with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
            auth = ["--digest", "-u", "%s:%s" % credentials] if credentials else []
            p = net.run("client", ["curl", "-sS", "--fail", "--max-time", "20", "-o", f.name] + auth + [url])
            self.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
            return self.check_jpeg(net, f.read())

    def check_jpeg(self, net, data):
        self.assertEqual(data[:2], b"\xff\xd8")
        with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
            f.write(data)
            f.flush()
            self.assertEqual(self.decoded_frames(net, f.name, frames=1), 1)

    def check_reading(self, net, code, reading):
        self.assertEqual(code, 0, reading)
        self.assertEqual({k: reading["information"][k] for k in INFORMATION}, INFORMATION)
        self.assertEqual([{k: p[k] for k in PROFILE} for p in reading["profiles"]], [PROFILE])
        self.assertTrue(reading["stream_uri"].startswith("rtsp://%s:" % CAMERA), reading["stream_uri"])
        self.assertTrue(reading["snapshot_uri"].startswith("http://%s:%d/" % (CAMERA, PORT)), reading["snapshot_uri"])

    def check_node_onvif(self, net, code, reading, stream_uri, snapshot_uri):
        self.assertEqual(code, 0, reading)
        self.assertEqual((reading["information"]["Manufacturer"], reading["information"]["FirmwareVersion"]),
                         ("ipcam", "v1.0 rc5"))
        self.assertEqual({k: reading["profile"][k] for k in PROFILE}, PROFILE)
        self.assertEqual((reading["stream_uri"], reading["snapshot_uri"]), (stream_uri, snapshot_uri))
        self.assertEqual(reading["snapshot_type"], "image/jpeg")
        self.check_jpeg(net, base64.b64decode(reading["snapshot_base64"]))

    def test_without_credentials(self):
        with OnvifNet() as net:
            net.server(["--bind", CAMERA, "--onvif"], control_port=PORT)
            code, reading = self.onvif(net)
            self.check_reading(net, code, reading)
            self.assertEqual(self.decoded_frames(net, reading["stream_uri"]), 30)
            self.fetch_jpeg(net, reading["snapshot_uri"])
            code, other = self.node_onvif(net)
            self.check_node_onvif(net, code, other, reading["stream_uri"], reading["snapshot_uri"])

    def test_with_credentials(self):
        with OnvifNet() as net:
            server = net.server(["--bind", CAMERA, "--onvif", "--rtsp-user", USER, "--rtsp-password", PASSWORD],
                                control_port=PORT)
            code, reading = self.onvif(net, USER, PASSWORD)
            self.check_reading(net, code, reading)
            self.assertEqual(self.decoded_frames(net, reading["stream_uri"], (USER, PASSWORD)), 30)
            self.fetch_jpeg(net, reading["snapshot_uri"], (USER, PASSWORD))
            code, other = self.node_onvif(net, USER, PASSWORD)
            self.check_node_onvif(net, code, other, reading["stream_uri"], reading["snapshot_uri"])
            # Wrong or none: each client's own error, nothing read.
            stage = {"stage": "getDeviceInformation"}
            self.assertEqual(self.onvif(net, USER, "wrong"),
                             (1, dict(stage, error="ONVIF SOAP Fault: wrong user name or password")))
            self.assertEqual(self.onvif(net), (1, dict(stage, error="Digest authentication failed 401")))
            code, wrong = self.node_onvif(net, USER, "wrong")
            self.assertEqual((code, list(wrong)), (1, ["error"]))
            self.assertIn("wrong user name or password", wrong["error"])
            code, none = self.node_onvif(net)
            self.assertEqual((code, list(none)), (1, ["error"]))
            self.assertIn("401 Unauthorized", none["error"])
            self.assertNotIn(PASSWORD, server.stderr())


if __name__ == "__main__":
    unittest.main()
