#!/usr/bin/python3
"""Counts test cases, not test programs: 'N passed, N failed, N skipped'.

  count-results.py [--prefix P] TESTLOG.json
      every test in meson's testlog.json (one JSON object a line);
  count-results.py [--prefix P] --program NAME --returncode RC LOG
      one program run outside meson, its stdout+stderr in LOG;
  count-results.py --sum COUNTS...
      adds up the last line of each COUNTS file printed by the modes above
      (a missing or unreadable one counts as one failure).

A program's cases are read from its own output, whichever of these it prints:
GoogleTest ('[ RUN      ]' / '[       OK ]' lines), gst-check (libcheck's
'NN%: Checks: N, Failures: N, Errors: N', or its TAP lines when
CK_TAP_LOG_FILE_NAME=- is set), Python unittest ('Ran N tests' and
'OK'/'FAILED (...)', or the '... ok' lines of -v), or the scripts/fuzz table.
Output that none of them recognise makes the program one case, by its exit.

GoogleTest's are read from its output and not from the junit XML meson
writes: meson parses <test>.xml from the build dir after the run, and a
program that crashed or was killed never rewrote it, so meson reports the
previous run's cases as the crashed run's.

A program that crashed, was killed or timed out (meson result other than OK)
counts at least one failure even when every case it printed passed: the
cases it never reached are not known. Unexpected successes are failures;
expected failures pass and are listed on stderr, as are failures and skips.
"""
import argparse
import dataclasses
import json
import re
import signal
import sys


@dataclasses.dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    # Lines for stderr: "FAILED: test: case", "expected failure: ...".
    notes: list = dataclasses.field(default_factory=list)
    # The output accounts for the whole run: a parser saw the framework's
    # final summary, or counted the case the run stopped in as failed.
    finished: bool = True

    def fail(self, name, what):
        """One failed case, named on stderr."""
        self.failed += 1
        self.notes.append(f"FAILED: {name}: {what}")

    def add(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.notes += other.notes

    @property
    def cases(self):
        return self.passed + self.failed + self.skipped

    def line(self, prefix=""):
        head = prefix + ": " if prefix else ""
        return f"{head}{self.passed} passed, {self.failed} failed, {self.skipped} skipped"


# --- GoogleTest -------------------------------------------------------------
# Per-case result lines end in "(N ms)"; the summary at the end repeats the
# failed and skipped names without it, so those are not counted twice.
GTEST_RUN = re.compile(r"^\[ RUN      \] (\S+)", re.M)
GTEST_RESULT = re.compile(r"^\[ +(OK|FAILED|SKIPPED) +\] (\S+?),?(?: where .*)? \(\d+ ms\)$", re.M)


def gtest_counts(name, text):
    if not GTEST_RUN.search(text) and "[==========] Running " not in text:
        return None
    c = Counts(finished="[==========] " in text.split("[==========] Running ", 1)[-1])
    started = GTEST_RUN.findall(text)
    reported = set()
    for result, case in GTEST_RESULT.findall(text):
        reported.add(case)
        if result == "OK":
            c.passed += 1
        elif result == "SKIPPED":
            c.skipped += 1
            c.notes.append(f"skipped: {name}: {case}")
        else:
            c.fail(name, case)
    for case in started:
        if case not in reported:
            # Started and never reported: the program died or hung in it.
            reported.add(case)
            c.fail(name, f"{case} (did not finish)")
            c.finished = True
    return c


# --- gst-check (libcheck) ---------------------------------------------------
CHECK_SUMMARY = re.compile(r"^\d+%: Checks: (\d+), Failures: (\d+), Errors: (\d+)$", re.M)
# file:line:F|E:tcase:test:iteration: message
CHECK_PROBLEM = re.compile(r"^[^:\n]+:\d+:[FE]:[^:\n]+:([^:\n]+):\d+: (.*)$", re.M)
# CK_TAP_LOG_FILE_NAME=-: "ok N - file:tcase:test: message", one a case as it
# ends, so a run killed half-way still tells which cases passed.
CHECK_TAP = re.compile(r"^(ok|not ok) \d+ - [^:\n]+:[^:\n]+:([^:\n]+): (.*)$", re.M)


def check_counts(name, text):
    summaries = CHECK_SUMMARY.findall(text)
    tap = CHECK_TAP.findall(text)
    if not summaries and not tap and "Running suite(s):" not in text:
        return None
    c = Counts(finished=bool(summaries))
    if summaries:
        for checks, failures, errors in summaries:
            bad = int(failures) + int(errors)
            c.passed += int(checks) - bad
            c.failed += bad
        for case, message in CHECK_PROBLEM.findall(text):
            c.notes.append(f"FAILED: {name}: {case}: {message}")
    else:
        for status, case, message in tap:
            if status == "ok":
                c.passed += 1
            else:
                c.fail(name, f"{case}: {message}")
    return c


# --- Python unittest --------------------------------------------------------
UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in [\d.]+s$", re.M)
UNITTEST_END = re.compile(r"^(OK|FAILED)(?: \(([^)\n]*)\))?$", re.M)
# The report of each failure before "Ran N tests": "FAIL: test_x (mod.C.test_x)"
# with a subtest's parameters after it.
UNITTEST_PROBLEM = re.compile(r"^(FAIL|ERROR|UNEXPECTED SUCCESS): ((\w+) \([\w.]+\))", re.M)
# -v: "test_x (module.Class.test_x) ... ok", a subtest's with its " (i=1)"
# after it; a test's own output may come between the description and the
# status, so each is matched on its own.
UNITTEST_DESCRIPTION = re.compile(r"^ *(\w+ \([\w.]+\)(?: [\[(].*[\])])?)(?: \.\.\. |$)")
UNITTEST_STATUS = re.compile(
    r"(?:^| \.\.\. )(ok|FAIL|ERROR|skipped .*|expected failure|unexpected success)$")


def unittest_verbose(text):
    """(description, status) of every case that -v reported; status None for
    the case that was running when the output ended."""
    results = []
    current = None
    for line in text.splitlines():
        d = UNITTEST_DESCRIPTION.match(line)
        if d:
            current = d.group(1)
        s = UNITTEST_STATUS.search(line)
        if s and current:
            results.append((current, s.group(1)))
            current = None
    if current:
        results.append((current, None))
    return results


def unittest_counts(name, text):
    verbose = unittest_verbose(text)
    ran = list(UNITTEST_RAN.finditer(text))
    if not ran and not verbose:
        return None
    c = Counts(finished=bool(ran))
    named_xfail = [d for d, s in verbose if s == "expected failure"]
    c.notes += [f"expected failure: {name}: {d}" for d in named_xfail]
    if ran:
        xfail = 0
        since = 0
        for r in ran:
            end = UNITTEST_END.search(text, r.end())
            if not end:
                # "Ran N tests" without the OK/FAILED line that follows it.
                c.fail(name, f"no OK/FAILED after '{r.group(0)}'")
                continue
            run, details = int(r.group(1)), end.group(2) or ""
            info = {k.strip(): int(v) for k, v in
                    (p.split("=") for p in details.split(",") if "=" in p)}
            bad = info.get("failures", 0) + info.get("errors", 0) + info.get("unexpected successes", 0)
            skipped = info.get("skipped", 0)
            xfail += info.get("expected failures", 0)
            # Each failing subtest is a failure of its own, but takes only
            # its one test out of those that passed; a failing setUpClass
            # is a failure whose tests never ran.
            failing = {m.group(2) for m in UNITTEST_PROBLEM.finditer(text, since, r.start())
                       if m.group(3) not in ("setUpClass", "tearDownClass", "setUpModule", "tearDownModule")}
            since = end.end()
            c.passed += max(run - (len(failing) or bad) - skipped, 0)
            c.failed += bad
            c.skipped += skipped
        if xfail > len(named_xfail):
            c.notes.append(f"expected failure: {name}: {xfail - len(named_xfail)} "
                           "not named (the script runs without -v)")
    else:
        for d, s in verbose:
            if s in ("ok", "expected failure"):
                c.passed += 1
            elif s and s.startswith("skipped"):
                c.skipped += 1
            else:
                c.failed += 1
            if s is None:
                c.notes.append(f"FAILED: {name}: {d} (did not finish)")
                c.finished = True
    for d, s in verbose:
        if s is None:
            continue
        if s in ("FAIL", "ERROR", "unexpected success"):
            c.notes.append(f"FAILED: {name}: {d} ({s})")
        elif s.startswith("skipped"):
            c.notes.append(f"skipped: {name}: {d} ({s[8:]})")
    return c


# --- scripts/fuzz -----------------------------------------------------------
FUZZ_HEADER = re.compile(r"^target +executions +exec/s +rss_mb +result$", re.M)
FUZZ_ROW = re.compile(r"^(\S+) +\S+ +\S+ +\S+  (ok|FAILED.*)$", re.M)


def fuzz_counts(name, text):
    if not FUZZ_HEADER.search(text):
        return None
    c = Counts()
    for target, result in FUZZ_ROW.findall(text):
        if result == "ok":
            c.passed += 1
        else:
            c.fail(name, f"{target}: {result}")
    return c


PARSERS = (gtest_counts, check_counts, unittest_counts, fuzz_counts)


def describe_exit(result, returncode):
    if returncode is not None and returncode < 0:
        try:
            sig = signal.Signals(-returncode).name
        except ValueError:
            sig = str(-returncode)
        how = f"killed by {sig}"
    else:
        how = f"exit status {returncode}"
    return f"{result}, {how}" if result not in ("FAIL", "OK") else how


def count_program(name, result, returncode, text):
    """The cases of one program: meson's result ('OK', 'FAIL', 'TIMEOUT',
    ...), its exit status and its output."""
    if result == "SKIP":
        return Counts(skipped=1, notes=[f"skipped: {name} (the whole program)"])
    if result in ("EXPECTEDFAIL", "UNEXPECTEDPASS"):
        # should_fail: the program's exit is the one case; what its cases
        # printed is meant to fail.
        ok = result == "EXPECTEDFAIL"
        return Counts(passed=int(ok), failed=int(not ok),
                      notes=[f"{'expected failure' if ok else 'FAILED'}: {name} (should_fail)"])
    ok = result == "OK"
    for parser in PARSERS:
        c = parser(name, text)
        if c is not None:
            break
    else:
        c = Counts(passed=int(ok))
    if not ok:
        how = describe_exit(result, returncode)
        if c.failed == 0 or not c.finished:
            # The case it stopped in, or whatever failed outside the cases.
            c.fail(name, how)
        elif result != "FAIL" or (returncode or 0) < 0:
            c.notes.append(f"note: {name}: {how} (counted above)")
    elif ok and c.cases == 0:
        # A program that runs nothing (a filter that matches no case any
        # more, an empty suite) would otherwise vanish from the count.
        c.failed = 1
        c.notes.append(f"FAILED: {name}: ran no test cases")
    return c


def count_testlog(path):
    total = Counts()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            t = json.loads(line)
            # meson keeps stdout and stderr apart (unittest writes to stderr).
            text = (t.get("stdout") or "") + "\n" + (t.get("stderr") or "")
            total.add(count_program(t.get("name", "?"), t.get("result"), t.get("returncode"), text))
    return total


SUM_LINE = re.compile(r"(\d+) passed, (\d+) failed(?:, (\d+) skipped)?")


def sum_counts(paths):
    total = Counts()
    for path in paths:
        try:
            with open(path) as f:
                lines = f.read().splitlines()
            m = SUM_LINE.search(lines[-1]) if lines else None
        except OSError:
            m = None
        if m:
            total.add(Counts(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)))
        else:
            total.add(Counts(failed=1, notes=[f"FAILED: no result recorded in {path}"]))
    return total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--prefix", default="")
    ap.add_argument("--program", help="count one program's output (LOG) instead of a testlog")
    ap.add_argument("--returncode", type=int, default=0)
    ap.add_argument("--sum", action="store_true")
    a = ap.parse_args(argv)
    if a.sum:
        c = sum_counts(a.files)
    elif a.program:
        with open(a.files[0], encoding="utf-8", errors="replace") as f:
            text = f.read()
        c = count_program(a.program, "OK" if a.returncode == 0 else "FAIL", a.returncode, text)
    else:
        try:
            c = count_testlog(a.files[0])
        except OSError as e:
            c = Counts(failed=1, notes=[f"FAILED: no meson test log: {e}"])
    for n in c.notes:
        print(n, file=sys.stderr)
    print(c.line(a.prefix))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
