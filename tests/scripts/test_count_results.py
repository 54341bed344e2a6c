#!/usr/bin/python3
"""scripts/count-results.py against testlog.json entries like the ones
meson 1.0 writes for this project's kinds of test (the outputs are trimmed
copies of real runs). scripts/test runs this file and counts its cases."""
import contextlib
import importlib.util
import io
import json
import os
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "count_results", os.path.join(HERE, "..", "..", "scripts", "count-results.py"))
cr = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cr)


GTEST_TAGS = {"OK": "[       OK ]", "FAILED": "[  FAILED  ]", "SKIPPED": "[  SKIPPED ]"}


def gtest_output(results, finished=True):
    """GoogleTest's stdout for cases given as (name, 'OK'|'FAILED'|'SKIPPED'|None);
    None: the case started and the output stops there."""
    out = ["Running main() from ./googletest/src/gtest_main.cc",
           f"[==========] Running {len(results)} tests from 1 test suite.",
           "[----------] Global test environment set-up."]
    for name, result in results:
        out.append(f"[ RUN      ] {name}")
        if result is None:
            return "\n".join(out) + "\n"
        if result == "FAILED":
            out += ["../test.cpp:6: Failure", "Expected equality of these values:", "  1", "  2"]
        out.append(f"{GTEST_TAGS[result]} {name} (3 ms)")
    if finished:
        out.append(f"[==========] {len(results)} tests from 1 test suite ran. (9 ms total)")
        failed = [n for n, r in results if r == "FAILED"]
        out.append(f"[  PASSED  ] {len(results) - len(failed)} tests.")
        if failed:
            out.append(f"[  FAILED  ] {len(failed)} test, listed below:")
            out += [f"[  FAILED  ] {n}" for n in failed]
    return "\n".join(out) + "\n"


CHECK_TAP_FAIL = """Running suite(s): ipcamsrc_control
ok 1 - ../test.cpp:general:test_uri_round_trip: Passed
not ok 2 - ../test.cpp:general:test_wrong_password: no error posted
ok 3 - ../test.cpp:general:test_reconnect: Passed
66%: Checks: 3, Failures: 1, Errors: 0
../test.cpp:51:F:general:test_wrong_password:0: no error posted
1..3
Check suite ipcamsrc_control ran in 2.055s (tests failed: 1)
"""

UNITTEST_XFAIL = """test_known_bug (__main__.T.test_known_bug) ... expected failure
test_ok (__main__.T.test_ok) ... ok
test_logs (__main__.T.test_logs) ... ** (ipcam-sim:42): WARNING: slow client
ok
test_skipped (__main__.T.test_skipped) ... skipped 'no camera'

----------------------------------------------------------------------
Ran 4 tests in 0.010s

OK (skipped=1, expected failures=1)
"""


def entry(name, result, returncode, stdout="", stderr=None):
    e = {"name": name, "stdout": stdout, "result": result, "starttime": 1.0,
         "duration": 0.5, "returncode": returncode, "env": {}, "command": [name]}
    if stderr:
        e["stderr"] = stderr
    return e


def count(*entries):
    """Counts entries through a testlog.json file, as scripts/test does."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        for e in entries:
            f.write(json.dumps(e) + "\n")
    try:
        return cr.count_testlog(f.name)
    finally:
        os.unlink(f.name)


def pfs(c):
    return (c.passed, c.failed, c.skipped)


class GTest(unittest.TestCase):
    def test_pass_counts_each_case(self):
        c = count(entry("wire", "OK", 0, gtest_output(
            [("Wire.A", "OK"), ("Wire.B", "OK"), ("Wire.C", "SKIPPED")])))
        self.assertEqual(pfs(c), (2, 0, 1))

    def test_failed_case_counts_once(self):
        # The summary repeats "[  FAILED  ] Wire.B" without "(N ms)".
        c = count(entry("wire", "FAIL", 1, gtest_output([("Wire.A", "OK"), ("Wire.B", "FAILED")])))
        self.assertEqual(pfs(c), (1, 1, 0))
        self.assertIn("FAILED: wire: Wire.B", c.notes)

    def test_parameterised_failure(self):
        out = gtest_output([("P/T.Case/0", "OK")]).replace(
            "[       OK ] P/T.Case/0 (3 ms)",
            "[  FAILED  ] P/T.Case/0, where GetParam() = 4 (3 ms)")
        self.assertEqual(pfs(count(entry("p", "FAIL", 1, out))), (0, 1, 0))

    def test_crash_after_passes(self):
        out = gtest_output([("S.A", "OK"), ("S.B", "OK"), ("S.C", "OK"), ("S.D", "OK"),
                            ("S.E", "OK"), ("S.F", None)])
        c = count(entry("sim-files", "FAIL", -11, out))
        self.assertEqual(pfs(c), (5, 1, 0))
        self.assertIn("FAILED: sim-files: S.F (did not finish)", c.notes)

    def test_crash_between_cases_still_fails(self):
        # Died after its last case (a static destructor, LeakSanitizer).
        out = gtest_output([("S.A", "OK"), ("S.B", "OK")], finished=False)
        self.assertEqual(pfs(count(entry("t", "FAIL", -6, out))), (2, 1, 0))

    def test_all_passed_but_exit_failed(self):
        out = gtest_output([("S.A", "OK")])
        self.assertEqual(pfs(count(entry("t", "FAIL", 1, out))), (1, 1, 0))

    def test_timeout(self):
        out = gtest_output([("S.A", "OK"), ("S.Hang", None)])
        c = count(entry("session", "TIMEOUT", -15, out))
        self.assertEqual(pfs(c), (1, 1, 0))
        self.assertTrue(any("TIMEOUT, killed by SIGTERM" in n for n in c.notes))


class GstCheck(unittest.TestCase):
    def test_summary(self):
        out = "Running suite(s): s\n100%: Checks: 7, Failures: 0, Errors: 0\n" \
              "Check suite s ran in 9.1s (tests failed: 0)\n"
        self.assertEqual(pfs(count(entry("ipcamsrc-stream", "OK", 0, out))), (7, 0, 0))

    def test_failure_and_error(self):
        out = CHECK_TAP_FAIL.replace("Failures: 1, Errors: 0", "Failures: 1, Errors: 1")
        c = count(entry("ipcamsrc-control", "FAIL", 2, out))
        self.assertEqual(pfs(c), (1, 2, 0))
        self.assertIn("FAILED: ipcamsrc-control: test_wrong_password: no error posted", c.notes)

    def test_killed_counts_tap_lines_and_one_failure(self):
        out = CHECK_TAP_FAIL.split("66%")[0].replace("not ok 2", "ok 2")
        c = count(entry("ipcamsrc-control", "TIMEOUT", -15, out))
        self.assertEqual(pfs(c), (3, 1, 0))

    def test_killed_before_any_case(self):
        c = count(entry("ipcamsrc-control", "TIMEOUT", -15, "Running suite(s): s\n"))
        self.assertEqual(pfs(c), (0, 1, 0))


class PythonUnittest(unittest.TestCase):
    def test_ok_with_expected_failure(self):
        c = count(entry("cli-fetch", "OK", 0, "", UNITTEST_XFAIL))
        self.assertEqual(pfs(c), (3, 0, 1))
        self.assertIn("expected failure: cli-fetch: test_known_bug (__main__.T.test_known_bug)", c.notes)

    def test_unexpected_success_fails(self):
        err = UNITTEST_XFAIL.replace("... expected failure", "... unexpected success").replace(
            "OK (skipped=1, expected failures=1)", "FAILED (skipped=1, unexpected successes=1)")
        c = count(entry("cli-fetch", "FAIL", 1, "", err))
        self.assertEqual(pfs(c), (2, 1, 1))

    def test_failures_and_errors_without_v(self):
        err = "F.E.\n" + "-" * 70 + "\nRan 4 tests in 1.5s\n\nFAILED (failures=1, errors=1)\n"
        self.assertEqual(pfs(count(entry("sim-python-helper", "FAIL", 1, "", err))), (2, 2, 0))

    def test_failing_subtests_take_one_test(self):
        block = "=" * 70 + "\nFAIL: test_sub (__main__.T.test_sub) (i={})\n" + "-" * 70 + \
                "\nTraceback (most recent call last):\nAssertionError: {} not less than 1\n\n"
        err = ("test_doc (__main__.T.test_doc)\nHas a docstring. ... ok\n"
               "test_sub (__main__.T.test_sub) ... \n"
               "  test_sub (__main__.T.test_sub) (i=1) ... FAIL\n"
               "  test_sub (__main__.T.test_sub) (i=2) ... FAIL\n\n"
               + block.format(1, 1) + block.format(2, 2) + "-" * 70 +
               "\nRan 2 tests in 0.001s\n\nFAILED (failures=2)\n")
        c = count(entry("t", "FAIL", 1, "", err))
        self.assertEqual(pfs(c), (1, 2, 0))
        self.assertIn("FAILED: t: test_sub (__main__.T.test_sub) (i=2) (FAIL)", c.notes)

    def test_unnamed_expected_failure_is_reported(self):
        err = "x.\n" + "-" * 70 + "\nRan 2 tests in 1.5s\n\nOK (expected failures=1)\n"
        c = count(entry("q", "OK", 0, "", err))
        self.assertEqual(pfs(c), (2, 0, 0))
        self.assertTrue(any(n.startswith("expected failure: q: 1 not named") for n in c.notes))

    def test_ok_line_in_test_output_is_not_the_summary(self):
        # A test's own "OK" printed before the run ends must not pair with
        # the "Ran" line.
        err = "OK\n" + UNITTEST_XFAIL.replace("OK (skipped=1, expected failures=1)\n", "")
        c = count(entry("t", "FAIL", 1, "", err))
        self.assertEqual(c.failed, 1)

    def test_timeout_counts_finished_cases(self):
        err = UNITTEST_XFAIL.split("test_skipped")[0] + "test_hang (__main__.T.test_hang) ... "
        c = count(entry("rtsp-faults", "TIMEOUT", -15, "", err))
        self.assertEqual(pfs(c), (3, 1, 0))
        self.assertIn("FAILED: rtsp-faults: test_hang (__main__.T.test_hang) (did not finish)", c.notes)


class SingleCasePrograms(unittest.TestCase):
    def test_script_passes_or_fails_by_exit(self):
        c = count(entry("fault-baseline", "OK", 0, "baseline: 90 frames, 0 gaps\n"),
                  entry("fault-silent", "FAIL", 1, "silent: no error after 10 s\n"),
                  entry("soak-short", "TIMEOUT", -15, ""))
        self.assertEqual(pfs(c), (1, 2, 0))

    def test_unparsable_output(self):
        self.assertEqual(pfs(count(entry("bench-short", "OK", 0, "\x00garbage [ RUN\n"))), (1, 0, 0))

    def test_meson_skip_and_should_fail(self):
        c = count(entry("a", "SKIP", 77), entry("b", "EXPECTEDFAIL", 1, gtest_output([("S.A", "FAILED")])),
                  entry("c", "UNEXPECTEDPASS", 0))
        self.assertEqual(pfs(c), (1, 1, 1))

    def test_no_cases_is_a_failure(self):
        out = "[==========] Running 0 tests from 0 test suites.\n[==========] 0 tests from 0 test suites ran.\n"
        self.assertEqual(pfs(count(entry("empty", "OK", 0, out))), (0, 1, 0))


class Fuzz(unittest.TestCase):
    TABLE = ("target        executions     exec/s   rss_mb  result\n"
             "control           123456       6172      412  ok\n"
             "datagram           99999       4999      398  FAILED (rc 1, see build-fuzz/fuzz-datagram.log)\n")

    def test_table_rows(self):
        c = cr.count_program("fuzz-short", "FAIL", 1, self.TABLE + "fuzz-short: 1 passed, 1 failed\n")
        self.assertEqual(pfs(c), (1, 1, 0))

    def test_build_failure_without_table(self):
        c = cr.count_program("fuzz-short", "FAIL", 2, "fuzz-short: build failed\n")
        self.assertEqual(pfs(c), (0, 1, 0))


class CommandLine(unittest.TestCase):
    def run_main(self, *args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = cr.main(list(args))
        return rc, out.getvalue(), err.getvalue()

    def write(self, text):
        f = tempfile.NamedTemporaryFile("w", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_program_mode_and_prefix(self):
        rc, out, err = self.run_main("--prefix", "counter", "--program", "t", "--returncode", "0",
                                     self.write(UNITTEST_XFAIL))
        self.assertEqual((rc, out), (0, "counter: 3 passed, 0 failed, 1 skipped\n"))
        self.assertIn("expected failure: t: test_known_bug", err)

    def test_sum_counts_a_missing_stage_as_failure(self):
        a = self.write("build: 10 passed, 0 failed, 1 skipped\n")
        b = self.write("fuzz-short: 5 passed, 1 failed\n")
        rc, out, err = self.run_main("--sum", a, b, "/nonexistent/counts.txt")
        self.assertEqual((rc, out), (1, "15 passed, 2 failed, 1 skipped\n"))
        self.assertIn("/nonexistent/counts.txt", err)

    def test_missing_testlog(self):
        rc, out, _ = self.run_main("/nonexistent/testlog.json")
        self.assertEqual((rc, out), (1, "0 passed, 1 failed, 0 skipped\n"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
