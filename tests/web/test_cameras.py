"""The page with two cameras in one server: it lists them (from
/api/cameras), plays the default one, and shows the other's own picture
size, state and files once it is picked, or opened as #NAME."""

import unittest

from ipcamtest.ports import free_udp_port
from ipcamtest.server import Server
from ipcamtest.sim import IpcamSim
from ipcamtest.web_rig import Browser, wait_page_playing

CAMERAS = {"a": ("127.0.0.2", 640, 360), "b": ("127.0.0.3", 320, 240)}
SIZE_JS = "const v = document.getElementById('video'); return [v.videoWidth, v.videoHeight];"


class TwoCameras(unittest.TestCase):
    def setUp(self):
        port = free_udp_port()
        args = ["--port", "0", "--control-http-port", "0", "--linger", "1", "--preview-port", str(port)]
        for name, (address, w, h) in CAMERAS.items():
            sim = IpcamSim("--bind", address, "--size", "%dx%d" % (w, h), "--preview-port", port,
                           "--serial", "CAM-" + name)
            sim.start()
            self.addCleanup(sim.stop)
            args += ["--camera", "%s=%s" % (name, address), "--control-port", "%s=%d" % (name, sim.control_port),
                     "--http-port", "%s=%d" % (name, sim.http_port)]
        self.server = Server(args)
        self.addCleanup(self.server.close)
        self.assertIsNotNone(self.server.wait_ready(30), self.server.stderr())

    def test_pick_a_camera(self):
        web = self.server.ready["web"]
        with Browser() as b:
            b.open(web)
            self.assertEqual(wait_page_playing(b), 640)
            self.assertFalse(b.js("return document.getElementById('camera-pick').hidden"))
            self.assertEqual(b.js("return [...document.querySelectorAll('#camera option')].map((o) => o.value)"),
                             ["a", "b"])
            self.assertEqual(b.js("return document.getElementById('camera').value"), "a")
            # Pick b: its own picture and state, its name in the page's address.
            b.js("const s = document.getElementById('camera'); s.value = 'b';"
                 "s.dispatchEvent(new Event('change'));")
            b.wait_js("const v = document.getElementById('video');"
                      "return v.videoWidth === 320 && v.videoHeight === 240", 30, "camera b's picture")
            b.wait_js("return document.getElementById('s-connected').textContent === 'yes'", 10, "b's state")
            self.assertEqual(b.js("return location.hash"), "#b")
            # Opened as #b: camera b from the start.
            b.open(web + "#b")
            b.driver.refresh()
            self.assertEqual(wait_page_playing(b), 320)
            self.assertEqual(b.js(SIZE_JS), [320, 240])
            self.assertEqual(b.js("return document.getElementById('camera').value"), "b")


if __name__ == "__main__":
    unittest.main()
