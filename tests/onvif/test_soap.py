"""ipcam-rtsp-server's ONVIF device and media services (--onvif) against
the emulator, called the way an NVR calls them, each reply read with
xml.etree for the fields a client reads: the device's information, its
services and their addresses, one profile per camera whose video source
configuration names a video source GetVideoSources lists, an H.264
encoder configuration with the stream's size and frame rate, a stream URI
that ffmpeg decodes with nothing to say, and the snapshot URI. Without
--onvif the paths are unknown (404)."""

import datetime
import json
import os
import socket
import tempfile
import unittest
import urllib.parse

from ipcamtest import players
from ipcamtest.ports import free_udp_port
from ipcamtest.server import Server
from ipcamtest.sim import IpcamSim
from ipcamtest.waiting import wait_for
from ipcamtest.onvif_soap import NS, call, envelope, fault, find, op, post, text
from ipcamtest.rtsp_rig import Rig

CAMERAS = {"a": ("127.0.0.2", 640, 360), "b": ("127.0.0.3", 320, 240)}
DEVICE = "/onvif/device_service"
MEDIA = "/onvif/media_service"
STREAM_SETUP = ("<trt:StreamSetup><tt:Stream>%s</tt:Stream><tt:Transport><tt:Protocol>%s</tt:Protocol>"
                "</tt:Transport></trt:StreamSetup><trt:ProfileToken>%s</trt:ProfileToken>")


def answer(rig, path, body):
    """The Body of a 200 answer (fails the test on anything else)."""
    status, headers, b = call(rig.control, path, body)
    assert status == 200, (status, fault(b))
    assert headers["content-type"].startswith("application/soap+xml"), headers
    assert fault(b) is None, fault(b)
    return b


class OneCameraTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The emulator's serial, which its discovery answer carries: the
        # server asks it there (its discovery ports) once it started.
        cls.rig = Rig(server_args=["--onvif"], sim_args=["--serial", "ACT76-0042"])
        cls.rig.camera_args = lambda: Rig.camera_args(cls.rig) + [
            a for d in cls.rig.sim.discovery_ports for a in ("--discovery-port", d)]
        cls.rig.__enter__()
        cls.port = int(urllib.parse.urlsplit(cls.rig.control).port)

    @classmethod
    def tearDownClass(cls):
        cls.rig.__exit__(None, None, None)

    def test_device_information(self):
        b = answer(self.rig, DEVICE, op("tds", "GetDeviceInformation"))
        r = "tds:GetDeviceInformationResponse/tds:"
        self.assertEqual(text(b, r + "Manufacturer"), "ipcam")
        self.assertEqual(text(b, r + "Model"), "WiFi action camera")
        self.assertEqual(text(b, r + "FirmwareVersion"), "v1.0 rc5")  # the emulator's, read at start
        # Asked in the background; the camera's name until the answer came.
        self.assertIn(text(b, r + "SerialNumber"), ("cam", "ACT76-0042"))
        wait_for(lambda: text(answer(self.rig, DEVICE, op("tds", "GetDeviceInformation")),
                              r + "SerialNumber") == "ACT76-0042", 10, "the serial")
        self.assertEqual(text(b, r + "HardwareId"), "ipcam-rtsp-server")

    def test_system_date_and_time(self):
        b = answer(self.rig, DEVICE, op("tds", "GetSystemDateAndTime"))
        utc = find(b, "tds:GetSystemDateAndTimeResponse/tds:SystemDateAndTime/tt:UTCDateTime")
        t = datetime.datetime(*(int(text(utc, "tt:Date/tt:" + f)) for f in ("Year", "Month", "Day")),
                              *(int(text(utc, "tt:Time/tt:" + f)) for f in ("Hour", "Minute", "Second")),
                              tzinfo=datetime.timezone.utc)
        self.assertLess(abs((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds()), 5)

    def test_capabilities_and_services(self):
        b = answer(self.rig, DEVICE, op("tds", "GetCapabilities", "<tds:Category>All</tds:Category>"))
        caps = "tds:GetCapabilitiesResponse/tds:Capabilities/"
        device_url = "http://127.0.0.1:%d/onvif/device_service" % self.port
        media_url = "http://127.0.0.1:%d/onvif/media_service" % self.port
        self.assertEqual(text(b, caps + "tt:Device/tt:XAddr"), device_url)
        self.assertEqual(text(b, caps + "tt:Media/tt:XAddr"), media_url)
        self.assertEqual(text(b, caps + "tt:Media/tt:StreamingCapabilities/tt:RTP_RTSP_TCP"), "true")
        self.assertIsNone(find(b, caps + "tt:Events"))
        b = answer(self.rig, DEVICE, op("tds", "GetCapabilities", "<tds:Category>Media</tds:Category>"))
        self.assertIsNone(find(b, caps + "tt:Device"))
        self.assertEqual(text(b, caps + "tt:Media/tt:XAddr"), media_url)
        status, _, b = call(self.rig.control, DEVICE, op("tds", "GetCapabilities", "<tds:Category>PTZ</tds:Category>"))
        self.assertEqual((status, fault(b)[:2]),
                         (500, ("env:Receiver", ["ter:ActionNotSupported", "ter:NoSuchService"])))

        b = answer(self.rig, DEVICE, op("tds", "GetServices", "<tds:IncludeCapability>true</tds:IncludeCapability>"))
        services = {text(s, "tds:Namespace"): s for s in b.findall("tds:GetServicesResponse/tds:Service", NS)}
        self.assertEqual(set(services), {NS["tds"], NS["trt"]})
        self.assertEqual(text(services[NS["tds"]], "tds:XAddr"), device_url)
        self.assertEqual(text(services[NS["trt"]], "tds:XAddr"), media_url)
        self.assertEqual(text(services[NS["trt"]], "tds:Version/tt:Major"), "2")
        media_caps = find(services[NS["trt"]], "tds:Capabilities/trt:Capabilities")
        self.assertEqual(media_caps.get("SnapshotUri"), "true")
        b = answer(self.rig, DEVICE, op("tds", "GetServices", "<tds:IncludeCapability>false</tds:IncludeCapability>"))
        self.assertIsNone(find(b, "tds:GetServicesResponse/tds:Service/tds:Capabilities"))
        b = answer(self.rig, DEVICE, op("tds", "GetServiceCapabilities"))
        self.assertEqual(find(b, "tds:GetServiceCapabilitiesResponse/tds:Capabilities/tds:Security")
                         .get("UsernameToken"), "true")
        b = answer(self.rig, MEDIA, op("trt", "GetServiceCapabilities"))
        self.assertEqual(find(b, "trt:GetServiceCapabilitiesResponse/trt:Capabilities/trt:ProfileCapabilities")
                         .get("MaximumNumberOfProfiles"), "1")

    def test_scopes_hostname_interfaces(self):
        b = answer(self.rig, DEVICE, op("tds", "GetScopes"))
        scopes = [text(s, "tt:ScopeItem") for s in b.findall("tds:GetScopesResponse/tds:Scopes", NS)]
        self.assertEqual(scopes, ["onvif://www.onvif.org/type/video_encoder", "onvif://www.onvif.org/Profile/Streaming",
                                  "onvif://www.onvif.org/name/cam",
                                  "onvif://www.onvif.org/hardware/WiFi%20action%20camera"])
        b = answer(self.rig, DEVICE, op("tds", "GetHostname"))
        self.assertEqual(text(b, "tds:GetHostnameResponse/tds:HostnameInformation/tt:Name"), socket.gethostname())
        b = answer(self.rig, DEVICE, op("tds", "GetNetworkInterfaces"))
        interfaces = b.findall("tds:GetNetworkInterfacesResponse/tds:NetworkInterfaces", NS)
        self.assertTrue(interfaces)
        # The request came over loopback: that interface first, with its address.
        first = interfaces[0]
        self.assertEqual(text(first, "tt:IPv4/tt:Config/tt:Manual/tt:Address"), "127.0.0.1")
        self.assertEqual(first.get("token"), text(first, "tt:Info/tt:Name"))
        for i in interfaces:
            self.assertRegex(text(i, "tt:Info/tt:HwAddress"), r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")

    def test_profiles_sources_and_encoders_match(self):
        b = answer(self.rig, MEDIA, op("trt", "GetProfiles"))
        profiles = b.findall("trt:GetProfilesResponse/trt:Profiles", NS)
        self.assertEqual([p.get("token") for p in profiles], ["cam"])
        p = profiles[0]
        self.assertEqual(text(p, "tt:Name"), "cam")
        b = answer(self.rig, MEDIA, op("trt", "GetVideoSources"))
        sources = b.findall("trt:GetVideoSourcesResponse/trt:VideoSources", NS)
        self.assertEqual([s.get("token") for s in sources], [text(p, "tt:VideoSourceConfiguration/tt:SourceToken")])
        # Before any viewer: the preview these cameras send (docs/onvif.md).
        self.assertEqual((text(sources[0], "tt:Resolution/tt:Width"), text(sources[0], "tt:Resolution/tt:Height"),
                          text(sources[0], "tt:Framerate")), ("640", "360", "30"))
        enc = find(p, "tt:VideoEncoderConfiguration")
        self.assertEqual(text(enc, "tt:Encoding"), "H264")
        self.assertEqual((text(enc, "tt:Resolution/tt:Width"), text(enc, "tt:Resolution/tt:Height")), ("640", "360"))
        self.assertEqual(text(enc, "tt:RateControl/tt:FrameRateLimit"), "30")

        b = answer(self.rig, MEDIA, op("trt", "GetVideoSourceConfigurations"))
        configs = b.findall("trt:GetVideoSourceConfigurationsResponse/trt:Configurations", NS)
        self.assertEqual([c.get("token") for c in configs], [find(p, "tt:VideoSourceConfiguration").get("token")])
        b = answer(self.rig, MEDIA, op("trt", "GetVideoEncoderConfigurations"))
        configs = b.findall("trt:GetVideoEncoderConfigurationsResponse/trt:Configurations", NS)
        self.assertEqual([c.get("token") for c in configs], [enc.get("token")])
        b = answer(self.rig, MEDIA, op("trt", "GetVideoEncoderConfiguration",
                                       "<trt:ConfigurationToken>%s</trt:ConfigurationToken>" % enc.get("token")))
        self.assertEqual(text(b, "trt:GetVideoEncoderConfigurationResponse/trt:Configuration/tt:Encoding"), "H264")
        source_config = find(p, "tt:VideoSourceConfiguration").get("token")
        b = answer(self.rig, MEDIA, op("trt", "GetVideoSourceConfiguration",
                                       "<trt:ConfigurationToken>%s</trt:ConfigurationToken>" % source_config))
        self.assertEqual(text(b, "trt:GetVideoSourceConfigurationResponse/trt:Configuration/tt:SourceToken"),
                         sources[0].get("token"))
        b = answer(self.rig, MEDIA, op("trt", "GetVideoEncoderConfigurationOptions",
                                       "<trt:ProfileToken>cam</trt:ProfileToken>"))
        h264 = find(b, "trt:GetVideoEncoderConfigurationOptionsResponse/trt:Options/tt:H264")
        self.assertEqual((text(h264, "tt:ResolutionsAvailable/tt:Width"), text(h264, "tt:FrameRateRange/tt:Max"),
                          text(h264, "tt:H264ProfilesSupported")), ("640", "30", "Baseline"))
        b = answer(self.rig, MEDIA, op("trt", "GetProfile", "<trt:ProfileToken>cam</trt:ProfileToken>"))
        self.assertEqual(find(b, "trt:GetProfileResponse/trt:Profile").get("token"), "cam")
        status, _, b = call(self.rig.control, MEDIA,
                            op("trt", "GetProfile", "<trt:ProfileToken>nope</trt:ProfileToken>"))
        self.assertEqual((status, fault(b)[:2]), (400, ("env:Sender", ["ter:InvalidArgVal", "ter:NoProfile"])))
        self.assertIn("there are cam", fault(b)[2])

    def test_stream_uri_plays_and_snapshot_uri(self):
        uris = set()
        for protocol in ("RTSP", "TCP", "UDP"):
            b = answer(self.rig, MEDIA, op("trt", "GetStreamUri", STREAM_SETUP % ("RTP-Unicast", protocol, "cam")))
            uris.add(text(b, "trt:GetStreamUriResponse/trt:MediaUri/tt:Uri"))
        self.assertEqual(uris, {self.rig.url})
        for transport in ("tcp", "udp"):
            code, err = players.ffmpeg(self.rig.url, seconds=1, transport=transport, level="warning")
            self.assertEqual((code, err), (0, ""), transport)
        status, _, b = call(self.rig.control, MEDIA,
                            op("trt", "GetStreamUri", STREAM_SETUP % ("RTP-Multicast", "UDP", "cam")))
        self.assertEqual((status, fault(b)[1]), (400, ["ter:InvalidArgVal", "ter:InvalidStreamSetup"]))

        b = answer(self.rig, MEDIA, op("trt", "GetSnapshotUri", "<trt:ProfileToken>cam</trt:ProfileToken>"))
        self.assertEqual(text(b, "trt:GetSnapshotUriResponse/trt:MediaUri/tt:Uri"),
                         "http://127.0.0.1:%d/api/cameras/cam/frame.jpeg" % self.port)

    def test_unknown_operation_of_either_service(self):
        for path, body in ((DEVICE, op("tds", "SystemReboot")), (MEDIA, op("trt", "GetAudioSources")),
                           (MEDIA, '<x:GetProfiles xmlns:x="http://www.onvif.org/ver20/media/wsdl"/>')):
            status, headers, b = call(self.rig.control, path, body)
            code, subs, reason = fault(b)
            self.assertEqual((status, code, subs[0]), (500, "env:Receiver", "ter:ActionNotSupported"), body)
            self.assertIn("does not support", reason)


class SeveralCamerasTest(unittest.TestCase):
    """Two emulators of their own sizes in one server: a profile each, the
    device named after the default camera, and an encoder configuration
    that takes the stream's own size once it was seen."""

    def test_a_profile_per_camera(self):
        port = free_udp_port()
        args = ["--onvif", "--port", "0", "--control-http-port", "0", "--linger", "1", "--preview-port", port]
        for name, (address, w, h) in CAMERAS.items():
            sim = IpcamSim("--bind", address, "--size", "%dx%d" % (w, h), "--preview-port", port,
                           "--serial", "CAM-" + name)
            sim.start()
            self.addCleanup(sim.stop)
            args += ["--camera", "%s=%s" % (name, address), "--control-port", "%s=%d" % (name, sim.control_port),
                     "--http-port", "%s=%d" % (name, sim.http_port)]
        server = Server(args)
        self.addCleanup(server.close)
        self.assertIsNotNone(server.wait_ready(30), server.stderr())
        rig = type("Served", (), {"control": server.ready["control"]})

        b = answer(rig, MEDIA, op("trt", "GetProfiles"))
        profiles = b.findall("trt:GetProfilesResponse/trt:Profiles", NS)
        self.assertEqual([p.get("token") for p in profiles], ["a", "b"])
        b = answer(rig, MEDIA, op("trt", "GetVideoSources"))
        self.assertEqual([s.get("token") for s in b.findall("trt:GetVideoSourcesResponse/trt:VideoSources", NS)],
                         [text(p, "tt:VideoSourceConfiguration/tt:SourceToken") for p in profiles])
        b = answer(rig, DEVICE, op("tds", "GetScopes"))
        self.assertIn("onvif://www.onvif.org/name/a",
                      [text(s, "tt:ScopeItem") for s in b.findall("tds:GetScopesResponse/tds:Scopes", NS)])

        def size(name):
            b = answer(rig, MEDIA, op("trt", "GetVideoEncoderConfiguration",
                                      "<trt:ConfigurationToken>%s_h264</trt:ConfigurationToken>" % name))
            r = "trt:GetVideoEncoderConfigurationResponse/trt:Configuration/tt:Resolution/tt:"
            return int(text(b, r + "Width")), int(text(b, r + "Height"))

        self.assertEqual(size("b"), (640, 360))  # nothing seen yet: the default
        b = answer(rig, MEDIA, op("trt", "GetStreamUri", STREAM_SETUP % ("RTP-Unicast", "RTSP", "b")))
        uri = text(b, "trt:GetStreamUriResponse/trt:MediaUri/tt:Uri")
        self.assertEqual(uri, server.ready["cameras"]["b"]["url"])
        code, err = players.ffmpeg(uri, seconds=1, level="warning")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(size("b"), (320, 240))  # the stream's own, kept after it ended
        self.assertEqual(size("a"), (640, 360))


class SwitchTest(unittest.TestCase):
    def test_on_in_the_config_file(self):
        folder = tempfile.TemporaryDirectory(prefix="ipcam-onvif-test-")
        self.addCleanup(folder.cleanup)
        path = os.path.join(folder.name, "server.conf")
        rig = Rig()

        def config_args():
            with open(path, "w") as f:
                f.write("[server]\nonvif=true\n\n[camera cam]\naddress=127.0.0.1\ncontrol-port=%d\nhttp-port=%d\n"
                        "preview-port=%d\n" % (rig.sim.control_port, rig.sim.http_port, rig.preview_port))
            return ["--config", path]

        rig.camera_args = config_args
        with rig:
            b = answer(rig, MEDIA, op("trt", "GetProfiles"))
            self.assertEqual([p.get("token") for p in b.findall("trt:GetProfilesResponse/trt:Profiles", NS)], ["cam"])

    def test_without_onvif_the_paths_are_unknown(self):
        with Rig() as rig:
            for path in (DEVICE, MEDIA):
                status, headers, data = call_raw(rig, path)
                self.assertEqual(status, 404, data)
                self.assertIn("no such endpoint", json.loads(data)["error"])


def call_raw(rig, path):
    return post(rig.control, path, envelope(op("tds", "GetDeviceInformation")))


if __name__ == "__main__":
    unittest.main()
