// ipcamsrc set to NULL from each phase of a connection stops within 0.5 s:
// login, firmware and streaming, against an emulator that delays its
// replies. Each test waits for the phase on the emulator's live counters.
// The C++ headers come before gstcheck.h (its fail() macro).
#include <string>
#include <vector>

#include "element_fixture.h"

#include <gst/check/gstcheck.h>

using ipcam::test::Rig;

namespace {

// The documented bound for a stop from any phase.
constexpr double kStopBound = 0.5;

// PLAYING, then NULL once `counter` reaches `at_least` on the emulator.
void stop_when(const std::vector<std::string> &sim_args, const char *counter, uint64_t at_least,
               const char *phase) {
  Rig rig("fakesink sync=false", sim_args, "timeout=60000");
  fail_unless(gst_element_set_state(rig.pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  fail_unless(rig.sim->process.wait_counter(counter, at_least, 20), "the camera never saw %s", phase);
  double took = ipcam::test::stop_pipeline(rig.pipeline);
  fail_unless(took < kStopBound, "PLAYING->NULL took %.2f s during %s", took, phase);
}

}  // namespace

GST_START_TEST(test_stop_during_login) {
  // Login accepted comes 3 s after the login request: the element waits in
  // login when the camera has seen its first message.
  stop_when({"--reply-delay", "3000"}, "control_messages_in", 1, "login");
}
GST_END_TEST;

GST_START_TEST(test_stop_during_firmware) {
  // Once login is accepted the element asks for the firmware, whose reply
  // the camera holds back for 3 s.
  stop_when({"--reply-delay", "3000"}, "logins_accepted", 1, "the firmware request");
}
GST_END_TEST;

GST_START_TEST(test_stop_while_streaming) {
  stop_when({}, "frames_sent", 30, "streaming");
}
GST_END_TEST;

static Suite *ipcamsrc_stop_suite(void) {
  Suite *s = suite_create("ipcamsrc-stop");
  TCase *tc = ipcam::test::add_tcase(s, "stop");
  tcase_add_test(tc, test_stop_during_login);
  tcase_add_test(tc, test_stop_during_firmware);
  tcase_add_test(tc, test_stop_while_streaming);
  return s;
}

GST_CHECK_MAIN(ipcamsrc_stop);
