// Helpers shared by the ipcamsrc element tests: an ipcamsrc whose preview
// socket is bound on a free port, ipcam-sim started to send to it, and bus
// waits with a deadline.
#pragma once

#include "sim_process.h"

#include <gst/check/gstcheck.h>
#include <gst/gst.h>

#include <string>
#include <vector>

namespace ipcam::test {

// ipcam-sim (IPCAM_SIM) replaying IPCAM_SAMPLE_H264 on ephemeral ports;
// fails the test if it does not start.
struct Sim {
  // `preview_port` is where the emulated camera sends its preview.
  Sim(guint preview_port, const std::vector<std::string> &extra_args);
  SimProcess process;
  guint control_port = 0;
  guint http_port = 0;
};

// A pipeline "ipcamsrc name=src ! <tail>" taken to READY with the preview
// socket on a free port, and the emulator started for it. The source is
// configured for the emulator (address, ports, short timeouts).
struct Rig {
  explicit Rig(const char *tail, const std::vector<std::string> &sim_args = {},
               const char *src_props = "");
  ~Rig();
  Rig(const Rig &) = delete;
  Rig &operator=(const Rig &) = delete;

  GstElement *pipeline = nullptr;
  GstElement *src = nullptr;
  Sim *sim = nullptr;
};

// Pops bus messages until one of `types` arrives (nullptr on deadline).
// Element messages are matched by structure name when `name` is given.
GstMessage *wait_message(GstElement *pipeline, GstMessageType types, double seconds,
                         const char *name = nullptr);
// The first ERROR on the bus within `seconds` (nullptr if none).
GstMessage *wait_error(GstElement *pipeline, double seconds);
// Sets NULL and returns how long it took (seconds).
double stop_pipeline(GstElement *pipeline);
// Fresh temporary folder, removed by the caller with remove_tree().
std::string make_temp_dir();
void remove_tree(const std::string &dir);

// A test case of `suite` with the per-test timeout these tests share.
TCase *add_tcase(Suite *suite, const char *name);

// Reads an H.264 access unit's SEI tag written by ipcam-sim --tag-frames.
bool find_frame_tag(const guint8 *data, gsize size, guint32 *frame, guint32 *camera_ms);
// True if the access unit holds an IDR slice.
bool has_idr(const guint8 *data, gsize size);

}  // namespace ipcam::test
