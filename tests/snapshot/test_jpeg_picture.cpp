// The snapshot's JPEG: black stays 0 and white 255 whatever the video's
// range and matrix (limited BT.601, limited BT.709, already full range),
// and the asked width keeps the aspect with an even height. Each JPEG is
// decoded by jpegdec and its luma read as it comes out (no conversion).
#include "snapshot/jpeg-picture.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>

using ipcam::server::JpegEncoder;

namespace {

// An I420 picture: the top half luma `top`, the bottom half `bottom`, grey chroma.
GstSample *picture(int w, int h, const char *colorimetry, guint8 top, guint8 bottom) {
  GstVideoInfo info;
  gst_video_info_set_format(&info, GST_VIDEO_FORMAT_I420, w, h);
  gst_video_colorimetry_from_string(&info.colorimetry, colorimetry);
  GST_VIDEO_INFO_FPS_N(&info) = 30;
  GstBuffer *b = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  GstVideoFrame f;
  gst_video_frame_map(&f, &info, b, GST_MAP_WRITE);
  for (int y = 0; y < h; y++)
    memset(static_cast<guint8 *>(GST_VIDEO_FRAME_PLANE_DATA(&f, 0)) + y * GST_VIDEO_FRAME_PLANE_STRIDE(&f, 0),
           y < h / 2 ? top : bottom, w);
  for (int p = 1; p <= 2; p++)
    for (int y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT(&f, p); y++)
      memset(static_cast<guint8 *>(GST_VIDEO_FRAME_PLANE_DATA(&f, p)) + y * GST_VIDEO_FRAME_PLANE_STRIDE(&f, p), 128,
             GST_VIDEO_FRAME_COMP_WIDTH(&f, p));
  gst_video_frame_unmap(&f);
  GstCaps *caps = gst_video_info_to_caps(&info);
  GstSample *s = gst_sample_new(b, caps, nullptr, nullptr);
  gst_caps_unref(caps);
  gst_buffer_unref(b);
  return s;
}

struct Decoded {
  int width = 0, height = 0;
  guint8 top = 0, bottom = 0;  // luma in the middle of each half
};

// Takes `jpeg`.
Decoded decode(GBytes *jpeg) {
  GstElement *p = gst_parse_launch("appsrc name=in caps=image/jpeg ! jpegdec ! appsink name=out sync=false", nullptr);
  GstElement *src = gst_bin_get_by_name(GST_BIN(p), "in"), *sink = gst_bin_get_by_name(GST_BIN(p), "out");
  gst_element_set_state(p, GST_STATE_PLAYING);
  gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_new_wrapped_bytes(jpeg));
  g_bytes_unref(jpeg);
  gst_app_src_end_of_stream(GST_APP_SRC(src));
  Decoded d;
  if (GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_SECOND)) {
    GstVideoInfo info;
    EXPECT_TRUE(gst_video_info_from_caps(&info, gst_sample_get_caps(s)));
    GstVideoFrame f;
    EXPECT_TRUE(gst_video_frame_map(&f, &info, gst_sample_get_buffer(s), GST_MAP_READ));
    d.width = GST_VIDEO_INFO_WIDTH(&info);
    d.height = GST_VIDEO_INFO_HEIGHT(&info);
    auto *y = static_cast<const guint8 *>(GST_VIDEO_FRAME_PLANE_DATA(&f, 0));
    const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&f, 0);
    d.top = y[(d.height / 4) * stride + d.width / 2];
    d.bottom = y[(3 * d.height / 4) * stride + d.width / 2];
    gst_video_frame_unmap(&f);
    gst_sample_unref(s);
  }
  gst_element_set_state(p, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(p);
  return d;
}

class JpegPictureTest : public ::testing::TestWithParam<const char *> {
 protected:
  void SetUp() override { gst_init(nullptr, nullptr); }
};

// Limited-range video: black 16 and white 235 become 0 and 255.
TEST_P(JpegPictureTest, LimitedRangeBecomesFullRange) {
  JpegEncoder encoder;
  GstSample *s = picture(64, 48, GetParam(), 16, 235);
  GError *error = nullptr;
  GBytes *jpeg = encoder.encode(s, 0, &error);
  ASSERT_NE(jpeg, nullptr) << (error ? error->message : "");
  const Decoded d = decode(jpeg);
  EXPECT_EQ(d.width, 64);
  EXPECT_EQ(d.height, 48);
  EXPECT_LE(d.top, 2);
  EXPECT_GE(d.bottom, 253);
  gst_sample_unref(s);
}

INSTANTIATE_TEST_SUITE_P(Matrices, JpegPictureTest, ::testing::Values("bt601", "bt709"));

TEST(JpegPicture, FullRangeVideoIsNotStretchedTwice) {
  gst_init(nullptr, nullptr);
  JpegEncoder encoder;
  GstSample *s = picture(64, 48, "1:4:0:0", 40, 200);  // full range BT.601: kept as it is
  GBytes *jpeg = encoder.encode(s, 0, nullptr);
  ASSERT_NE(jpeg, nullptr);
  const Decoded d = decode(jpeg);
  EXPECT_NEAR(d.top, 40, 2);
  EXPECT_NEAR(d.bottom, 200, 2);
  gst_sample_unref(s);
}

TEST(JpegPicture, WidthKeepsTheAspectWithAnEvenHeight) {
  gst_init(nullptr, nullptr);
  JpegEncoder encoder;  // one encoder, several sizes in turn: its caps follow
  GstSample *s = picture(640, 360, "bt601", 16, 235);
  for (auto [width, height] : {std::pair{320, 180}, {101, 56}, {16, 10}, {640, 360}, {1280, 720}}) {
    GBytes *jpeg = encoder.encode(s, width, nullptr);
    ASSERT_NE(jpeg, nullptr);
    const Decoded d = decode(jpeg);
    EXPECT_EQ(d.width, width);
    EXPECT_EQ(d.height, height);
    EXPECT_LE(d.top, 2);
  }
  gst_sample_unref(s);
}

TEST(JpegPicture, NoVideoFormatIsAnError) {
  gst_init(nullptr, nullptr);
  JpegEncoder encoder;
  GstBuffer *b = gst_buffer_new_allocate(nullptr, 100, nullptr);
  GstSample *s = gst_sample_new(b, nullptr, nullptr, nullptr);
  gst_buffer_unref(b);
  GError *error = nullptr;
  EXPECT_EQ(encoder.encode(s, 0, &error), nullptr);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(std::string(error->message).find("no video format"), std::string::npos);
  g_error_free(error);
  gst_sample_unref(s);
}

}  // namespace
