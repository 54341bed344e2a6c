#!/usr/bin/python3
"""ipcam benchmarks: ipcamsrc against udpsrc on the same datagrams, measured
in the same run (ratios), plus absolute figures.

    bench.py --short                 the 'bench' suite (~2 min); fails only
                                     when the bench itself is broken
    bench.py --full [--doc FILE]     scripts/bench: longer runs, markdown

Needs the env that tests/bench/meson.build sets (IPCAM_BENCH_*, IPCAM_SIM,
GST_PLUGIN_PATH_1_0, ...). The rig (processes, ports) is rig.py, the
measurements measurements.py and, for the RTSP servers, bench_rtsp.py, the
markdown report report.py.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import bench_rtsp
from measurements import ASSEMBLER, bench_assembler, bench_frames, bench_ingest, bench_instructions, bench_memory
from report import machine, write_doc
from ipcamtest.bench_rig import H264, RUNNER, SENDER, BenchBroken

RTSP_SECONDS = 15
RTSP_REPEATS = 3
RTSP_JOINS = 20


def log(msg):
    print(msg, flush=True)


def write_report(results, a):
    """The report of `results` into --doc, with --notes appended."""
    if a.notes and os.path.exists(a.notes):
        with open(a.notes) as f:
            results["notes"] = [f.read()]
    write_doc(results, a.doc)


def main():
    ap = argparse.ArgumentParser(description="ipcam benchmarks")
    mode = ap.add_mutually_exclusive_group(required=False)
    mode.add_argument("--short", action="store_true")
    mode.add_argument("--full", action="store_true")
    mode.add_argument("--from-json", help="only rewrite --doc from a saved --json")
    ap.add_argument("--json", help="write all results here")
    ap.add_argument("--doc", help="write the markdown report here (with --full)")
    ap.add_argument("--notes", help="a markdown file appended to the report")
    ap.add_argument("--rerun", choices=["rtsp"], help="with --json and --doc: measure this part again into the "
                                                      "saved results and rewrite the report")
    a = ap.parse_args()
    if not (a.short or a.full or a.from_json or a.rerun):
        ap.error("one of --short, --full, --from-json or --rerun is required")
    if a.rerun and not (a.json and a.doc):
        ap.error("--rerun needs --json and --doc")
    if a.from_json:
        with open(a.from_json) as f:
            results = json.load(f)
        write_report(results, a)
        return 0
    if a.rerun:
        with open(a.json) as f:
            results = json.load(f)
        results["rtsp"] = bench_rtsp.bench_fanout(H264, [1, 8, 32], RTSP_SECONDS, log, RTSP_REPEATS)
        results["rtsp_joins"] = bench_rtsp.bench_joins(H264, RTSP_JOINS, log)
        results["rtsp_rerun"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
        write_report(results, a)
        return 0
    for name, path in (("IPCAM_BENCH_SENDER", SENDER), ("IPCAM_BENCH_PIPELINE", RUNNER), ("IPCAM_BENCH_H264", H264),
                       ("IPCAM_BENCH_ASSEMBLER", ASSEMBLER)):
        if not path or not os.path.exists(path):
            print("bench broken: %s not set or missing" % name)
            return 1
    results = {"machine": machine(), "mode": "short" if a.short else "full"}
    with tempfile.TemporaryDirectory(prefix="ipcam-bench-") as work:
        try:
            if a.short:
                results["ingest"] = bench_ingest([20000, 0], 1.0, log)
                results["assembler"] = bench_assembler(0.05, 1, log)
                results["fps30"] = bench_frames(30, 5, log, work)
                results["fps300"] = bench_frames(300, 3, log, work)
                results["memory"] = bench_memory(60, log, work)
                results["instructions"] = bench_instructions(30, 90, log, work)
            else:
                results["ingest"] = bench_ingest([50000, 100000, 150000, 175000, 200000, 250000, 0], 2.0, log)
                results["assembler"] = bench_assembler(1.0, 5, log)
                results["fps30"] = bench_frames(30, 60, log, work)
                results["fps300"] = bench_frames(300, 40, log, work)
                results["instructions"] = bench_instructions(30, 300, log, work)
                results["instructions300"] = bench_instructions(300, 3000, log, work)
                results["memory"] = bench_memory(600, log, work)
                results["rtsp"] = bench_rtsp.bench_fanout(H264, [1, 8, 32], RTSP_SECONDS, log, RTSP_REPEATS)
                results["rtsp_joins"] = bench_rtsp.bench_joins(H264, RTSP_JOINS, log)
        except (BenchBroken, subprocess.CalledProcessError, subprocess.TimeoutExpired, KeyError,
                ValueError) as e:
            print("bench broken: %s" % e)
            return 1
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    if a.doc:
        write_report(results, a)
        print("bench: report written to %s" % a.doc)
    print("bench: all measurements completed (figures are reported, never judged here)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
