#!/usr/bin/python3
"""Records ipcam-sim's preview traffic as an input of the assembler fuzz
target: a config byte, then every datagram as [u16 length][bytes].

    capture_corpus.py OUT SECONDS [--config-byte N] [ipcam-sim options...]

N is the fuzz target's config byte (fuzz_assembler.cpp; 1 = time after).

Acts as a minimal control client (login, alive answers, start preview), so
the datagrams are the emulator's, faults and all. Needs IPCAM_SIM and
IPCAM_SAMPLE_H264, and tests/ on PYTHONPATH (ipcamtest.sim).
"""

import os
import select
import socket
import struct
import sys
import time

from ipcamtest.sim import IpcamSim


def control(msg_type, payload=b""):
    return b"\xab\xcd" + struct.pack(">HI", len(payload), msg_type) + payload


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    out, seconds, faults = argv[1], float(argv[2]), argv[3:]
    config = 0
    if faults[:1] == ["--config-byte"]:
        config, faults = int(faults[1]), faults[2:]
    preview = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    preview.bind(("127.0.0.1", 0))
    port = preview.getsockname()[1]
    datagrams = []
    with IpcamSim("--h264", os.environ["IPCAM_SAMPLE_H264"], "--no-samples", "--preview-port", port,
                  *faults) as sim:
        ctl = socket.create_connection(("127.0.0.1", sim.control_port))
        login = b"admin".ljust(64, b"\0") + b"12345".ljust(64, b"\0")
        ctl.sendall(control(0x0110, login))
        started = False
        pending = b""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([ctl, preview], [], [], 0.05)
            if ctl in ready:
                pending += ctl.recv(4096)
                while len(pending) >= 8:
                    length, msg_type = struct.unpack(">HI", pending[2:8])
                    if len(pending) < 8 + length:
                        break
                    pending = pending[8 + length:]
                    if msg_type == 0x0112:  # alive request
                        ctl.sendall(control(0x0113))
                    elif msg_type == 0x0111 and not started:  # login accepted
                        ctl.sendall(control(0x01FF))
                        started = True
            if preview in ready:
                datagrams.append(preview.recv(65536))
        ctl.close()
    with open(out, "wb") as f:
        f.write(bytes([config]))
        for d in datagrams:
            f.write(struct.pack(">H", len(d)) + d)
    print("%d datagrams written to %s" % (len(datagrams), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
