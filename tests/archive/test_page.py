"""The control page's archive box in a real browser (headless Chromium):
the archive's state, its segments newest first, each a download of the
file on disk."""

import unittest

from archive_rig import ArchiveRig
from ipcamtest.web_rig import Browser, fetch_bytes

ROWS_JS = """return [...document.querySelectorAll('#archive tr')].map((r) =>
  [r.dataset.path, r.querySelector('a').href, r.cells[1].textContent]);"""


class ArchivePage(unittest.TestCase):
    def test_state_and_segments(self):
        with ArchiveRig(["--archive-segment", "1s"]) as rig, Browser() as b:
            rig.wait_closed(2, 20)
            b.open(rig.server.ready["web"])
            b.wait_js("return !document.getElementById('archive-box').hidden && "
                      "document.querySelectorAll('#archive tr').length >= 3", 20, "the archive's segments")
            self.assertEqual(b.js("return document.getElementById('archive-state').textContent"), "writing")
            self.assertIn(rig.dir, b.js("return document.getElementById('archive-note').textContent"))
            rows = b.js(ROWS_JS)
            listed = [s["path"] for s in rig.archive()["segments"]]
            # Newest first; the one being written says so.
            self.assertEqual([r[0] for r in rows], [p for p in reversed(listed) if p in [r[0] for r in rows]])
            self.assertEqual(rows[0][2], "writing")
            closed = rows[1]
            with open(rig.path({"path": closed[0]}), "rb") as f:
                self.assertEqual(fetch_bytes(b, closed[1]), f.read())


if __name__ == "__main__":
    unittest.main()
