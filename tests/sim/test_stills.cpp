// The emulator's pictures (a still of the live video, the test-pattern
// still, the sample photos) keep black black: JPEG is full range, the H.264
// video limited range, and a picture written without converting shows
// 16,16,16 where the video has 0,0,0. Each JPEG is decoded here as a viewer
// decodes it (jpegdec, full range) and one black pixel is read.
#include "media-encode.h"

#include <gst/app/gstappsink.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

using ipcam::Bytes;
using namespace ipcam::sim;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    gst_init(nullptr, nullptr);
    g_autofree char *p = g_dir_make_tmp("ipcam-stills-XXXXXX", nullptr);
    path = p ? p : "";
  }
  ~TempDir() {
    if (path.empty()) return;
    g_autoptr(GDir) d = g_dir_open(path.c_str(), 0, nullptr);
    while (const char *name = d ? g_dir_read_name(d) : nullptr) {
      g_autofree char *f = g_build_filename(path.c_str(), name, nullptr);
      g_remove(f);
    }
    g_rmdir(path.c_str());
  }
  std::string file(const char *name) const {
    g_autofree char *f = g_build_filename(path.c_str(), name, nullptr);
    return f;
  }
};

// The first sample an appsink named "sink" takes from `desc`.
GstSample *first_sample(const std::string &desc) {
  GError *error = nullptr;
  g_autoptr(GstElement) p = gst_parse_launch(desc.c_str(), &error);
  if (!p) {
    ADD_FAILURE() << desc << ": " << error->message;
    g_error_free(error);
    return nullptr;
  }
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(p), "sink");
  gst_element_set_state(p, GST_STATE_PLAYING);
  GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 20 * GST_SECOND);
  gst_element_set_state(p, GST_STATE_NULL);
  return s;
}

// The RGB pixel at (x, y) of a JPEG file, decoded as a viewer does; x and y
// count from the right and bottom when negative.
std::array<int, 3> jpeg_pixel(const std::string &path, int x, int y) {
  g_autoptr(GstSample) s = first_sample("filesrc location=\"" + path +
                                        "\" ! jpegdec ! videoconvert ! video/x-raw,format=RGB ! "
                                        "appsink name=sink sync=false");
  if (!s) {
    ADD_FAILURE() << "no picture decoded from " << path;
    return {-1, -1, -1};
  }
  GstStructure *st = gst_caps_get_structure(gst_sample_get_caps(s), 0);
  int w = 0, h = 0;
  gst_structure_get_int(st, "width", &w);
  gst_structure_get_int(st, "height", &h);
  if (x < 0) x += w;
  if (y < 0) y += h;
  GstBuffer *b = gst_sample_get_buffer(s);
  GstMapInfo map;
  gst_buffer_map(b, &map, GST_MAP_READ);
  const size_t stride = map.size / size_t(h);
  const guint8 *px = map.data + size_t(y) * stride + size_t(x) * 3;
  std::array<int, 3> rgb{px[0], px[1], px[2]};
  gst_buffer_unmap(b, &map);
  return rgb;
}

void expect_black(const std::array<int, 3> &rgb) {
  // 0 give or take the JPEG's rounding; the range bug gives 16.
  for (int c : rgb) EXPECT_LE(c, 3) << "pixel " << rgb[0] << "," << rgb[1] << "," << rgb[2];
}

// Access units of a black picture, encoded as the camera's video is:
// limited-range I420 through x264.
std::vector<Bytes> black_h264(int frames) {
  GError *error = nullptr;
  const std::string desc = "videotestsrc pattern=black num-buffers=" + std::to_string(frames) +
                           " ! video/x-raw,format=I420,width=160,height=96,framerate=30/1 ! "
                           "x264enc tune=zerolatency ! video/x-h264,stream-format=byte-stream,alignment=au ! "
                           "appsink name=sink sync=false";
  g_autoptr(GstElement) p = gst_parse_launch(desc.c_str(), &error);
  if (!p) {
    ADD_FAILURE() << error->message;
    g_error_free(error);
    return {};
  }
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(p), "sink");
  gst_element_set_state(p, GST_STATE_PLAYING);
  std::vector<Bytes> out;
  while (GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 20 * GST_SECOND)) {
    GstBuffer *b = gst_sample_get_buffer(s);
    GstMapInfo map;
    gst_buffer_map(b, &map, GST_MAP_READ);
    out.emplace_back(map.data, map.data + map.size);
    gst_buffer_unmap(b, &map);
    gst_sample_unref(s);
  }
  gst_element_set_state(p, GST_STATE_NULL);
  return out;
}

}  // namespace

TEST(Stills, StillOfTheVideoKeepsBlackBlack) {
  TempDir dir;
  auto frames = black_h264(5);
  ASSERT_EQ(frames.size(), 5u);
  g_autoptr(GError) error = nullptr;
  const std::string path = dir.file("IMG_0001.JPG");
  ASSERT_TRUE(write_still_from_frames(frames, path, &error)) << error->message;
  expect_black(jpeg_pixel(path, 80, 48));
}

TEST(Stills, TestPatternStillKeepsBlackBlack) {
  TempDir dir;
  g_autoptr(GError) error = nullptr;
  const std::string path = dir.file("IMG_0001.JPG");
  ASSERT_TRUE(write_test_still(path, 320, 180, &error)) << error->message;
  // The bottom row of SMPTE bars is black from 1/2 to 2/3 of the width.
  expect_black(jpeg_pixel(path, 192, -4));
}

TEST(Stills, SamplePhotosKeepBlackBlack) {
  TempDir dir;
  g_autoptr(GError) error = nullptr;
  ASSERT_TRUE(write_samples(dir.path, &error)) << error->message;
  // The ball pattern's background is black; the ball starts elsewhere.
  expect_black(jpeg_pixel(dir.file("IMG_0001.JPG"), 4, -4));
}
