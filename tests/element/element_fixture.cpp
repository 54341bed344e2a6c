#include <cstring>

#include "element_fixture.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

namespace ipcam::test {

Sim::Sim(guint preview_port, const std::vector<std::string> &extra_args) {
  const char *sample = g_getenv("IPCAM_SAMPLE_H264");
  fail_unless(sample != nullptr, "IPCAM_SAMPLE_H264 must be set");
  std::vector<std::string> args = {"--preview-port", std::to_string(preview_port), "--h264", sample};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  g_autoptr(GError) error = nullptr;
  fail_unless(process.start(args, &error), "could not start ipcam-sim: %s", error ? error->message : "?");
  control_port = process.control_port();
  http_port = process.http_port();
}

Rig::Rig(const char *tail, const std::vector<std::string> &sim_args, const char *src_props) {
  g_autofree char *desc =
      g_strdup_printf("ipcamsrc name=src address=127.0.0.1 preview-port=0 reconnect-backoff=100 %s ! %s",
                      src_props, tail);
  g_autoptr(GError) error = nullptr;
  pipeline = gst_parse_launch(desc, &error);
  fail_unless(pipeline != nullptr, "bad pipeline %s: %s", desc, error ? error->message : "?");
  src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  fail_unless_equals_int(gst_element_set_state(pipeline, GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
  guint preview_port = 0;
  g_object_get(src, "preview-port", &preview_port, nullptr);
  fail_unless(preview_port != 0, "preview port not bound in READY");
  sim = new Sim(preview_port, sim_args);
  g_object_set(src, "control-port", sim->control_port, "http-port", sim->http_port, nullptr);
}

Rig::~Rig() {
  if (pipeline) {
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(src);
    gst_object_unref(pipeline);
  }
  delete sim;
}

GstMessage *wait_message(GstElement *pipeline, GstMessageType types, double seconds, const char *name) {
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  gint64 deadline = g_get_monotonic_time() + gint64(seconds * G_USEC_PER_SEC);
  for (;;) {
    gint64 left = deadline - g_get_monotonic_time();
    if (left <= 0) return nullptr;
    GstMessage *m = gst_bus_timed_pop_filtered(bus, GstClockTime(left) * GST_USECOND, types);
    if (!m) return nullptr;
    if (!name || GST_MESSAGE_TYPE(m) != GST_MESSAGE_ELEMENT ||
        gst_structure_has_name(gst_message_get_structure(m), name))
      return m;
    gst_message_unref(m);
  }
}

GstMessage *wait_error(GstElement *pipeline, double seconds) {
  return wait_message(pipeline, GST_MESSAGE_ERROR, seconds);
}

double stop_pipeline(GstElement *pipeline) {
  gint64 t0 = g_get_monotonic_time();
  gst_element_set_state(pipeline, GST_STATE_NULL);
  return double(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
}

std::string make_temp_dir() {
  g_autoptr(GError) error = nullptr;
  g_autofree char *dir = g_dir_make_tmp("ipcamsrc-test-XXXXXX", &error);
  fail_unless(dir != nullptr);
  return dir;
}

void remove_tree(const std::string &dir) {
  GDir *d = g_dir_open(dir.c_str(), 0, nullptr);
  if (d) {
    while (const char *name = g_dir_read_name(d)) {
      g_autofree char *p = g_build_filename(dir.c_str(), name, nullptr);
      g_remove(p);
    }
    g_dir_close(d);
  }
  g_rmdir(dir.c_str());
}

namespace {
// Calls fn(nal_type, nal_start, nal_end) for each NAL of an Annex-B unit.
template <typename F>
void for_each_nal(const guint8 *d, gsize n, F fn) {
  gsize i = 0, start = 0;
  bool in = false;
  while (i + 3 <= n) {
    if (d[i] == 0 && d[i + 1] == 0 && d[i + 2] == 1) {
      if (in) fn(d[start] & 0x1f, start, i);
      start = i + 3;
      in = start < n;
      i += 3;
    } else {
      i++;
    }
  }
  if (in) fn(d[start] & 0x1f, start, n);
}
}  // namespace

bool has_idr(const guint8 *data, gsize size) {
  bool idr = false;
  for_each_nal(data, size, [&](int type, gsize, gsize) { idr |= type == 5; });
  return idr;
}

bool find_frame_tag(const guint8 *data, gsize size, guint32 *frame, guint32 *camera_ms) {
  static const guint8 uuid[16] = {'I', 'P', 'C', 'A', 'M', 'S', 'I', 'M', '-', 'F', 'R', 'A', 'M', 'E', '-', '1'};
  bool found = false;
  for_each_nal(data, size, [&](int type, gsize s, gsize e) {
    if (type != 6 || found) return;
    // Remove emulation prevention bytes from the SEI RBSP.
    std::vector<guint8> rbsp;
    int zeros = 0;
    for (gsize j = s + 1; j < e; j++) {
      if (zeros >= 2 && data[j] == 3) {
        zeros = 0;
        continue;
      }
      rbsp.push_back(data[j]);
      zeros = data[j] == 0 ? zeros + 1 : 0;
    }
    if (rbsp.size() >= 2 + 24 && rbsp[0] == 5 && rbsp[1] == 24 && memcmp(&rbsp[2], uuid, 16) == 0) {
      const guint8 *p = &rbsp[18];
      *frame = guint32(p[0]) << 24 | guint32(p[1]) << 16 | guint32(p[2]) << 8 | p[3];
      *camera_ms = guint32(p[4]) << 24 | guint32(p[5]) << 16 | guint32(p[6]) << 8 | p[7];
      found = true;
    }
  });
  return found;
}

TCase *add_tcase(Suite *suite, const char *name) {
  TCase *tc = tcase_create(name);
  tcase_set_timeout(tc, 30);  // each test takes a few seconds
  suite_add_tcase(suite, tc);
  return tc;
}

}  // namespace ipcam::test
