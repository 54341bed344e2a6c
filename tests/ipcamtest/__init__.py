"""ipcamtest: what the Python test rigs share.

meson puts the folder that holds this package (tests/) on PYTHONPATH for
every Python test; scripts that run a rig by hand (scripts/bench,
scripts/soak, scripts/screenshot, scripts/demo) set it the same way.

    sim        ipcam-sim, the camera emulator, as a context manager
    server     ipcam-rtsp-server started, waited for (its ready line), stopped
    players    the real clients (ffmpeg, ffprobe, mpv, rtspsrc) as users run them
    gst_play   the rtspsrc player itself, a script players.gst_cmd() runs
    waiting    waiting on a condition or a line, with a deadline, never a bare sleep
    ports      free loopback ports for both sides of a test
    terminal   a command run with its stderr on a pseudo-terminal, as a user sees it
    rtsp_rig   the emulator and the server together, with their clients
    web_rig    headless Chromium on the server's page and WHEP endpoint
    bench_rig  the processes a benchmark (and memcheck) runs
"""
