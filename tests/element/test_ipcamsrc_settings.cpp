// ipcamsrc and the camera's own settings against ipcam-sim:
// camera-settings, apply-settings (after every login, at once, refused,
// ignored, for another firmware, unknown names), sync-clock, the phone
// app's action signals and the camera's events.
// The C++ headers come before gstcheck.h (its fail() macro).
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "element_fixture.h"

#include <gst/check/gstcheck.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

using ipcam::test::Rig;

namespace {

// WARNINGs that arrived while play() waited, for wait_warning().
std::vector<GstMessage *> early_warnings;

// PLAYING and the first buffer out: logged in, camera set up (the
// settings' WARNINGs come before it, and are kept).
void play(Rig &rig) {
  gst_element_set_state(rig.pipeline, GST_STATE_PLAYING);
  for (;;) {
    GstMessage *m = ipcam::test::wait_message(
        rig.pipeline, GstMessageType(GST_MESSAGE_ASYNC_DONE | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING), 20);
    fail_unless(m != nullptr && GST_MESSAGE_TYPE(m) != GST_MESSAGE_ERROR, "pipeline did not start");
    if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_WARNING) {
      early_warnings.push_back(m);
      continue;
    }
    gst_message_unref(m);
    return;
  }
}

// A rig that does not touch the camera's clock unless a test asks.
std::unique_ptr<Rig> rig_with(const std::vector<std::string> &sim_args = {}, const char *props = "sync-clock=false") {
  return std::make_unique<Rig>("fakesink sync=false", sim_args, props);
}

// IPCAM_HOST_CLOCK for one test, then as it was (the suite sets it).
class HostClock {
 public:
  explicit HostClock(const char *state) : old_(g_getenv("IPCAM_HOST_CLOCK") ? g_getenv("IPCAM_HOST_CLOCK") : "") {
    g_setenv("IPCAM_HOST_CLOCK", state, TRUE);
  }
  ~HostClock() {
    if (old_.empty())
      g_unsetenv("IPCAM_HOST_CLOCK");
    else
      g_setenv("IPCAM_HOST_CLOCK", old_.c_str(), TRUE);
  }

 private:
  std::string old_;
};

int camera_setting(GstElement *src, const char *name) {
  GstStructure *s = nullptr;
  g_object_get(src, "camera-settings", &s, nullptr);
  fail_unless(s != nullptr, "no camera-settings");
  int v = -1;
  fail_unless(gst_structure_get_int(s, name, &v), "camera-settings lacks %s", name);
  gst_structure_free(s);
  return v;
}

// A setting as the emulated camera holds it: its configuration file in
// the store (docs/ipcam-sim.md), which it writes before it answers a set.
// What the camera has, not what the element believes.
int sim_setting(const Rig &rig, const char *name) {
  g_autofree char *path = g_build_filename(rig.sim->process.store().c_str(), ".ipcam-sim-configuration", nullptr);
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) error = nullptr;
  fail_unless(g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error), "%s", error ? error->message : "");
  int v = g_key_file_get_integer(kf, "settings", name, &error);
  fail_unless(error == nullptr, "%s", error ? error->message : "");
  return v;
}

// The next WARNING whose text holds `words` (others are skipped), or
// fails the test; its details structure, when `details`, is copied out.
std::string wait_warning(GstElement *pipeline, const char *words, double seconds, GstStructure **details = nullptr) {
  gint64 deadline = g_get_monotonic_time() + gint64(seconds * G_USEC_PER_SEC);
  for (;;) {
    double left = double(deadline - g_get_monotonic_time()) / G_USEC_PER_SEC;
    GstMessage *m = nullptr;
    if (!early_warnings.empty()) {
      m = early_warnings.front();
      early_warnings.erase(early_warnings.begin());
    } else if (left > 0) {
      m = ipcam::test::wait_message(pipeline, GST_MESSAGE_WARNING, left);
    }
    fail_unless(m != nullptr, "no WARNING with \"%s\"", words);
    g_autoptr(GError) e = nullptr;
    gst_message_parse_warning(m, &e, nullptr);
    std::string text = e->message;
    if (text.find(words) != std::string::npos) {
      const GstStructure *d = nullptr;
      gst_message_parse_warning_details(m, &d);
      if (details) *details = d ? gst_structure_copy(d) : nullptr;
      gst_message_unref(m);
      return text;
    }
    gst_message_unref(m);
  }
}

// No WARNING with `words` among those already on the bus.
void expect_no_warning(GstElement *pipeline, const char *words) {
  for (GstMessage *m : early_warnings) {
    g_autoptr(GError) e = nullptr;
    gst_message_parse_warning(m, &e, nullptr);
    fail_if(strstr(e->message, words) != nullptr, "unexpected WARNING: %s", e->message);
  }
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  while (GstMessage *m = gst_bus_pop_filtered(bus, GST_MESSAGE_WARNING)) {
    g_autoptr(GError) e = nullptr;
    gst_message_parse_warning(m, &e, nullptr);
    gst_message_unref(m);
    fail_if(strstr(e->message, words) != nullptr, "unexpected WARNING: %s", e->message);
  }
}

// An HTTP request to the emulator's own paths (/ipcam-sim/...): its
// status, and its body in `body`.
guint sim_request(const Rig &rig, const char *method, const char *path, std::string &body) {
  g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", 5, "proxy-resolver", nullptr, nullptr);
  g_autofree char *url = g_strdup_printf("http://127.0.0.1:%u%s", rig.sim->http_port, path);
  g_autoptr(SoupMessage) msg = soup_message_new(method, url);
  g_autoptr(GBytes) bytes = soup_session_send_and_read(session, msg, nullptr, nullptr);
  fail_unless(bytes != nullptr, "%s %s failed", method, path);
  gsize n = 0;
  const char *data = static_cast<const char *>(g_bytes_get_data(bytes, &n));
  body.assign(data, n);
  return soup_message_get_status(msg);
}

// The same, which must answer 200 (or 202: done, the event follows).
std::string sim_http(const Rig &rig, const char *method, const char *path) {
  std::string body;
  guint status = sim_request(rig, method, path, body);
  fail_unless(status == SOUP_STATUS_OK || status == SOUP_STATUS_ACCEPTED, "%s %s: %u %s", method, path, status,
              body.c_str());
  return body;
}

void expect_camera_event(const std::string &event, const char *expected) {
  fail_unless(event == expected, "camera event %s, expected %s", event.c_str(), expected);
}

// The next ipcam-camera-event: its `event`, and its `file` in `file`.
std::string next_camera_event(const Rig &rig, std::string *file = nullptr) {
  GstMessage *m = ipcam::test::wait_message(rig.pipeline, GST_MESSAGE_ELEMENT, 10, "ipcam-camera-event");
  fail_unless(m != nullptr, "no ipcam-camera-event");
  const GstStructure *s = gst_message_get_structure(m);
  std::string event = gst_structure_get_string(s, "event");
  if (file) *file = gst_structure_get_string(s, "file") ? gst_structure_get_string(s, "file") : "";
  gst_message_unref(m);
  return event;
}

// The emulator's statistics text `name` (in its stats' top level or one of
// their objects), e.g. the camera's clock.
std::string sim_stat_text(const Rig &rig, const char *name) {
  const std::string json = sim_http(rig, SOUP_METHOD_GET, "/ipcam-sim/stats");
  g_autoptr(JsonParser) parser = json_parser_new();
  fail_unless(json_parser_load_from_data(parser, json.c_str(), gssize(json.size()), nullptr));
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  fail_unless(root != nullptr);
  if (json_object_has_member(root, name)) return json_object_get_string_member(root, name);
  g_autoptr(GList) members = json_object_get_members(root);
  for (GList *m = members; m; m = m->next) {
    JsonNode *node = json_object_get_member(root, static_cast<const char *>(m->data));
    if (JSON_NODE_HOLDS_OBJECT(node) && json_object_has_member(json_node_get_object(node), name))
      return json_object_get_string_member(json_node_get_object(node), name);
  }
  fail("the emulator's stats lack %s: %s", name, json.c_str());
  return "";
}

}  // namespace

GST_START_TEST(test_camera_settings_hold_the_block) {
  auto rig = rig_with();
  guint notified = 0;
  g_signal_connect(rig->src, "notify::camera-settings", G_CALLBACK(+[](GObject *, GParamSpec *, gpointer n) {
                     ++*static_cast<guint *>(n);
                   }),
                   &notified);
  GstStructure *before = nullptr;
  g_object_get(rig->src, "camera-settings", &before, nullptr);
  fail_unless(before == nullptr, "camera-settings before the first login");
  play(*rig);
  fail_unless(notified >= 1, "camera-settings was not notified");
  // The emulator's block: the ACT76 capture's values (docs/protocol.md).
  const std::pair<const char *, int> act76[] = {
      {"video-quality", 1}, {"loop-length", 0},   {"time-lapse", 0},      {"slow-motion-size", 1},
      {"record-sound", 1},  {"photo-quality", 4}, {"self-timer", 0},      {"auto-photo", 0},
      {"motion-photo", 0},  {"exposure", 3},      {"white-balance", 0},   {"rotation", 0},
      {"flicker", 0},       {"led", 1},           {"screen-sleep", 1},    {"recording", 0},
      {"slow-motion-recording", 0}, {"language", 8}, {"watermark", 0},    {"model", 0}};
  GstStructure *s = nullptr;
  g_object_get(rig->src, "camera-settings", &s, nullptr);
  fail_unless(s != nullptr);
  fail_unless_equals_int(gst_structure_n_fields(s), 21);
  for (const auto &[name, value] : act76) {
    int v = -1;
    fail_unless(gst_structure_get_int(s, name, &v), "no %s", name);
    fail_unless_equals_int(v, value);
  }
  fail_unless_equals_string(gst_structure_get_string(s, "firmware"), "v1.0 rc5");
  gst_structure_free(s);
}
GST_END_TEST;

GST_START_TEST(test_apply_settings_after_every_login) {
  auto rig = rig_with();
  g_object_set(rig->src, "reconnect-backoff", 50, nullptr);
  GstStructure *apply = gst_structure_from_string("s, exposure=2, led=0", nullptr);
  g_object_set(rig->src, "apply-settings", apply, nullptr);
  gst_structure_free(apply);
  play(*rig);
  fail_unless_equals_int(camera_setting(rig->src, "exposure"), 2);
  fail_unless_equals_int(camera_setting(rig->src, "led"), 0);
  fail_unless_equals_int(sim_setting(*rig, "exposure"), 2);
  fail_unless_equals_int(sim_setting(*rig, "led"), 0);

  // The camera restarts with its defaults (a new emulator, a fresh card, on
  // the same ports): the element logs in again and gives them again.
  const guint control = rig->sim->control_port, http = rig->sim->http_port;
  guint preview = 0;
  g_object_get(rig->src, "preview-port", &preview, nullptr);
  delete rig->sim;
  rig->sim = new ipcam::test::Sim(preview, {"--control-port", std::to_string(control), "--http-port",
                                            std::to_string(http)});
  GstMessage *m = ipcam::test::wait_message(rig->pipeline, GST_MESSAGE_ELEMENT, 20, "ipcam-reconnected");
  fail_unless(m != nullptr, "no reconnect to the restarted camera");
  gst_message_unref(m);
  fail_unless_equals_int(sim_setting(*rig, "exposure"), 2);
  fail_unless_equals_int(sim_setting(*rig, "led"), 0);
  fail_unless_equals_int(camera_setting(rig->src, "exposure"), 2);
}
GST_END_TEST;

GST_START_TEST(test_apply_settings_at_once) {
  auto rig = rig_with();
  play(*rig);
  fail_unless_equals_int(camera_setting(rig->src, "led"), 1);
  // While connected it applies before g_object_set returns.
  GstStructure *apply = gst_structure_from_string("s, led=0", nullptr);
  g_object_set(rig->src, "apply-settings", apply, nullptr);
  gst_structure_free(apply);
  fail_unless_equals_int(camera_setting(rig->src, "led"), 0);
  fail_unless_equals_int(sim_setting(*rig, "led"), 0);
  expect_no_warning(rig->pipeline, "led");
}
GST_END_TEST;

GST_START_TEST(test_refused_setting_warns) {
  // An index past the menu's end: the emulator answers a non-zero result.
  auto rig = rig_with();
  play(*rig);
  GstStructure *apply = gst_structure_from_string("s, exposure=99", nullptr);
  g_object_set(rig->src, "apply-settings", apply, nullptr);
  gst_structure_free(apply);
  GstStructure *details = nullptr;
  std::string text = wait_warning(rig->pipeline, "exposure=99", 5, &details);
  fail_unless(text.find("refused") != std::string::npos, "%s", text.c_str());
  fail_unless(details != nullptr);
  fail_unless_equals_string(gst_structure_get_string(details, "setting"), "exposure");
  fail_unless_equals_string(gst_structure_get_string(details, "outcome"), "refused");
  int result = 0;
  fail_unless(gst_structure_get_int(details, "result", &result) && result != 0);
  gst_structure_free(details);
  fail_unless_equals_int(sim_setting(*rig, "exposure"), 3);
}
GST_END_TEST;

GST_START_TEST(test_ignored_setting_warns) {
  auto rig = rig_with({"--past-menu", "ignore"});
  GstStructure *apply = gst_structure_from_string("s, exposure=99", nullptr);
  g_object_set(rig->src, "apply-settings", apply, nullptr);
  gst_structure_free(apply);
  play(*rig);
  std::string text = wait_warning(rig->pipeline, "exposure=99", 5);
  fail_unless(text.find("ignored") != std::string::npos && text.find("still reads 3") != std::string::npos, "%s",
              text.c_str());
}
GST_END_TEST;

GST_START_TEST(test_other_firmware_skipped) {
  auto rig = rig_with();
  GstStructure *apply = gst_structure_from_string("s, exposure=2, firmware=\"v2.0 other\"", nullptr);
  g_object_set(rig->src, "apply-settings", apply, nullptr);
  gst_structure_free(apply);
  play(*rig);
  std::string text = wait_warning(rig->pipeline, "apply-settings skipped", 5);
  fail_unless(text.find("\"v2.0 other\"") != std::string::npos && text.find("\"v1.0 rc5\"") != std::string::npos,
              "%s", text.c_str());
  fail_unless_equals_int(sim_setting(*rig, "exposure"), 3);
  // Made for this camera's firmware: applied.
  apply = gst_structure_from_string("s, exposure=2, firmware=\"v1.0 rc5\"", nullptr);
  g_object_set(rig->src, "apply-settings", apply, nullptr);
  gst_structure_free(apply);
  fail_unless_equals_int(sim_setting(*rig, "exposure"), 2);
}
GST_END_TEST;

GST_START_TEST(test_unknown_setting_keeps_old_value) {
  auto rig = rig_with();
  GstStructure *good = gst_structure_from_string("s, led=0", nullptr);
  g_object_set(rig->src, "apply-settings", good, nullptr);
  const char *bad[] = {"s, nosuch=1", "s, recording=1", "s, led=\"on\""};
  const char *why[] = {"unknown setting \"nosuch\"", "\"recording\" is read-only", "led must be an integer"};
  for (int i = 0; i < 3; i++) {
    GstStructure *s = gst_structure_from_string(bad[i], nullptr);
    g_object_set(rig->src, "apply-settings", s, nullptr);
    gst_structure_free(s);
    std::string text = wait_warning(rig->pipeline, why[i], 2);
    fail_unless(text.find("apply-settings not changed") != std::string::npos, "%s", text.c_str());
    GstStructure *now = nullptr;
    g_object_get(rig->src, "apply-settings", &now, nullptr);
    fail_unless(now && gst_structure_is_equal(now, good), "the old value did not stay");
    gst_structure_free(now);
  }
  gst_structure_free(good);
}
GST_END_TEST;

GST_START_TEST(test_sync_clock_when_synchronised) {
  HostClock host("synchronised");
  auto rig = rig_with({}, "");
  g_autoptr(GDateTime) before = g_date_time_new_now_local();
  play(*rig);
  // The emulator's clock now reads the host's time (to the minute: the
  // test and the emulator read the same clock a moment apart).
  std::string clock = sim_stat_text(*rig, "clock");
  g_autofree char *minute = g_date_time_format(before, "%Y-%m-%dT%H:%M");
  g_autoptr(GDateTime) next_minute = g_date_time_add_minutes(before, 1);
  g_autofree char *minute_after = g_date_time_format(next_minute, "%Y-%m-%dT%H:%M");
  fail_unless(g_str_has_prefix(clock.c_str(), minute) || g_str_has_prefix(clock.c_str(), minute_after),
              "camera clock %s, host %s", clock.c_str(), minute);
  fail_unless_equals_uint64(rig->sim->process.live_counter("clock_sets"), 1);
  expect_no_warning(rig->pipeline, "clock");
}
GST_END_TEST;

GST_START_TEST(test_sync_clock_skipped_when_unsynchronised) {
  HostClock host("unsynchronised");
  auto rig = rig_with({}, "");
  play(*rig);
  std::string text = wait_warning(rig->pipeline, "Not setting the camera's clock", 5);
  fail_unless(text.find("sync-clock") != std::string::npos, "%s", text.c_str());
  fail_unless_equals_uint64(rig->sim->process.live_counter("clock_sets"), 0);
}
GST_END_TEST;

GST_START_TEST(test_set_setting_signal) {
  auto rig = rig_with();
  play(*rig);
  GstElement *src = rig->src;

  // set-setting: taken (and camera-settings follows), then refused.
  gboolean ok = FALSE;
  g_signal_emit_by_name(src, "set-setting", "exposure", 1, &ok);
  fail_unless(ok);
  fail_unless_equals_int(camera_setting(src, "exposure"), 1);
  fail_unless_equals_int(sim_setting(*rig, "exposure"), 1);
  GstMessage *m = ipcam::test::wait_message(rig->pipeline, GST_MESSAGE_ELEMENT, 5, "ipcam-setting");
  fail_unless(m != nullptr);
  fail_unless_equals_string(gst_structure_get_string(gst_message_get_structure(m), "outcome"), "taken");
  gst_message_unref(m);
  g_signal_emit_by_name(src, "set-setting", "exposure", 99, &ok);
  fail_if(ok);
  GstStructure *last = nullptr;
  g_object_get(src, "last-error", &last, nullptr);
  fail_unless(last && gst_structure_has_name(last, "ipcam-setting"));
  fail_unless_equals_string(gst_structure_get_string(last, "outcome"), "refused");
  fail_unless(strstr(gst_structure_get_string(last, "error"), "refused exposure=99") != nullptr);
  gst_structure_free(last);
  g_signal_emit_by_name(src, "set-setting", "no-such-setting", 1, &ok);
  fail_if(ok);
}
GST_END_TEST;

GST_START_TEST(test_card_signals) {
  auto rig = rig_with({"--card-size", "1000000000"});
  play(*rig);
  GstElement *src = rig->src;
  gboolean ok = FALSE;

  // get-storage: the card's size, less what it holds.
  GstStructure *storage = nullptr;
  g_signal_emit_by_name(src, "get-storage", &storage);
  fail_unless(storage != nullptr);
  guint64 remaining = 0, total = 0;
  fail_unless(gst_structure_get_uint64(storage, "remaining", &remaining));
  fail_unless(gst_structure_get_uint64(storage, "total", &total));
  fail_unless_equals_uint64(total, 1000000000);
  fail_unless(remaining < total, "the sample files take no room");
  gst_structure_free(storage);

  // delete-file: gone from the list; a path that is not there fails.
  GStrv files = nullptr;
  g_signal_emit_by_name(src, "list-files", &files);
  fail_unless(files && files[0]);
  const guint count = g_strv_length(files);
  std::string victim(files[0]);
  victim = victim.substr(0, victim.rfind('\t'));
  g_strfreev(files);
  g_signal_emit_by_name(src, "delete-file", victim.c_str(), &ok);
  fail_unless(ok);
  g_signal_emit_by_name(src, "list-files", &files);
  fail_unless_equals_int(g_strv_length(files), count - 1);
  for (GStrv f = files; *f; f++) fail_if(g_str_has_prefix(*f, (victim + "\t").c_str()));
  g_strfreev(files);
  g_signal_emit_by_name(src, "delete-file", victim.c_str(), &ok);
  fail_if(ok);
  GstMessage *m = nullptr;
  gboolean success = TRUE;
  while ((m = ipcam::test::wait_message(rig->pipeline, GST_MESSAGE_ELEMENT, 5, "ipcam-delete")) &&
         gst_structure_get_boolean(gst_message_get_structure(m), "success", &success) && success)
    gst_message_unref(m);
  fail_unless(m != nullptr, "no failed ipcam-delete message");
  fail_unless_equals_string(gst_structure_get_string(gst_message_get_structure(m), "path"), victim.c_str());
  gst_message_unref(m);

  // format-storage: an empty card, all of it free.
  g_signal_emit_by_name(src, "format-storage", &ok);
  fail_unless(ok);
  g_signal_emit_by_name(src, "list-files", &files);
  fail_unless(files != nullptr);
  fail_unless_equals_int(g_strv_length(files), 0);
  g_strfreev(files);
  g_signal_emit_by_name(src, "get-storage", &storage);
  fail_unless(gst_structure_get_uint64(storage, "remaining", &remaining));
  fail_unless_equals_uint64(remaining, 1000000000);
  gst_structure_free(storage);

  // set-clock: asked for, so sent whatever the host's clock says.
  {
    HostClock host("unsynchronised");
    g_signal_emit_by_name(src, "set-clock", &ok);
  }
  fail_unless(ok);
  fail_unless(rig->sim->process.wait_counter("clock_sets", 1, 5));
}
GST_END_TEST;

GST_START_TEST(test_phone_signals_fail_when_not_connected) {
  Rig rig("fakesink");
  gboolean ok = TRUE;
  g_signal_emit_by_name(rig.src, "format-storage", &ok);
  fail_if(ok);
  GstStructure *storage = reinterpret_cast<GstStructure *>(0x1);
  g_signal_emit_by_name(rig.src, "get-storage", &storage);
  fail_unless(storage == nullptr);
  GstMessage *m = ipcam::test::wait_message(rig.pipeline, GST_MESSAGE_ELEMENT, 1, "ipcam-format");
  fail_unless(m != nullptr);
  fail_unless(strstr(gst_structure_get_string(gst_message_get_structure(m), "error"), "not connected") != nullptr);
  gst_message_unref(m);
}
GST_END_TEST;

GST_START_TEST(test_card_events) {
  auto rig = rig_with();
  play(*rig);
  // What a person does to the camera (docs/ipcam-sim.md): the card
  // pulled out and put back.
  sim_http(*rig, SOUP_METHOD_POST, "/ipcam-sim/card-out");
  expect_camera_event(next_camera_event(*rig), "card-removed");
  sim_http(*rig, SOUP_METHOD_POST, "/ipcam-sim/card-in");
  expect_camera_event(next_camera_event(*rig), "card-inserted");

  // Motion in front of a camera set to take a photo on motion.
  gboolean ok = FALSE;
  g_signal_emit_by_name(rig->src, "set-setting", "motion-photo", 1, &ok);
  fail_unless(ok);
  sim_http(*rig, SOUP_METHOD_POST, "/ipcam-sim/motion");
  std::string file;
  expect_camera_event(next_camera_event(*rig, &file), "motion-photo");
  fail_unless(file.empty(), "motion-photo carries no file");

  // An emergency file, cut from a recording once it holds a keyframe (the
  // emulator says 409 until then).
  g_signal_emit_by_name(rig->src, "start-recording", &ok);
  fail_unless(ok);
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  std::string body;
  while (sim_request(*rig, SOUP_METHOD_POST, "/ipcam-sim/emergency", body) == SOUP_STATUS_CONFLICT) {
    fail_unless(g_get_monotonic_time() < deadline, "no emergency file: %s", body.c_str());
    g_usleep(50 * 1000);
  }
  expect_camera_event(next_camera_event(*rig, &file), "emergency-file");
  fail_unless(g_str_has_prefix(file.c_str(), "/mnt/sdcard/DCIM/") && g_str_has_suffix(file.c_str(), ".MP4"), "%s",
              file.c_str());
  fail_unless(body.find(file) != std::string::npos, "the emulator wrote %s", body.c_str());
}
GST_END_TEST;

GST_START_TEST(test_card_full_event) {
  // A card with room for a moment of recording beside the sample files.
  auto rig = rig_with({"--card-size", "520000"});
  play(*rig);
  gboolean ok = FALSE;
  g_signal_emit_by_name(rig->src, "start-recording", &ok);
  fail_unless(ok);
  expect_camera_event(next_camera_event(*rig), "card-full");
}
GST_END_TEST;

static Suite *ipcamsrc_settings_suite(void) {
  Suite *s = suite_create("ipcamsrc-settings");
  TCase *settings = ipcam::test::add_tcase(s, "settings");
  tcase_add_test(settings, test_camera_settings_hold_the_block);
  tcase_add_test(settings, test_apply_settings_after_every_login);
  tcase_add_test(settings, test_apply_settings_at_once);
  tcase_add_test(settings, test_refused_setting_warns);
  tcase_add_test(settings, test_ignored_setting_warns);
  tcase_add_test(settings, test_other_firmware_skipped);
  tcase_add_test(settings, test_unknown_setting_keeps_old_value);
  TCase *clock = ipcam::test::add_tcase(s, "clock");
  tcase_add_test(clock, test_sync_clock_when_synchronised);
  tcase_add_test(clock, test_sync_clock_skipped_when_unsynchronised);
  TCase *signals = ipcam::test::add_tcase(s, "signals");
  tcase_add_test(signals, test_set_setting_signal);
  tcase_add_test(signals, test_card_signals);
  tcase_add_test(signals, test_phone_signals_fail_when_not_connected);
  tcase_add_test(signals, test_card_events);
  tcase_add_test(signals, test_card_full_event);
  return s;
}

GST_CHECK_MAIN(ipcamsrc_settings);
