"""ipcam storage, rm and format against ipcam-sim: what a user sees, and
what the card (the emulator's store) holds afterwards."""

import os
import unittest

from harness import *  # noqa: F401,F403

CARD = 32 * 1000 ** 3  # the emulator's default --card-size


class Card(CliTestCase):
    def setUp(self):
        super().setUp()
        self.files = {"IMG_0001.JPG": os.urandom(5000), "VID_0002.MP4": os.urandom(300000)}
        self.sim = self.start_sim(store=self.make_store(self.files))

    def card_files(self):
        """The store's files as the camera shows them (its hidden settings file aside)."""
        return sorted(n for n in os.listdir(self.sim.store) if not n.startswith("."))

    def listed(self):
        return [f["path"] for f in self.json_of(self.run_ipcam("ls", "--json", *self.sim.options()))]

    def test_storage(self):
        info = self.json_of(self.run_ipcam("storage", "--json", *self.sim.options()))
        self.assertEqual(info["total"], CARD)
        self.assertEqual(info["remaining"], CARD - sum(len(d) for d in self.files.values()))
        r = self.run_ipcam("storage", *self.sim.options())
        self.assertExit(r, EXIT_OK)
        self.assertRegex(r.stdout, r"^32\.0\sGB free of 32\.0\sGB \(0% used\)\n$")

    def test_rm(self):
        r = self.run_ipcam("rm", CAMERA_DIR + "IMG_0001.JPG", *self.sim.options())
        self.assertExit(r, EXIT_OK, "deleted " + CAMERA_DIR + "IMG_0001.JPG")
        self.assertEqual(self.listed(), [CAMERA_DIR + "VID_0002.MP4"])
        self.assertEqual(self.card_files(), ["VID_0002.MP4"])
        r = self.run_ipcam("rm", CAMERA_DIR + "NOPE.JPG", *self.sim.options())
        self.assertExit(r, EXIT_IO, "no file " + CAMERA_DIR + "NOPE.JPG", "ipcam ls")
        self.assertExit(self.run_ipcam("rm", *self.sim.options()), EXIT_USAGE)
        self.assertExit(self.run_ipcam("rm", "/" + "x" * 300, *self.sim.options()), EXIT_USAGE, "255")

    def test_format_needs_yes(self):
        r = self.run_ipcam("format", *self.sim.options())
        total = sum(len(d) for d in self.files.values())
        self.assertExit(r, EXIT_USAGE, "2 files, %d bytes" % total, "format --yes")
        self.assertEqual(self.card_files(), sorted(self.files))
        r = self.run_ipcam("format", "--yes", *self.sim.options())
        self.assertExit(r, EXIT_OK, "card formatted")
        self.assertEqual(self.listed(), [])


if __name__ == "__main__":
    unittest.main()
