"""The npm ONVIF clients the tests drive (npm/package-lock.json pins them),
installed with `npm ci` into the build directory once for every test that
needs them (a file lock makes parallel tests wait for the first), never
into the source tree.

    env = node_env()   # the environment with NODE_PATH at the installed packages
"""

import fcntl
import hashlib
import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
LOCK_FILE = os.path.join(HERE, "npm", "package-lock.json")


def install_dir():
    return os.environ.get("IPCAM_ONVIF_NPM_DIR") or os.path.join(os.getcwd(), "onvif-npm")


def node_env():
    dest = install_dir()
    os.makedirs(dest, exist_ok=True)
    with open(LOCK_FILE, "rb") as f:
        pinned = hashlib.sha256(f.read()).hexdigest()
    stamp = os.path.join(dest, "node_modules", ".ipcam-pinned")
    with open(os.path.join(dest, ".install-lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (os.path.exists(stamp) and open(stamp).read() == pinned):
            for name in ("package.json", "package-lock.json"):
                shutil.copyfile(os.path.join(HERE, "npm", name), os.path.join(dest, name))
            if not shutil.which("npm") or not shutil.which("node"):
                raise RuntimeError("node and npm are needed for the ONVIF client tests: apt-get install nodejs npm "
                                   "(scripts/packages.txt lists them)")
            p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel", "error"],
                               cwd=dest, capture_output=True, stdin=subprocess.DEVNULL, timeout=300,
                               env=dict(os.environ, npm_config_update_notifier="false"))
            if p.returncode != 0:
                raise RuntimeError("npm ci could not install the pinned ONVIF clients into %s (can npm reach its "
                                   "registry? `npm ping` tells):\n%s" % (dest, p.stderr.decode(errors="replace")))
            with open(stamp, "w") as f:
                f.write(pinned)
    return dict(os.environ, NODE_PATH=os.path.join(dest, "node_modules"))
