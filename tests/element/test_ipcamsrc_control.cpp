// ipcamsrc against ipcam-sim: action signals, errors on the bus, prompt
// state changes, discovery and the URI handler.
// The C++ headers come before gstcheck.h (its fail() macro).
#include <cstring>
#include <memory>
#include <string>

#include "element_fixture.h"
#include "ipcam/session.h"

#include <gst/check/gstcheck.h>

using ipcam::test::Rig;
using ipcam::test::Sim;

namespace {

// PLAYING, and the first buffer reaches the sink (so the login worked).
void expect_streams(Rig &rig) {
  gst_element_set_state(rig.pipeline, GST_STATE_PLAYING);
  GstMessage *m = ipcam::test::wait_message(rig.pipeline, GstMessageType(GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR),
                                            20);
  fail_unless(m != nullptr && GST_MESSAGE_TYPE(m) == GST_MESSAGE_ASYNC_DONE, "pipeline did not start");
  gst_message_unref(m);
}

// A streaming rig: ipcamsrc ! fakesink, PLAYING, first buffer seen.
std::unique_ptr<Rig> streaming_rig(const std::vector<std::string> &sim_args = {}) {
  auto rig = std::make_unique<Rig>("fakesink sync=false", sim_args);
  expect_streams(*rig);
  return rig;
}

bool file_starts_and_ends(const char *path, std::string &content) {
  g_autofree char *data = nullptr;
  gsize size = 0;
  if (!g_file_get_contents(path, &data, &size, nullptr)) return false;
  content.assign(data, size);
  return true;
}

bool list_has(GStrv files, const std::string &path, guint64 *size) {
  for (GStrv f = files; f && *f; f++) {
    const char *tab = strrchr(*f, '\t');
    if (tab && std::string(*f, size_t(tab - *f)) == path) {
      *size = g_ascii_strtoull(tab + 1, nullptr, 10);
      return true;
    }
  }
  return false;
}

}  // namespace

GST_START_TEST(test_signals_match_camera) {
  // One file-list part: ipcam-sim (6c88ce3) loses the last of several
  // parts while its preview runs; multi-part lists are covered by the
  // session's unit tests.
  auto rig = streaming_rig({"--firmware", "v7.7 test", "--part-size", "60000"});
  GstElement *src = rig->src;

  gchar *fw = nullptr;
  g_signal_emit_by_name(src, "get-firmware", &fw);
  fail_unless_equals_string(fw, "v7.7 test");
  g_free(fw);
  g_object_get(src, "firmware-version", &fw, nullptr);
  fail_unless_equals_string(fw, "v7.7 test");
  g_free(fw);
  GstMessage *m = ipcam::test::wait_message(rig->pipeline, GST_MESSAGE_ELEMENT, 5, "ipcam-firmware");
  fail_unless(m != nullptr);
  fail_unless_equals_string(gst_structure_get_string(gst_message_get_structure(m), "version"), "v7.7 test");
  gst_message_unref(m);

  GStrv before = nullptr;
  g_signal_emit_by_name(src, "list-files", &before);
  fail_unless(before != nullptr);

  gboolean ok = FALSE;
  g_signal_emit_by_name(src, "take-still", &ok);
  fail_unless(ok);
  GStrv after = nullptr;
  g_signal_emit_by_name(src, "list-files", &after);
  fail_unless_equals_int(g_strv_length(after), g_strv_length(before) + 1);
  std::string new_path;
  guint64 new_size = 0;
  for (GStrv f = after; *f; f++) {
    std::string entry(*f);
    std::string path = entry.substr(0, entry.rfind('\t'));
    guint64 size;
    if (!list_has(before, path, &size)) {
      new_path = path;
      new_size = g_ascii_strtoull(entry.c_str() + entry.rfind('\t') + 1, nullptr, 10);
    }
  }
  fail_unless(g_str_has_suffix(new_path.c_str(), ".JPG") || g_str_has_suffix(new_path.c_str(), ".jpg"),
              "new file %s is not a picture", new_path.c_str());
  g_strfreev(before);
  g_strfreev(after);

  // download-file fetches exactly the listed size, with progress messages.
  std::string dir = ipcam::test::make_temp_dir();
  gchar *local = nullptr;
  g_signal_emit_by_name(src, "download-file", new_path.c_str(), dir.c_str(), &local);
  fail_unless(local != nullptr);
  std::string content;
  fail_unless(file_starts_and_ends(local, content));
  fail_unless_equals_uint64(content.size(), new_size);
  g_free(local);
  m = ipcam::test::wait_message(rig->pipeline, GST_MESSAGE_ELEMENT, 5, "ipcam-download-progress");
  fail_unless(m != nullptr);
  gst_message_unref(m);
  // A path the file list does not have: no size to cap the download with,
  // so no download, and the failure says why.
  local = nullptr;
  g_signal_emit_by_name(src, "download-file", "/DCIM/NOT\x1b[2JLISTED.JPG", dir.c_str(), &local);
  fail_unless(local == nullptr);
  // (the first download's own ipcam-download message may still be queued)
  gboolean success = TRUE;
  while ((m = ipcam::test::wait_message(rig->pipeline, GST_MESSAGE_ELEMENT, 5, "ipcam-download")) &&
         gst_structure_get_boolean(gst_message_get_structure(m), "success", &success) && success)
    gst_message_unref(m);
  fail_unless(m != nullptr, "no failed ipcam-download message");
  const char *why = gst_structure_get_string(gst_message_get_structure(m), "error");
  fail_unless(why && strstr(why, "\"/DCIM/NOT\\e[2JLISTED.JPG\" is not in the camera's file list"), "%s", why);
  gst_message_unref(m);

  // take-still-fetch: a new, valid JPEG on disk.
  gchar *still = nullptr;
  g_signal_emit_by_name(src, "take-still-fetch", dir.c_str(), &still);
  fail_unless(still != nullptr);
  fail_unless(g_str_has_prefix(still, dir.c_str()));
  fail_unless(file_starts_and_ends(still, content));
  fail_unless(content.size() > 4);
  fail_unless((guint8)content[0] == 0xFF && (guint8)content[1] == 0xD8, "no JPEG SOI");
  fail_unless((guint8)content[content.size() - 2] == 0xFF && (guint8)content[content.size() - 1] == 0xD9,
              "no JPEG EOI");
  g_free(still);
  ipcam::test::remove_tree(dir);

  g_signal_emit_by_name(src, "start-recording", &ok);
  fail_unless(ok);
  m = ipcam::test::wait_message(rig->pipeline, GST_MESSAGE_ELEMENT, 5, "ipcam-recording");
  fail_unless(m != nullptr);
  gboolean recording = FALSE;
  gst_structure_get_boolean(gst_message_get_structure(m), "recording", &recording);
  fail_unless(recording);
  gst_message_unref(m);
  g_signal_emit_by_name(src, "stop-recording", &ok);
  fail_unless(ok);

  // raw-command: the firmware request answered by 0xA035, as wire bytes.
  g_autoptr(GBytes) empty = g_bytes_new(nullptr, 0);
  GBytes *reply = nullptr;
  g_signal_emit_by_name(src, "raw-command", 0xA034u, empty, &reply);
  fail_unless(reply != nullptr);
  gsize n = 0;
  const auto *b = static_cast<const guint8 *>(g_bytes_get_data(reply, &n));
  fail_unless(n >= 8 && b[0] == 0xAB && b[1] == 0xCD && b[6] == 0xA0 && b[7] == 0x35);
  g_bytes_unref(reply);
}
GST_END_TEST;

GST_START_TEST(test_signals_fail_when_not_connected) {
  Rig rig("fakesink");
  gboolean ok = TRUE;
  gint64 t0 = g_get_monotonic_time();
  g_signal_emit_by_name(rig.src, "take-still", &ok);
  fail_if(ok);
  GStrv files = reinterpret_cast<GStrv>(0x1);
  g_signal_emit_by_name(rig.src, "list-files", &files);
  fail_unless(files == nullptr);
  fail_unless(g_get_monotonic_time() - t0 < G_USEC_PER_SEC, "must fail at once");
  GstMessage *m = ipcam::test::wait_message(rig.pipeline, GST_MESSAGE_ELEMENT, 1, "ipcam-still");
  fail_unless(m != nullptr);
  gboolean success = TRUE;
  gst_structure_get_boolean(gst_message_get_structure(m), "success", &success);
  fail_if(success);
  const GstStructure *s = gst_message_get_structure(m);
  fail_unless(gst_structure_get_string(s, "error") != nullptr);
  // The cause, as an application maps it (not connected, not a timeout):
  // the domain and code as an application outside libipcam reads them.
  constexpr int kNotConnected = 7;  // IPCAM_ERROR_NOT_CONNECTED in ipcam/error.h
  int code = -1;
  fail_unless_equals_string(gst_structure_get_string(s, "error-domain"), "ipcam-error-quark");
  fail_unless(gst_structure_get_int(s, "error-code", &code));
  fail_unless_equals_int(code, kNotConnected);
  gst_message_unref(m);
  // The same for the signal's caller, without the bus: last-error.
  GstStructure *last = nullptr;
  g_object_get(rig.src, "last-error", &last, nullptr);
  fail_unless(last != nullptr);
  fail_unless(gst_structure_has_name(last, "ipcam-files"));  // the most recent failure
  fail_unless(gst_structure_get_int(last, "error-code", &code));
  fail_unless_equals_int(code, kNotConnected);
  gst_structure_free(last);
}
GST_END_TEST;

// Starts the pipeline and expects an ERROR from the RESOURCE domain whose
// text contains `words`, then a prompt stop.
static void expect_error(Rig &rig, GstResourceError code, const char *words) {
  gst_element_set_state(rig.pipeline, GST_STATE_PLAYING);
  GstMessage *m = ipcam::test::wait_error(rig.pipeline, 15);
  fail_unless(m != nullptr, "no error on the bus");
  g_autoptr(GError) e = nullptr;
  gst_message_parse_error(m, &e, nullptr);
  gst_message_unref(m);
  fail_unless(e->domain == GST_RESOURCE_ERROR, "domain %s", g_quark_to_string(e->domain));
  fail_unless_equals_int(e->code, code);
  fail_unless(strstr(e->message, words) != nullptr, "'%s' lacks '%s'", e->message, words);
  fail_unless(ipcam::test::stop_pipeline(rig.pipeline) < 3.0);
}

GST_START_TEST(test_wrong_password) {
  Rig rig("fakesink", {}, "password=wrong");
  expect_error(rig, GST_RESOURCE_ERROR_NOT_AUTHORIZED, "wrong user or password");
}
GST_END_TEST;

GST_START_TEST(test_password_from_environment) {
  // No property, no URI password: IPCAM_PASSWORD, not the default.
  g_setenv("IPCAM_PASSWORD", "s3cret", TRUE);
  Rig rig("fakesink", {"--password", "s3cret"});
  expect_streams(rig);
  g_unsetenv("IPCAM_PASSWORD");
}
GST_END_TEST;

GST_START_TEST(test_password_property_before_environment) {
  g_setenv("IPCAM_PASSWORD", "wrong", TRUE);
  Rig rig("fakesink", {"--password", "s3cret"}, "password=s3cret");
  expect_streams(rig);
  g_unsetenv("IPCAM_PASSWORD");
}
GST_END_TEST;

GST_START_TEST(test_busy_camera) {
  auto first = streaming_rig();
  // A second client on the same camera, as when the phone app is connected.
  g_autofree char *desc = g_strdup_printf(
      "ipcamsrc address=127.0.0.1 preview-port=0 control-port=%u timeout=20000 ! fakesink", first->sim->control_port);
  g_autoptr(GstElement) second = gst_parse_launch(desc, nullptr);
  gint64 t0 = g_get_monotonic_time();
  gst_element_set_state(second, GST_STATE_PLAYING);
  GstMessage *m = ipcam::test::wait_error(second, 15);
  fail_unless(m != nullptr);
  // Said at the camera's reply, not at the 20 s timeout.
  fail_unless(g_get_monotonic_time() - t0 < 10 * G_USEC_PER_SEC, "busy reported only at the timeout");
  g_autoptr(GError) e = nullptr;
  gst_message_parse_error(m, &e, nullptr);
  gst_message_unref(m);
  fail_unless(e->domain == GST_RESOURCE_ERROR);
  fail_unless_equals_int(e->code, GST_RESOURCE_ERROR_BUSY);
  g_autofree char *words = g_strdup_printf("The camera at 127.0.0.1:%u already has a client: close its phone app",
                                           first->sim->control_port);
  fail_unless(strstr(e->message, words) != nullptr, "%s", e->message);
  fail_unless(ipcam::test::stop_pipeline(second) < 3.0);
  // The first client streams on.
  fail_unless(first->sim->process.wait_counter("busy_refused", 1, 5));
}
GST_END_TEST;

GST_START_TEST(test_busy_while_reconnecting) {
  // The camera drops the element; before it is back, the phone app (here a
  // bare libipcam session) takes the camera.
  auto rig = std::make_unique<Rig>("fakesink sync=false", std::vector<std::string>{"--drop-after-frames", "10"},
                                   "reconnect-backoff=2000 reconnect-attempts=2");
  expect_streams(*rig);
  GstMessage *m = ipcam::test::wait_message(rig->pipeline, GST_MESSAGE_WARNING, 10);
  fail_unless(m != nullptr, "the camera did not drop the element");
  gst_message_unref(m);
  ipcam::CameraEndpoint endpoint;
  endpoint.address = "127.0.0.1";
  endpoint.control_port = uint16_t(rig->sim->control_port);
  ipcam::ControlSession phone(ipcam::session_config(endpoint));
  g_autoptr(GError) error = nullptr;
  fail_unless(phone.connect(nullptr, &error), "%s", error ? error->message : "");
  // One WARNING saying why, then the error when the attempts are used up;
  // no attempt before its back-off (2 s, then 4 s).
  m = ipcam::test::wait_message(rig->pipeline, GST_MESSAGE_WARNING, 10);
  fail_unless(m != nullptr, "no WARNING about the busy camera");
  g_autoptr(GError) w = nullptr;
  gst_message_parse_warning(m, &w, nullptr);
  gst_message_unref(m);
  fail_unless_equals_int(w->code, GST_RESOURCE_ERROR_BUSY);
  fail_unless(strstr(w->message, "already has a client: close its phone app") != nullptr, "%s", w->message);
  m = ipcam::test::wait_error(rig->pipeline, 15);
  fail_unless(m != nullptr);
  g_autoptr(GError) e = nullptr;
  gst_message_parse_error(m, &e, nullptr);
  gst_message_unref(m);
  fail_unless(strstr(e->message, "could not reconnect after 2 attempts") && strstr(e->message, "already has a client"),
              "%s", e->message);
  fail_unless_equals_uint64(rig->sim->process.live_counter("busy_refused"), 2);
}
GST_END_TEST;

GST_START_TEST(test_silent_camera) {
  Rig rig("fakesink", {"--silent"}, "timeout=500");
  expect_error(rig, GST_RESOURCE_ERROR_OPEN_READ, "No answer");
}
GST_END_TEST;

GST_START_TEST(test_foreign_device) {
  Rig rig("fakesink", {"--foreign-protocol"}, "timeout=1000");
  expect_error(rig, GST_RESOURCE_ERROR_OPEN_READ, "not an ipcam camera");
}
GST_END_TEST;

GST_START_TEST(test_stop_while_connecting) {
  // A silent camera and a long timeout: NULL must still come back at once.
  Rig rig("fakesink", {"--silent"}, "timeout=60000");
  fail_unless(gst_element_set_state(rig.pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  // Stop only once the camera has the login request: the element is then
  // waiting for a reply that never comes.
  fail_unless(rig.sim->process.wait_counter("bytes_ignored", 1, 10), "no login request reached the camera");
  fail_unless_equals_int(rig.sim->process.live_counter("logins_accepted"), 0);
  fail_unless(ipcam::test::stop_pipeline(rig.pipeline) < 0.5, "PLAYING->NULL hung while connecting");
}
GST_END_TEST;

GST_START_TEST(test_no_camera_found) {
  // Discovery on a port nobody answers: the error says where it looked.
  g_autoptr(GSocket) quiet = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, nullptr);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
  fail_unless(g_socket_bind(quiet, any, FALSE, nullptr));
  g_autoptr(GSocketAddress) bound = g_socket_get_local_address(quiet, nullptr);
  guint port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
  g_autofree char *desc = g_strdup_printf(
      "ipcamsrc address=\"\" preview-port=0 discovery-address=127.255.255.255 discovery-ports=%u timeout=300 ! "
      "fakesink", port);
  g_autoptr(GstElement) p = gst_parse_launch(desc, nullptr);
  gst_element_set_state(p, GST_STATE_PLAYING);
  GstMessage *m = ipcam::test::wait_error(p, 10);
  fail_unless(m != nullptr);
  g_autoptr(GError) e = nullptr;
  gst_message_parse_error(m, &e, nullptr);
  gst_message_unref(m);
  fail_unless_equals_int(e->code, GST_RESOURCE_ERROR_NOT_FOUND);
  g_autofree char *where = g_strdup_printf("127.255.255.255 port");
  fail_unless(strstr(e->message, "No camera found") && strstr(e->message, where), "%s", e->message);
  fail_unless(ipcam::test::stop_pipeline(p) < 3.0);
}
GST_END_TEST;

GST_START_TEST(test_discovery_connects) {
  auto rig = std::make_unique<Rig>("fakesink sync=false", std::vector<std::string>{"--serial", "SIMSERIAL42"});
  fail_unless(!rig->sim->process.discovery_ports().empty());
  g_autofree char *ports = g_strdup_printf("%u", rig->sim->process.discovery_ports()[0]);
  // A long timeout: the element takes the first camera that answers, so it
  // plays long before the timeout would end discovery.
  g_object_set(rig->src, "address", "", "discovery-address", "127.255.255.255", "discovery-ports", ports,
               "timeout", 60000, nullptr);
  gst_element_set_state(rig->pipeline, GST_STATE_PLAYING);
  GstMessage *m = ipcam::test::wait_message(rig->pipeline, GstMessageType(GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR),
                                            20);
  fail_unless(m != nullptr && GST_MESSAGE_TYPE(m) == GST_MESSAGE_ASYNC_DONE);
  gst_message_unref(m);
  gchar *serial = nullptr;
  g_object_get(rig->src, "serial", &serial, nullptr);
  fail_unless_equals_string(serial, "SIMSERIAL42");
  g_free(serial);
}
GST_END_TEST;

GST_START_TEST(test_uri_round_trip) {
  g_autoptr(GError) error = nullptr;
  GstElement *src =
      gst_element_make_from_uri(GST_URI_SRC, "ipcam://bob:s3cret@10.1.2.3:7000?preview-port=7001&latency=250",
                                nullptr, &error);
  fail_unless(src != nullptr, "%s", error ? error->message : "");
  gchar *address = nullptr, *user = nullptr, *password = nullptr;
  guint control = 0, preview = 0, latency = 0;
  g_object_get(src, "address", &address, "user", &user, "password", &password, "control-port", &control,
               "preview-port", &preview, "latency", &latency, nullptr);
  fail_unless_equals_string(address, "10.1.2.3");
  fail_unless_equals_string(user, "bob");
  fail_unless_equals_string(password, "***");  // never read back in clear
  fail_unless_equals_int(control, 7000);
  fail_unless_equals_int(preview, 7001);
  fail_unless_equals_int(latency, 250);
  g_free(address);
  g_free(user);
  g_free(password);
  gchar *uri = gst_uri_handler_get_uri(GST_URI_HANDLER(src));
  fail_unless_equals_string(uri, "ipcam://bob@10.1.2.3:7000?preview-port=7001");
  fail_unless(strstr(uri, "s3cret") == nullptr);
  // What get_uri gives is accepted again.
  fail_unless(gst_uri_handler_set_uri(GST_URI_HANDLER(src), uri, nullptr));
  g_free(uri);
  fail_if(gst_uri_handler_set_uri(GST_URI_HANDLER(src), "ipcam://h?no-such-thing=1", nullptr));
  fail_if(gst_uri_handler_set_uri(GST_URI_HANDLER(src), "http://h/", nullptr));
  gst_object_unref(src);
}
GST_END_TEST;

static Suite *ipcamsrc_control_suite(void) {
  Suite *s = suite_create("ipcamsrc-control");
  TCase *signals = ipcam::test::add_tcase(s, "signals");
  tcase_add_test(signals, test_signals_match_camera);
  tcase_add_test(signals, test_signals_fail_when_not_connected);
  TCase *login = ipcam::test::add_tcase(s, "login");
  tcase_add_test(login, test_wrong_password);
  tcase_add_test(login, test_password_from_environment);
  tcase_add_test(login, test_password_property_before_environment);
  tcase_add_test(login, test_busy_camera);
  tcase_add_test(login, test_busy_while_reconnecting);
  tcase_add_test(login, test_silent_camera);
  tcase_add_test(login, test_foreign_device);
  tcase_add_test(login, test_stop_while_connecting);
  TCase *discovery = ipcam::test::add_tcase(s, "discovery");
  tcase_add_test(discovery, test_no_camera_found);
  tcase_add_test(discovery, test_discovery_connects);
  tcase_add_test(ipcam::test::add_tcase(s, "uri"), test_uri_round_trip);
  return s;
}

GST_CHECK_MAIN(ipcamsrc_control);
