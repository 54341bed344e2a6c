"""What a scraper or a still-image client can send: with --rtsp-user set,
/metrics and the frame.jpeg paths also take a Basic login (even when the
server's scheme is Digest) or the --metrics-token as a bearer token, and
every other path keeps the server's scheme; neither secret reaches the
log. --allowed-host names pass the Host check, any other name does not."""

import base64
import os
import secrets
import tempfile
import unittest
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from ipcamtest.rtsp_rig import Rig

from test_metrics import CONTENT_TYPE, get

USER, PASSWORD = "viewer", "s3cret-pass"
SNAPSHOT_PATHS = ["/api/cameras/cam/frame.jpeg", "/api/frame.jpeg", "/frame.jpeg"]


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()}


def bearer(token):
    return {"Authorization": "Bearer " + token}


class ScrapeAuthTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="ipcam-metrics-")
        self.token = "tok-" + secrets.token_hex(16)
        self.token_file = os.path.join(self.tmp.name, "token")
        with open(self.token_file, "w") as f:
            f.write(self.token + "\n")
        os.chmod(self.token_file, 0o600)  # the server refuses a secret others may read

    def tearDown(self):
        self.tmp.cleanup()

    def server_args(self, scheme):
        return ["--rtsp-user", USER, "--rtsp-password", PASSWORD, "--rtsp-auth", scheme,
                "--metrics-token", self.token_file, "--verbose"]

    def assert_no_secret_logged(self, rig):
        log = rig.server.stderr()
        self.assertTrue(log, "the server's log was not kept")
        for secret in [self.token, PASSWORD, basic(USER, PASSWORD)["Authorization"][6:]]:
            self.assertNotIn(secret, log)

    def test_digest_server(self):
        with Rig(server_args=self.server_args("digest")) as rig:
            base = rig.control
            code, h, _ = get(base, "/metrics")
            self.assertEqual(code, 401)
            self.assertTrue(h["www-authenticate"].startswith("Digest "), h["www-authenticate"])

            code, h, body = get(base, "/metrics", basic(USER, PASSWORD))
            self.assertEqual((code, h["content-type"]), (200, CONTENT_TYPE))
            self.assertIn("ipcam_camera_connected", [f.name for f in text_string_to_metric_families(body.decode())])
            self.assertEqual(get(base, "/metrics", bearer(self.token))[0], 200)
            self.assertEqual(get(base, "/metrics", {"Authorization": "bearer  " + self.token})[0], 200)

            for wrong in [basic(USER, "nope"), basic("admin", PASSWORD), basic(USER, PASSWORD + "x"),
                          basic(USER, ""), {"Authorization": "Basic !!!"}, {"Authorization": "Basic"}]:
                code, h, _ = get(base, "/metrics", wrong)
                self.assertEqual(code, 401, wrong)
                self.assertTrue(h["www-authenticate"].split()[0] in ("Basic", "Digest"), h["www-authenticate"])
            self.assertEqual(get(base, "/metrics", {"Authorization": "Bearer"})[0], 401)
            for wrong in [self.token + "x", self.token[:-1], PASSWORD, self.token + " " + self.token]:
                code, h, _ = get(base, "/metrics", bearer(wrong))
                self.assertEqual(code, 401, wrong)
                self.assertTrue(h["www-authenticate"].startswith("Bearer "), h["www-authenticate"])

            # Digest, the server's scheme, still works there.
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, base, USER, PASSWORD)
            digest = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
            code, h, body = rig.get("metrics", opener=digest)
            self.assertEqual((code, h["Content-Type"]), (200, CONTENT_TYPE))

            # Every other path keeps Digest alone.
            for path in ["/api/status", "/api/cameras/cam/status", "/api/cameras", "/", "/metrics/x",
                         "/api/cameras/cam/files"]:
                for auth in [basic(USER, PASSWORD), bearer(self.token), bearer(PASSWORD)]:
                    code, h, _ = get(base, path, dict(auth, Accept="application/json"))
                    self.assertEqual(code, 401, (path, auth))
                    self.assertTrue(h["www-authenticate"].startswith("Digest "), path)
            self.assertEqual(rig.get("api/status", opener=digest)[0], 200)

            # The snapshot's paths take them too: a JPEG with either.
            for path in SNAPSHOT_PATHS + [p + "?width=320" for p in SNAPSHOT_PATHS]:
                self.assertEqual(get(base, path)[0], 401, path)
                self.assertEqual(get(base, path, basic(USER, "nope"))[0], 401, path)
                self.assertEqual(get(base, path, bearer("nope"))[0], 401, path)
                for auth in [basic(USER, PASSWORD), bearer(self.token)]:
                    code, h, body = get(base, path, auth)
                    self.assertEqual((code, h["content-type"], body[:2]), (200, "image/jpeg", b"\xff\xd8"), path)
            self.assertEqual(get(base, "/api/cameras/cam/frame.jpeg/x", basic(USER, PASSWORD))[0], 401)
            self.assert_no_secret_logged(rig)
            self.assertEqual(rig.stop_server(), 0)
            self.assert_no_secret_logged(rig)

    def test_basic_server(self):
        """With --rtsp-auth basic the token works on /metrics, and only there."""
        with Rig(server_args=self.server_args("basic")) as rig:
            base = rig.control
            code, h, _ = get(base, "/metrics")
            self.assertEqual(code, 401)
            self.assertTrue(h["www-authenticate"].startswith("Basic "), h["www-authenticate"])
            self.assertEqual(get(base, "/metrics", bearer(self.token))[0], 200)
            self.assertEqual(get(base, "/metrics", basic(USER, PASSWORD))[0], 200)
            self.assertEqual(get(base, "/metrics", basic(USER, "nope"))[0], 401)
            self.assertEqual(get(base, "/api/status", basic(USER, PASSWORD))[0], 200)
            self.assertEqual(get(base, "/api/status", bearer(self.token))[0], 401)
            self.assert_no_secret_logged(rig)

    def test_allowed_host(self):
        """A name the server is reached by (a reverse proxy's, a scraper's)
        passes the Host check only once --allowed-host names it."""
        with Rig() as rig:
            port = rig.control.rstrip("/").rsplit(":", 1)[1]
            code, _, body = get(rig.control, "/metrics", {"Host": "nvr.example:" + port})
            self.assertEqual(code, 403, body)
            self.assertIn(b"Host is not this server", body)
        with Rig(server_args=["--allowed-host", "NVR.example", "--allowed-host", "ha.example"]) as rig:
            port = rig.control.rstrip("/").rsplit(":", 1)[1]
            for host in ["nvr.example:" + port, "nvr.example", "Ha.Example:" + port]:
                self.assertEqual(get(rig.control, "/metrics", {"Host": host})[0], 200, host)
            self.assertEqual(get(rig.control, "/api/status", {"Host": "nvr.example:" + port})[0], 200)
            for host in ["evil.example:" + port, "nvr.example.evil:" + port, "example:" + port]:
                code, _, body = get(rig.control, "/metrics", {"Host": host})
                self.assertEqual(code, 403, host)
            # Still its own names.
            self.assertEqual(get(rig.control, "/metrics", {"Host": "localhost:" + port})[0], 200)

    def test_config_file(self):
        """The same from the config file's [server] group: metrics-token, and allowed-host as a list."""
        password_file = os.path.join(self.tmp.name, "password")
        with open(password_file, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(password_file, 0o600)
        config = os.path.join(self.tmp.name, "server.conf")
        with open(config, "w") as f:
            f.write("[server]\nrtsp-user = %s\nrtsp-password-file = %s\nmetrics-token = %s\n"
                    "allowed-host = nvr.example;ha.example\n" % (USER, password_file, self.token_file))
        with Rig(server_args=["--config", config]) as rig:
            port = rig.control.rstrip("/").rsplit(":", 1)[1]
            for host in ["nvr.example:" + port, "ha.example:" + port]:
                self.assertEqual(get(rig.control, "/metrics", dict(bearer(self.token), Host=host))[0], 200, host)
                self.assertEqual(get(rig.control, "/metrics", dict(basic(USER, PASSWORD), Host=host))[0], 200, host)
                self.assertEqual(get(rig.control, "/metrics", {"Host": host})[0], 401, host)
            self.assertEqual(get(rig.control, "/metrics", dict(bearer(self.token), Host="evil.example"))[0], 403)
            self.assert_no_secret_logged(rig)


if __name__ == "__main__":
    unittest.main()
