#!/usr/bin/python3
"""Counts meson's test results (testlog.json): 'N passed, N failed, N skipped'.

Each meson test counts once (a GoogleTest or gst-check executable is one test
that fails when any of its cases fails)."""
import json
import sys

passed = failed = skipped = 0
path = sys.argv[1]
with open(path) as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        t = json.loads(line)
        r = t.get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
        else:
            failed += 1
            print(f"FAILED: {t.get('name')} ({r})", file=sys.stderr)
prefix = sys.argv[3] + " " if len(sys.argv) > 3 else ""
print(f"{prefix}{passed} passed, {failed} failed, {skipped} skipped")
