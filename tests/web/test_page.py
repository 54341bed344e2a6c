"""The control page in a real browser (Chromium): it plays, takes a
picture, records, lists and downloads files, and looks like a picture."""

import os
import unittest

from ipcamtest.rtsp_rig import Rig
from ipcamtest.web_rig import PAGE_FRAMES_JS, Browser, fetch_bytes, video_luma, wait_page_playing


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
            name = clips[-1].rsplit("%2F", 1)[-1]
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


if __name__ == "__main__":
    unittest.main()
