// Access unit splitting, the SEI tag (checked against bytes by hand) and
// the live encoder's slice count.
#include "camera-config.h"
#include "h264-stream.h"
#include "video-source.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <gtest/gtest.h>

using ipcam::Bytes;
using namespace ipcam::sim;

namespace {

Bytes nal(uint8_t header, std::initializer_list<uint8_t> body, bool four = true) {
  Bytes b = four ? Bytes{0, 0, 0, 1} : Bytes{0, 0, 1};
  b.push_back(header);
  b.insert(b.end(), body);
  return b;
}
void add(Bytes &to, const Bytes &b) { to.insert(to.end(), b.begin(), b.end()); }

}  // namespace

TEST(H264, SplitsAtAudAndFirstSlice) {
  Bytes s;
  add(s, nal(0x09, {0xF0}));        // AUD
  add(s, nal(0x67, {0x42, 0xC0}));  // SPS
  add(s, nal(0x68, {0xCE}));        // PPS
  add(s, nal(0x65, {0x88, 0x11}));  // IDR slice, first_mb 0
  add(s, nal(0x65, {0x40, 0x22}, false));  // IDR slice, first_mb != 0: same frame
  add(s, nal(0x41, {0x9A, 0x33}));  // no AUD: a new picture by first_mb 0
  add(s, nal(0x09, {0xF0}));
  add(s, nal(0x41, {0x9A, 0x44}));
  auto aus = split_access_units(s);
  ASSERT_EQ(aus.size(), 3u);
  EXPECT_TRUE(aus[0].keyframe);
  EXPECT_TRUE(aus[0].has_sps);
  EXPECT_FALSE(aus[1].keyframe);
  EXPECT_EQ(aus[1].data, nal(0x41, {0x9A, 0x33}));
  Bytes joined;
  for (auto &a : aus) add(joined, a.data);
  EXPECT_EQ(joined, s) << "splitting loses nothing";
}

TEST(H264, TagGoesBeforeTheFirstSliceWithEmulationPrevention) {
  Bytes au;
  add(au, nal(0x09, {0xF0}));
  add(au, nal(0x67, {0x42}));
  add(au, nal(0x68, {0xCE}));
  add(au, nal(0x65, {0x88}));
  Bytes tagged = tag_access_unit(au, 0x00000001, 0x00000300);
  Bytes expected;
  add(expected, nal(0x09, {0xF0}));
  add(expected, nal(0x67, {0x42}));
  add(expected, nal(0x68, {0xCE}));
  // 00 00 00 01 | 06 | 05 18 | UUID | frame 00 00 03 00 01 | ms 00 00 03 03 00 | 80
  Bytes sei = {0, 0, 0, 1, 0x06, 0x05, 0x18};
  for (char ch : std::string("IPCAMSIM-FRAME-1")) sei.push_back(uint8_t(ch));
  add(sei, {0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x03, 0x00, 0x80});
  add(expected, sei);
  add(expected, nal(0x65, {0x88}));
  EXPECT_EQ(tagged, expected);
}

TEST(H264, SampleStreamHasKeyframesWithParameterSets) {
  const char *path = g_getenv("IPCAM_SAMPLE_H264");
  ASSERT_TRUE(path);
  g_autofree char *data = nullptr;
  gsize len = 0;
  ASSERT_TRUE(g_file_get_contents(path, &data, &len, nullptr));
  auto aus = split_access_units(ipcam::ByteView(reinterpret_cast<uint8_t *>(data), len));
  EXPECT_EQ(aus.size(), 90u);
  int keys = 0;
  for (size_t i = 0; i < aus.size(); ++i) {
    if (aus[i].keyframe) {
      ++keys;
      EXPECT_TRUE(aus[i].has_sps) << "SPS/PPS precede each IDR (frame " << i << ")";
      EXPECT_EQ(i % 30, 0u);
    }
  }
  EXPECT_EQ(keys, 3);
}

// --slices N: every picture of the live encoder is N slices, whatever the
// machine's core count (x264 otherwise cuts one slice per thread).
TEST(H264Stream, LiveEncoderMakesTheSlicesAskedFor) {
  gst_init(nullptr, nullptr);
  for (int slices : {1, 3}) {
    CameraConfig c;
    c.slices = slices;
    const std::string desc = live_pipeline_description(c, false, 2) + " ! appsink name=sink sync=false";
    g_autoptr(GError) error = nullptr;
    GstElement *pipeline = gst_parse_launch(desc.c_str(), &error);
    ASSERT_NE(pipeline, nullptr) << (error ? error->message : "");
    GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    for (int frame = 0; frame < 2; ++frame) {
      GstSample *sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 20 * GST_SECOND);
      ASSERT_NE(sample, nullptr);
      GstMapInfo map;
      ASSERT_TRUE(gst_buffer_map(gst_sample_get_buffer(sample), &map, GST_MAP_READ));
      int vcl = 0;
      for (const auto &n : find_nal_units(ipcam::ByteView(map.data, map.size))) vcl += n.type == 1 || n.type == 5;
      gst_buffer_unmap(gst_sample_get_buffer(sample), &map);
      gst_sample_unref(sample);
      EXPECT_EQ(vcl, slices) << "frame " << frame;
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
  }
}
