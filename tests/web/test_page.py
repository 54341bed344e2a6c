"""The control page in a real browser (Chromium): it plays, takes a
picture, records, lists and downloads files, and looks like a picture."""

import json
import os
import unittest
import urllib.request

from ipcamtest.rtsp_rig import Rig
from ipcamtest.web_rig import PAGE_FRAMES_JS, Browser, fetch_bytes, video_luma, wait_page_playing


class DiscoverableRig(Rig):
    """The server also told the emulator's discovery port (where a camera
    given by its address is asked for its serial, as `ipcam info` asks)."""

    def camera_args(self):
        return super().camera_args() + ["--discovery-port", self.sim.discovery_ports[0]]


def sim_camera(rig):
    """The emulator's own view of the camera (its stats' "camera" part)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open("http://127.0.0.1:%d/ipcam-sim/stats" % rig.sim.http_port, timeout=5) as r:
        return json.loads(r.read())["camera"]


ROWS_JS = "return [...document.querySelectorAll('#files tr')].map((r) => [r.dataset.path, r.dataset.kind," \
          " r.querySelector('.date').textContent]);"


class PageTest(unittest.TestCase):
    def test_page_plays_and_controls_the_camera(self):
        with Rig() as rig, Browser() as b:
            ready = rig.server.ready
            self.assertEqual(ready["web"], rig.control)
            self.assertEqual(ready["whep"], rig.control + "whep/cam")
            b.open(ready["web"])
            self.assertEqual(wait_page_playing(b), 640)
            first = b.js(PAGE_FRAMES_JS)
            b.wait_js(PAGE_FRAMES_JS[:-1] + " >= %d;" % (first + 30), 10, "more frames")
            self.assertEqual(b.js("return document.getElementById('video').videoHeight"), 360)
            b.wait_js("return document.getElementById('s-connected').textContent === 'yes'", 10, "camera state")
            b.wait_js("return parseFloat(document.getElementById('s-fps').textContent) > 20", 10, "frames per second")
            self.assertEqual(b.js("return document.getElementById('s-firmware').textContent"), "v1.0 rc5")

            # The picture: a JPEG shown on the page, with a link to save it.
            b.driver.find_element("id", "snapshot").click()
            b.wait_js("return document.getElementById('still').naturalWidth > 0", 20, "the picture shown")
            jpeg = fetch_bytes(b, b.js("return document.getElementById('still').src"))
            self.assertEqual(jpeg[:3], b"\xff\xd8\xff")
            self.assertTrue(b.js("return document.getElementById('still-save').download").endswith(".JPG"))
            self.assertEqual(rig.sim.live_counter("stills_saved"), 1)

            # Recording: the button toggles, the time runs, the clip appears.
            links = "return [...document.querySelectorAll('#files a')].map((a) => a.href)"
            before = set(b.js(links))
            b.driver.find_element("id", "record").click()
            b.wait_js("return document.getElementById('record').textContent === 'Stop recording'", 10, "recording")
            b.wait_js("return document.getElementById('record-state').textContent === 'recording 00:02'", 10,
                      "the elapsed time")
            self.assertTrue(rig.status()["recording"])
            b.driver.find_element("id", "record").click()
            b.wait_js("return document.getElementById('record').textContent === 'Start recording'", 10, "stopped")
            b.wait_js("return document.getElementById('files').rows.length > %d" % len(before), 10, "the clip listed")
            clips = sorted(set(b.js(links)) - before)
            self.assertEqual(len(clips), 1, clips)
            self.assertTrue(clips[0].endswith(".MP4"), clips)

            # A download gives the file's exact bytes.
            got = fetch_bytes(b, clips[-1])
            name = clips[-1].rsplit("/", 1)[-1]
            matches = [os.path.join(d, name) for d, _, files in os.walk(rig.sim.store) if name in files]
            self.assertEqual(len(matches), 1, name)
            with open(matches[0], "rb") as f:
                self.assertEqual(got, f.read())
            self.assertGreater(len(got), 1000)

            # A screenshot of the playing page: the video area is a picture
            # (the emulator's black field with its white ball), not blank.
            dark, bright, _ = video_luma(b)
            self.assertLess(dark, 40)
            self.assertGreater(bright, 200)
            self.assertEqual(b.console().count("SEVERE"), 0, b.console())

    def test_phone_sized_page(self):
        with Rig() as rig, Browser() as b:
            b.driver.set_window_size(400, 800)
            b.open(rig.server.ready["web"])
            self.assertEqual(wait_page_playing(b), 640)
            # Nothing wider than the screen: no sideways scrolling.
            self.assertLessEqual(b.js("return document.documentElement.scrollWidth"),
                                 b.js("return window.innerWidth"))
            width = b.js("return document.getElementById('video').getBoundingClientRect().width")
            self.assertGreater(width, 300)
            self.assertGreaterEqual(b.js("return document.getElementById('snapshot').getBoundingClientRect().height"),
                                    44)

    def test_settings_and_card(self):
        """A setting changed from the page reaches the camera; the card's fill is the emulator's."""
        with Rig(sim_args=["--card-size", 2_000_000]) as rig, Browser() as b:
            b.open(rig.server.ready["web"])
            wait_page_playing(b)
            b.wait_js("return !!document.getElementById('set-exposure')", 20, "the settings panel")
            self.assertEqual(b.js("return document.getElementById('now-exposure').textContent"), "3")
            self.assertEqual(b.js("return document.querySelector('[data-setting=model]').cells[2].textContent"),
                             "read only")
            self.assertEqual(b.js("return document.getElementById('now-mirror').textContent"), "set only")
            self.assertTrue(b.js("return document.getElementById('s-recording').textContent").startswith("no"))
            b.js("document.getElementById('set-exposure').value = '2';")
            b.driver.find_element("id", "apply-exposure").click()
            b.wait_js("return document.getElementById('outcome-exposure').textContent === 'taken'", 20, "taken: " + repr(b.js("return document.getElementById('outcome-exposure').textContent")))
            b.wait_js("return document.getElementById('now-exposure').textContent === '2'", 10, "the value read back")
            self.assertTrue(rig.status()["camera"]["connected"])  # through the stream's ipcamsrc
            b.js("document.getElementById('set-exposure').value = '9';")  # past the emulator's menu
            b.driver.find_element("id", "apply-exposure").click()
            b.wait_js("return document.getElementById('outcome-exposure').textContent.startsWith('refused')", 20,
                      "refused")

            cam = sim_camera(rig)
            used = 100 * (cam["card_size"] - cam["card_remaining"]) / cam["card_size"]
            b.wait_js("return document.getElementById('card-bar').dataset.percent !== undefined", 20, "the card bar")
            self.assertEqual(int(b.js("return document.getElementById('card-bar').dataset.percent")), round(used))
            self.assertGreater(used, 5)
            fill = b.js("return document.getElementById('card-fill').getBoundingClientRect().width /"
                        " document.getElementById('card-bar').getBoundingClientRect().width")
            self.assertAlmostEqual(fill * 100, round(used), delta=1)
            self.assertEqual(b.console().count("SEVERE"), 0, b.console())

    def test_files_serial_and_fullscreen(self):
        with DiscoverableRig(sim_args=["--serial", "SN-PAGE-42"]) as rig, Browser() as b:
            b.open(rig.server.ready["web"])
            wait_page_playing(b)
            b.wait_js("return document.getElementById('s-serial').textContent === 'SN-PAGE-42'", 10, "the serial")
            b.wait_js("return document.querySelectorAll('#files tr').length > 10", 20, "the file list")
            # The list scrolls in its box: the page stays short.
            box = b.js("const e = document.querySelector('.file-box'); return [e.clientHeight, e.scrollHeight];")
            self.assertLess(box[0], 450)
            self.assertGreater(box[1], box[0])
            print("page height %d, file box %d of %d" % (b.js("return document.documentElement.scrollHeight"),
                                                         box[0], box[1]))
            self.assertLess(b.js("return document.documentElement.scrollHeight"), 1500)

            # A new picture is listed first, as a photo with its thumbnail and date.
            b.driver.find_element("id", "snapshot").click()
            b.wait_js("return document.getElementById('still').naturalWidth > 0", 20, "the picture shown")
            path = b.js("return document.getElementById('still-save').download")
            rows = b.js(ROWS_JS)
            self.assertTrue(rows[0][0].endswith("/" + path), rows[:2])
            self.assertEqual(rows[0][1], "photo")
            self.assertNotEqual(rows[0][2], "–")
            b.wait_js("const i = document.querySelector('#files tr img.thumb'); return i && i.naturalWidth > 0", 20,
                      "the first thumbnail")
            self.assertEqual(b.js("return document.querySelector('#files tr img.thumb').getBoundingClientRect().width"),
                             64)
            # A clip: first, as a video.
            b.driver.find_element("id", "record").click()
            b.wait_js("return document.getElementById('record').textContent === 'Stop recording'", 10, "recording")
            b.wait_js("return document.getElementById('s-recording').textContent.startsWith('yes')", 10,
                      "the camera's recording state")
            b.driver.find_element("id", "record").click()
            b.wait_js("return document.querySelector('#files tr').dataset.kind === 'video'", 20, "the clip first")
            rows = b.js(ROWS_JS)
            self.assertTrue(rows[0][0].endswith(".MP4"), rows[0])
            self.assertEqual({k for _, k, _ in rows}, {"photo", "video"})

            # Delete: asked twice, then gone from the camera's list.
            count = len(rows)
            first = b.driver.find_element("css selector", "#files tr button.delete")
            first.click()
            self.assertEqual(first.text, "Delete it?")
            first.click()
            b.wait_js("return document.querySelectorAll('#files tr').length === %d" % (count - 1), 20, "the row gone")
            self.assertEqual(rig.sim.live_counter("deletes"), 1)
            self.assertNotIn(rows[0][0], [r[0] for r in b.js(ROWS_JS)])

            b.driver.find_element("id", "fullscreen").click()
            b.wait_js("return document.fullscreenElement === document.getElementById('video')", 10, "full screen")
            self.assertEqual(b.console().count("SEVERE"), 0, b.console())


if __name__ == "__main__":
    unittest.main()
