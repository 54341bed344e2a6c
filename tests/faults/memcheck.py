#!/usr/bin/python3
"""ipcamsrc ! fakesink under valgrind memcheck for a few seconds of 30 fps
preview (ipcam-bench-sender as the camera, ipcam-sim for the login), then a
clean stop. Passes when memcheck reports no error and no definitely lost
block whose stack passes through ipcam code (libipcam, libgstipcam).

    memcheck.py [LOGFILE]     (env as for the bench, tests/bench/meson.build)

The runner, the sender and the emulator are the bench's rig
(ipcamtest.bench_rig).
"""

import re
import sys

from ipcamtest import bench_rig as rig


ALLOCATORS = re.compile(r": (malloc|calloc|realloc|memalign|g_malloc0?|g_realloc|g_try_malloc|operator new)")


def top_frame_is_ours(block):
    """The first frame that is not an allocator lies in ipcam code: the
    error or the leaked allocation is ours, not merely called from us."""
    for line in block.splitlines():
        if not re.search(r"==\d+==\s+(at|by) 0x", line) or ALLOCATORS.search(line):
            continue
        return bool(re.search(r"ipcam::|gst_ipcam|libgstipcam|libipcam", line))
    return False


def main(argv):
    log = argv[1] if len(argv) > 1 else "/tmp/ipcam-memcheck.log"
    wrapper = ["valgrind", "--tool=memcheck", "--leak-check=full", "--errors-for-leak-kinds=definite",
               "--num-callers=30", "--log-file=" + log]
    # start() returns once the runner reports PLAYING and logged in; the
    # camera's traffic starts once valgrind has also finished the start-up
    # work, and the stop once every datagram sent has been handled.
    r = rig.Runner("ipcamsrc", wrapper=wrapper).start()
    try:
        r.wait_idle()
        sent = rig.send(r.port, fps=30, frames=90)
        r.wait_idle()
    except BaseException:
        r.stop()
        raise
    got = r.stop()
    text = open(log).read()
    errors = int(re.search(r"ERROR SUMMARY: (\d+) errors", text).group(1))
    definite = re.search(r"definitely lost: ([\d,]+) bytes in ([\d,]+) blocks", text)
    # Error and leak records are blocks of "==PID==" lines between blank ones;
    # only those whose stack passes through ipcam code count against us
    # (ld.so's strncmp reads and GLib's constructor are not ours).
    blocks = re.split(r"\n==\d+== \n", text)
    ours = [b for b in blocks if re.search(r"Invalid|uninitialised|definitely lost in loss record|Mismatched", b)
            and top_frame_is_ours(b)]
    print("memcheck: %d frames sent, %d buffers out; %s; %d errors in all; %d records through ipcam code"
          % (sent["frames"], got["buffers"], definite.group(0) if definite else "no definite leak", errors,
             len(ours)))
    for b in ours[:3]:
        print(b[:3000])
    ok = got["buffers"] > 0 and not ours
    print("PASS memcheck" if ok else "FAIL memcheck (log: %s)" % log)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
