"""scripts/cross-arm64 keeps its debootstrapped build root out of the
checkout, where dpkg-buildpackage would find the root's own config.guess:
a root inside it, or one an older run left at build-arm64/root, is refused
before anything is installed or built.

Run by meson (suite 'readme') with IPCAM_SOURCE_ROOT."""

import os
import subprocess
import tempfile
import unittest

ROOT = os.environ.get("IPCAM_SOURCE_ROOT", "")
SCRIPT = os.path.join(ROOT, "scripts", "cross-arm64")


def run(**env):
    return subprocess.run(["bash", SCRIPT], env=dict(os.environ, **env), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


class BuildRootPlaceTest(unittest.TestCase):
    def test_the_default_root_is_outside_the_checkout(self):
        with open(SCRIPT) as f:
            text = f.read()
        self.assertIn('IPCAM_ARM64_ROOT:-/var/tmp/', text)

    def test_a_root_inside_the_checkout_is_refused(self):
        r = run(IPCAM_ARM64_ROOT=os.path.join(ROOT, "build-arm64", "root"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("inside the checkout", r.stdout)
        self.assertIn("0 passed, 1 failed, 0 skipped", r.stdout)
        self.assertNotIn("== native dependencies", r.stderr)  # refused before any step

    def test_a_root_an_older_run_left_in_the_checkout_is_refused(self):
        with tempfile.TemporaryDirectory(prefix="ipcam-arm64-build-") as top:
            os.mkdir(os.path.join(top, "root"))
            r = run(IPCAM_ARM64_BUILD=top, IPCAM_ARM64_ROOT=os.path.join(top, "elsewhere"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("breaks the packaging", r.stdout)
        self.assertNotIn("== native dependencies", r.stderr)


if __name__ == "__main__":
    unittest.main()
