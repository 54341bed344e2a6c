#!/usr/bin/python3
"""Fails when meson's list of fault cases and fault_matrix.py's differ, so a
new case cannot be written and silently never run."""
import subprocess
import sys

listed = set(sys.argv[2:])
defined = set(subprocess.run([sys.executable, sys.argv[1], "--list"], check=True,
                             capture_output=True, text=True).stdout.split())
if listed != defined:
    print("not registered in tests/faults/meson.build: %s" % sorted(defined - listed))
    print("registered but not defined: %s" % sorted(listed - defined))
    sys.exit(1)
print("%d fault cases, all registered" % len(defined))
