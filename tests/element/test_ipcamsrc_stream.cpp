// ipcamsrc against ipcam-sim: what comes out of the source pad (caps,
// access units, flags, timestamps), decoding, and recovery from faults.
// The C++ headers come before gstcheck.h, whose fail() macro clashes
// with std::basic_ios::fail().
#include <cstdlib>
#include <memory>

#include "element_fixture.h"

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>

using ipcam::test::Rig;
using ipcam::test::Sim;

namespace {

// A harness around ipcamsrc with its preview socket bound and the emulator
// started for it, running on the system clock.
struct SrcHarness {
  GstHarness *h = nullptr;
  std::unique_ptr<Sim> sim;

  // `props`: name/value pairs for ipcamsrc.
  explicit SrcHarness(const std::vector<std::string> &sim_args,
                      const std::vector<std::pair<const char *, const char *>> &props = {}) {
    h = gst_harness_new("ipcamsrc");
    g_object_set(h->element, "address", "127.0.0.1", "preview-port", 0u, "timeout", 2000u, nullptr);
    for (const auto &[name, value] : props) gst_util_set_object_arg(G_OBJECT(h->element), name, value);
    gst_harness_use_systemclock(h);
    fail_unless_equals_int(gst_element_set_state(h->element, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    guint port = 0;
    g_object_get(h->element, "preview-port", &port, nullptr);
    fail_unless(port != 0);
    sim = std::make_unique<Sim>(port, sim_args);
    g_object_set(h->element, "control-port", sim->control_port, "http-port", sim->http_port, nullptr);
    gst_harness_play(h);
  }
  ~SrcHarness() {
    gst_harness_teardown(h);
  }
};

guint64 camera_meta_ms(GstBuffer *buf) {
  static GstCaps *caps = gst_caps_from_string("timestamp/x-ipcam-camera-clock");
  GstReferenceTimestampMeta *meta = gst_buffer_get_reference_timestamp_meta(buf, caps);
  fail_unless(meta != nullptr, "no camera clock reference meta");
  return meta->timestamp / GST_MSECOND;
}

}  // namespace

GST_START_TEST(test_caps_access_units_and_flags) {
  SrcHarness sh({});
  GstClockTime last_pts = GST_CLOCK_TIME_NONE;
  guint64 last_cam = 0;
  int keyframes = 0;
  for (int i = 0; i < 45; i++) {
    GstBuffer *buf = gst_harness_pull(sh.h);
    fail_unless(buf != nullptr);
    if (i == 0) {
      g_autoptr(GstCaps) caps = gst_pad_get_current_caps(sh.h->sinkpad);
      g_autoptr(GstCaps) want = gst_caps_from_string(
          "video/x-h264, stream-format=byte-stream, alignment=au, width=640, height=360");
      fail_unless(gst_caps_is_subset(caps, want), "caps %" GST_PTR_FORMAT, static_cast<void *>(caps));
      fail_unless(GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DISCONT));
    }
    GstMapInfo map;
    fail_unless(gst_buffer_map(buf, &map, GST_MAP_READ));
    // A whole access unit: starts with a start code, keyframes hold an IDR.
    fail_unless(map.size > 4 && map.data[0] == 0 && map.data[1] == 0 &&
                (map.data[2] == 1 || (map.data[2] == 0 && map.data[3] == 1)));
    bool idr = ipcam::test::has_idr(map.data, map.size);
    gst_buffer_unmap(buf, &map);
    if (i == 0) fail_unless(idr, "the stream must start at a keyframe");
    fail_unless_equals_int(GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT), !idr);
    keyframes += idr;

    // PTS strictly increasing, spaced as the camera clock says.
    fail_unless(GST_BUFFER_PTS_IS_VALID(buf));
    guint64 cam = camera_meta_ms(buf);
    if (GST_CLOCK_TIME_IS_VALID(last_pts)) {
      fail_unless(GST_BUFFER_PTS(buf) > last_pts);
      gint64 pts_delta = gint64(GST_BUFFER_PTS(buf) - last_pts);
      gint64 cam_delta = gint64(cam - last_cam) * GST_MSECOND;
      fail_unless(std::llabs(pts_delta - cam_delta) <= GST_MSECOND, "pts delta %" G_GINT64_FORMAT
                  " vs camera %" G_GINT64_FORMAT, pts_delta, cam_delta);
      fail_unless(cam_delta > 20 * GST_MSECOND && cam_delta < 50 * GST_MSECOND, "30 fps spacing");
    }
    last_pts = GST_BUFFER_PTS(buf);
    last_cam = cam;
    gst_buffer_unref(buf);
  }
  fail_unless(keyframes >= 2, "keyframe every 30 frames: saw %d in 45", keyframes);

  GstStructure *stats = nullptr;
  g_object_get(sh.h->element, "stats", &stats, nullptr);
  guint64 frames = 0, datagrams = 0;
  fail_unless(gst_structure_has_name(stats, "ipcam-stats"));
  fail_unless(gst_structure_get_uint64(stats, "frames", &frames));
  fail_unless(gst_structure_get_uint64(stats, "datagrams", &datagrams));
  fail_unless(frames >= 45 && datagrams > frames);
  gst_structure_free(stats);
}
GST_END_TEST;

GST_START_TEST(test_tagged_frames_timestamps) {
  SrcHarness sh({"--tag-frames"});
  guint32 first_tag_ms = 0, last_frame = 0;
  GstClockTime first_pts = 0;
  for (int i = 0; i < 40; i++) {
    GstBuffer *buf = gst_harness_pull(sh.h);
    GstMapInfo map;
    fail_unless(gst_buffer_map(buf, &map, GST_MAP_READ));
    guint32 frame = 0, tag_ms = 0;
    fail_unless(ipcam::test::find_frame_tag(map.data, map.size, &frame, &tag_ms), "buffer %d has no tag", i);
    gst_buffer_unmap(buf, &map);
    // The reference meta carries exactly the camera time of this frame.
    fail_unless_equals_uint64(camera_meta_ms(buf) & 0xFFFFFFFFu, tag_ms);
    if (i == 0) {
      first_tag_ms = tag_ms;
      first_pts = GST_BUFFER_PTS(buf);
    } else {
      fail_unless_equals_int(frame, last_frame + 1);  // no loss on loopback
      gint64 pts_delta = gint64(GST_BUFFER_PTS(buf) - first_pts);
      gint64 cam_delta = gint64(guint32(tag_ms - first_tag_ms)) * GST_MSECOND;
      fail_unless(std::llabs(pts_delta - cam_delta) <= 2 * GST_MSECOND,
                  "frame %u: pts +%" G_GINT64_FORMAT " camera +%" G_GINT64_FORMAT, frame, pts_delta, cam_delta);
    }
    last_frame = frame;
    gst_buffer_unref(buf);
  }
}
GST_END_TEST;

GST_START_TEST(test_latency_query) {
  SrcHarness sh({}, {{"latency", "150"}});
  GstBuffer *buf = gst_harness_pull(sh.h);
  gst_buffer_unref(buf);
  g_autoptr(GstQuery) q = gst_query_new_latency();
  fail_unless(gst_element_query(sh.h->element, q));
  gboolean live = FALSE;
  GstClockTime min = 0, max = 0;
  gst_query_parse_latency(q, &live, &min, &max);
  fail_unless(live);
  fail_unless_equals_uint64(min, 150 * GST_MSECOND);
  fail_unless(max >= min);
}
GST_END_TEST;

namespace {

struct RunResult {
  int frames = 0;
  int disconts = 0;
  int width = 0, height = 0;
  bool error = false;
  std::string error_text;
  int warnings = 0;
};

GstPadProbeReturn count_discont(GstPad *, GstPadProbeInfo *info, gpointer data) {
  if (GST_BUFFER_FLAG_IS_SET(GST_PAD_PROBE_INFO_BUFFER(info), GST_BUFFER_FLAG_DISCONT))
    g_atomic_int_inc(static_cast<int *>(data));
  return GST_PAD_PROBE_OK;
}

// Decodes `frames` frames (or gives up after `seconds`) through
// ipcamsrc ! h264parse ! avdec_h264 ! appsink, counting DISCONT buffers.
RunResult decode_run(const std::vector<std::string> &sim_args, int frames, double seconds, const char *props = "") {
  Rig rig("h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=RGB ! appsink name=sink sync=false", sim_args,
          props);
  RunResult r;
  int disconts = 0;
  g_autoptr(GstPad) pad = gst_element_get_static_pad(rig.src, "src");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, count_discont, &disconts, nullptr);
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(rig.pipeline), "sink");
  gst_element_set_state(rig.pipeline, GST_STATE_PLAYING);
  g_autoptr(GstBus) bus = gst_element_get_bus(rig.pipeline);
  gint64 deadline = g_get_monotonic_time() + gint64(seconds * G_USEC_PER_SEC);
  while (r.frames < frames && g_get_monotonic_time() < deadline) {
    GstSample *s = nullptr;
    g_signal_emit_by_name(sink, "try-pull-sample", GstClockTime(100 * GST_MSECOND), &s);
    if (s) {
      GstStructure *st = gst_caps_get_structure(gst_sample_get_caps(s), 0);
      gst_structure_get_int(st, "width", &r.width);
      gst_structure_get_int(st, "height", &r.height);
      r.frames++;
      gst_sample_unref(s);
    }
    while (GstMessage *m = gst_bus_pop_filtered(bus, GstMessageType(GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))) {
      g_autoptr(GError) e = nullptr;
      if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR) {
        gst_message_parse_error(m, &e, nullptr);
        r.error = true;
        r.error_text = e->message;
      } else {
        r.warnings++;
      }
      gst_message_unref(m);
    }
    if (r.error) break;
  }
  r.disconts = g_atomic_int_get(&disconts);
  return r;
}

}  // namespace

GST_START_TEST(test_decoded_frames) {
  RunResult r = decode_run({}, 30, 20);
  fail_if(r.error, "error: %s", r.error_text.c_str());
  fail_unless_equals_int(r.frames, 30);
  fail_unless_equals_int(r.width, 640);
  fail_unless_equals_int(r.height, 360);
  fail_unless_equals_int(r.disconts, 1);  // only the first buffer
}
GST_END_TEST;

// Each fault: frames keep coming, a DISCONT marks the damage, the decoder
// never errors.
static void check_fault_recovery(const std::vector<std::string> &fault) {
  std::vector<std::string> args = {"--seed", "7"};
  args.insert(args.end(), fault.begin(), fault.end());
  RunResult r = decode_run(args, 75, 30);
  fail_if(r.error, "error: %s", r.error_text.c_str());
  fail_unless_equals_int(r.frames, 75);
  fail_unless(r.disconts >= 2, "only %d DISCONT buffers", r.disconts);
}

GST_START_TEST(test_fault_loss) { check_fault_recovery({"--loss", "0.01"}); }
GST_END_TEST;

// Reordered datagrams are put back in order (the reorder window): every
// frame decodes and nothing is marked DISCONT but the first buffer.
GST_START_TEST(test_fault_reorder) {
  RunResult r = decode_run({"--seed", "7", "--reorder", "0.02"}, 75, 30);
  fail_if(r.error, "error: %s", r.error_text.c_str());
  fail_unless_equals_int(r.frames, 75);
  fail_unless_equals_int(r.disconts, 1);
}
GST_END_TEST;

GST_START_TEST(test_fault_truncate) { check_fault_recovery({"--truncate", "0.01"}); }
GST_END_TEST;

GST_START_TEST(test_reconnect_after_drop) {
  RunResult r = decode_run({"--drop-after-frames", "20"}, 60, 30, "reconnect-attempts=5");
  fail_if(r.error, "error: %s", r.error_text.c_str());
  fail_unless_equals_int(r.frames, 60);
  fail_unless(r.warnings >= 1, "the drop must be reported as a warning");
  fail_unless(r.disconts >= 2, "resume must be DISCONT");
}
GST_END_TEST;

static Suite *ipcamsrc_stream_suite(void) {
  Suite *s = suite_create("ipcamsrc-stream");
  TCase *stream = ipcam::test::add_tcase(s, "stream");
  tcase_add_test(stream, test_caps_access_units_and_flags);
  tcase_add_test(stream, test_tagged_frames_timestamps);
  tcase_add_test(stream, test_latency_query);
  tcase_add_test(stream, test_decoded_frames);
  TCase *faults = ipcam::test::add_tcase(s, "faults");
  tcase_add_test(faults, test_fault_loss);
  tcase_add_test(faults, test_fault_reorder);
  tcase_add_test(faults, test_fault_truncate);
  tcase_add_test(faults, test_reconnect_after_drop);
  return s;
}

GST_CHECK_MAIN(ipcamsrc_stream);
