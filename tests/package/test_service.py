"""debian/ipcam-rtsp-server.service without systemd: its ExecStart line is
run as nobody:nogroup under setpriv, with the shipped example configuration
(debian/ipcam-rtsp-server.conf) pointed at ipcam-sim on loopback, the build's
binary instead of /usr/bin, and a temporary folder standing in for /etc/ipcam
and for the credentials folder systemd would make (LoadCredential=). The
server must print its ready line, and ffprobe must read H.264 from it.

Run by meson (suite 'package') with IPCAM_RTSP_SERVER, IPCAM_PLUGIN_DIR,
IPCAM_DEBIAN_DIR, IPCAM_SIM, IPCAM_SAMPLE_H264, PYTHONPATH. Needs root
(setpriv changes user).
"""

import json
import os
import pwd
import grp
import shlex
import signal
import shutil
import subprocess
import tempfile
import unittest
import urllib.request

import gi

from ipcamtest.ports import free_udp_port
from ipcamtest.server import SERVER, Server
from ipcamtest.sim import IpcamSim
from ipcamtest.waiting import wait_for

gi.require_version("GLib", "2.0")
from gi.repository import GLib  # noqa: E402

DEBIAN = os.environ.get("IPCAM_DEBIAN_DIR", "")
UNIT = os.path.join(DEBIAN, "ipcam-rtsp-server.service")
CONF = os.path.join(DEBIAN, "ipcam-rtsp-server.conf")
SAMPLE = os.environ.get("IPCAM_SAMPLE_H264", "")
CAMERA_PASSWORD = "from-the-credential-7f3a"  # not the emulator's default: the file must be read


def unit_service_entries(path):
    """[Service] of a unit file as (key, value) pairs, in order (keys repeat)."""
    entries, section = [], None
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            if section == "Service" and "=" in line:
                key, value = line.split("=", 1)
                entries.append((key.strip(), value.strip()))
    return entries


def rtsp_urls(value):
    """Every rtsp:// string in a decoded JSON value."""
    if isinstance(value, str):
        return [value] if value.startswith("rtsp://") else []
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [u for item in items for u in rtsp_urls(item)]


class ServiceUnitTest(unittest.TestCase):
    def setUp(self):
        self.assertEqual(os.geteuid(), 0, "setpriv needs root")
        self.assertTrue(shutil.which("setpriv"), "setpriv (util-linux) is missing")
        self.assertTrue(shutil.which("ffprobe"), "ffprobe (ffmpeg) is missing")
        self.entries = unit_service_entries(UNIT)
        self.service = dict(self.entries)
        self.tmp = tempfile.mkdtemp(prefix="ipcam-service-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.uid = pwd.getpwnam("nobody").pw_uid
        self.gid = grp.getgrnam("nogroup").gr_gid
        os.chown(self.tmp, self.uid, self.gid)
        os.chmod(self.tmp, 0o700)
        self.sim = None
        self.server = None
        self.addCleanup(self.stop_all)

    def stop_all(self):
        if self.server:
            self.server.stop(signal.SIGKILL)
            self.server.close()
        if self.sim:
            self.sim.stop()

    def test_unit_hardening(self):
        """What the unit promises: a dynamic user with no capabilities, the
        camera password as a credential, the filesystem read-only."""
        s = self.service
        self.assertEqual(s.get("DynamicUser"), "yes")
        self.assertEqual(s.get("NoNewPrivileges"), "yes")
        self.assertEqual(s.get("ProtectSystem"), "strict")
        self.assertEqual(s.get("CapabilityBoundingSet"), "")
        self.assertEqual(s.get("RestrictAddressFamilies", "").split(),
                         ["AF_INET", "AF_INET6", "AF_UNIX", "AF_NETLINK"])
        self.assertEqual(s.get("LoadCredential"), "camera-password:/etc/ipcam/camera-password")
        # The one folder it may write: the archive's (docs/archive.md).
        self.assertEqual(s.get("StateDirectory"), "ipcam-rtsp-server")

    def test_example_config_names_the_credential(self):
        """password-file= of the shipped config is the literal path where
        systemd puts LoadCredential='s file (no %d inside a config file)."""
        name = self.service["LoadCredential"].split(":", 1)[0]
        kf = GLib.KeyFile()
        kf.load_from_file(CONF, GLib.KeyFileFlags.NONE)
        cameras = [g for g in kf.get_groups()[0] if g.startswith("camera ")]
        self.assertEqual(len(cameras), 1, "one [camera NAME] group in the example")
        self.assertEqual(kf.get_string(cameras[0], "password-file"),
                         "/run/credentials/ipcam-rtsp-server.service/" + name)

    def write_config(self, sim, preview_port, credentials):
        """The shipped example with the emulator's address and ports, free
        server ports, and the password file in `credentials`."""
        kf = GLib.KeyFile()
        kf.load_from_file(CONF, GLib.KeyFileFlags.KEEP_COMMENTS)
        kf.set_string("server", "bind", "127.0.0.1")
        kf.set_integer("server", "port", 0)
        kf.set_integer("server", "control-http-port", 0)
        camera = [g for g in kf.get_groups()[0] if g.startswith("camera ")][0]
        kf.set_string(camera, "address", "127.0.0.1")
        kf.set_integer(camera, "control-port", sim.control_port)
        kf.set_integer(camera, "http-port", sim.http_port)
        kf.set_integer(camera, "preview-port", preview_port)
        # The archive where StateDirectory= puts it: a folder of the service's user.
        self.assertEqual(kf.get_string(camera, "archive"), "/var/lib/" + self.service["StateDirectory"])
        self.state = os.path.join(self.tmp, "state")
        os.mkdir(self.state, 0o700)
        os.chown(self.state, self.uid, self.gid)
        kf.set_string(camera, "archive", self.state)
        name = os.path.basename(kf.get_string(camera, "password-file"))
        kf.set_string(camera, "password-file", os.path.join(credentials, name))
        path = os.path.join(self.tmp, "ipcam-rtsp-server.conf")
        kf.save_to_file(path)
        return path, os.path.join(credentials, name)

    def exec_start(self, config):
        """The unit's ExecStart with the build's binary and the test's config."""
        argv = shlex.split(self.service["ExecStart"])
        self.assertEqual(argv[0], "/usr/bin/ipcam-rtsp-server")
        self.assertIn("/etc/ipcam/ipcam-rtsp-server.conf", argv)
        return [config if a == "/etc/ipcam/ipcam-rtsp-server.conf" else a for a in argv[1:]]

    def build_for_the_service_user(self):
        """The build's server, libipcam and plugin, copied into the test's
        folder (the service user's): a checkout under /root (mode 700) is
        out of that user's reach. LD_LIBRARY_PATH comes before the binary's
        RUNPATH. Returns (program, library folder, plugin folder)."""
        root = os.path.join(self.tmp, "build")
        folders = [os.path.join(root, d) for d in ("bin", "lib", "plugins")]
        for d in folders:
            os.makedirs(d)
        shutil.copy(SERVER, folders[0])
        lib = os.path.join(os.path.dirname(SERVER), "..", "..", "lib")
        for name in os.listdir(lib):
            if name.startswith("libipcam.so") and os.path.isfile(os.path.join(lib, name)):
                shutil.copy(os.path.join(lib, name), folders[1])  # the link's target, as a file
        plugin_dir = os.environ["IPCAM_PLUGIN_DIR"]
        for name in os.listdir(plugin_dir):
            if name.endswith(".so"):
                shutil.copy(os.path.join(plugin_dir, name), folders[2])
        for path in [root] + folders + [os.path.join(d, f) for d in folders for f in os.listdir(d)]:
            os.chown(path, self.uid, self.gid)
        return os.path.join(folders[0], os.path.basename(SERVER)), folders[1], folders[2]

    def test_exec_start_as_nobody_serves_h264(self):
        preview_port = free_udp_port()
        self.sim = IpcamSim("--h264", SAMPLE, "--preview-port", preview_port, "--password", CAMERA_PASSWORD)
        self.sim.start()

        # What LoadCredential= makes: a folder with the file, readable by the
        # service's user only.
        credentials = os.path.join(self.tmp, "credentials")
        os.mkdir(credentials, 0o500)
        config, password_file = self.write_config(self.sim, preview_port, credentials)
        with open(password_file, "w") as f:
            f.write(CAMERA_PASSWORD + "\n")
        os.chmod(password_file, 0o400)
        for p in (credentials, password_file, config):
            os.chown(p, self.uid, self.gid)

        program, libraries, plugins = self.build_for_the_service_user()
        env = {"PATH": "/usr/bin:/bin", "HOME": "/", "LANG": "C.UTF-8",
               "CREDENTIALS_DIRECTORY": credentials,
               "LD_LIBRARY_PATH": libraries,
               "GST_PLUGIN_PATH_1_0": plugins,
               "GST_REGISTRY_1_0": os.path.join(self.tmp, "registry.bin")}
        self.server = Server(self.exec_start(config), program=program, env=env,
                             wrapper=["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
        self.server.wait_ready(30)
        line = self.server.ready_line
        stderr = self.server.stderr()
        self.assertIsNotNone(line, "no ready line; stderr:\n" + stderr)
        self.assertNotIn(CAMERA_PASSWORD, stderr + line)
        with open("/proc/%d/status" % self.server.pid) as f:
            uid_line = [x for x in f if x.startswith("Uid:")][0]
        self.assertEqual(uid_line.split()[1:], [str(self.uid)] * 4)

        urls = rtsp_urls(json.loads(line))
        self.assertTrue(urls, "no rtsp:// URL in the ready line: " + line)
        probe = subprocess.run(["ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-select_streams", "v:0",
                                "-show_entries", "stream=codec_name,width,height", "-of", "json", urls[0]],
                               capture_output=True, timeout=30)
        self.assertEqual(probe.returncode, 0, probe.stderr.decode(errors="replace"))
        self.assertEqual(probe.stderr.decode(errors="replace"), "")
        stream = json.loads(probe.stdout)["streams"][0]
        self.assertEqual((stream["codec_name"], stream["width"], stream["height"]), ("h264", 640, 360))
        self.assertGreaterEqual(self.sim.live_counter("logins_accepted"), 1)
        # The service's user archives the camera into its state folder.
        wait_for(lambda: any(f.endswith(".mp4") for _, _, fs in os.walk(self.state) for f in fs), 20,
                 "a segment in the state folder")
        self.assertEqual(json.loads(urllib.request.urlopen(json.loads(line)["control"] + "api/status",
                                                           timeout=10).read())["archive"]["state"], "writing")

        code, seconds = self.server.stop(signal.SIGTERM, timeout=10)
        self.assertEqual(code, 0)
        self.assertLess(seconds, 2)


if __name__ == "__main__":
    unittest.main()
