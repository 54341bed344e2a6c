"""Free loopback ports, picked by the test so that it can tell both sides
(the camera always sends its preview to one fixed client port)."""

import socket


def free_udp_port():
    """A UDP port free right now: the preview-port trick (the camera sends to
    one fixed client port, so the test picks it and tells both sides)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_tcp_port():
    """A TCP port free right now, for a server the test starts itself."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
