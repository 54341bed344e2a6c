#!/usr/bin/python3
"""The plainest gst-rtsp-server: a live x264 test picture (640x360, 30 fps)
at rtsp://127.0.0.1:PORT/test (PORT: the first argument, default 8554; 0 =
any free one). Debian 12 ships no test-launch; this is its few lines in
Python, to tell a player's own complaints from a server's:

    docs/examples/plain_rtsp_server.py 8555 &
    mpv rtsp://127.0.0.1:8555/test

It prints its URL once it listens; Ctrl+C ends it.
"""
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
server = GstRtspServer.RTSPServer(address="127.0.0.1", service=sys.argv[1] if len(sys.argv) > 1 else "8554")
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch("( videotestsrc is-live=true ! video/x-raw,width=640,height=360,framerate=30/1 "
                   "! x264enc tune=zerolatency key-int-max=30 ! rtph264pay name=pay0 pt=96 )")
factory.set_shared(True)
server.get_mount_points().add_factory("/test", factory)
if server.attach(None) == 0:
    sys.exit("cannot listen on port %s" % server.get_service())
print("rtsp://127.0.0.1:%d/test" % server.get_bound_port(), flush=True)
loop = GLib.MainLoop()
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
loop.run()
