// JpegEncoder: see jpeg-picture.h.
#include "snapshot/jpeg-picture.h"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace ipcam::server {

namespace {

constexpr const char *kEncoderLaunch = "appsrc name=in format=time ! jpegenc ! appsink name=out sync=false";

// Limited to full range: Y 16..235 and Cb, Cr 16..240 (around 128) to 0..255.
struct RangeTables {
  std::array<guint8, 256> luma{}, chroma{};
  RangeTables() {
    for (int v = 0; v < 256; v++) {
      luma[v] = guint8(std::clamp(int(std::lround((v - 16) * 255.0 / 219.0)), 0, 255));
      chroma[v] = guint8(std::clamp(int(std::lround((v - 128) * 255.0 / 224.0 + 128)), 0, 255));
    }
  }
};

// `from`'s planes through the tables into `to`'s (the same size and
// format; the same frame to stretch in place).
void stretch_range(const GstVideoFrame &from, GstVideoFrame &to) {
  static const RangeTables tables;
  for (guint plane = 0; plane < GST_VIDEO_FRAME_N_PLANES(&to); plane++) {
    const auto &table = plane == 0 ? tables.luma : tables.chroma;
    auto *in = static_cast<const guint8 *>(GST_VIDEO_FRAME_PLANE_DATA(&from, plane));
    auto *out = static_cast<guint8 *>(GST_VIDEO_FRAME_PLANE_DATA(&to, plane));
    const int width = GST_VIDEO_FRAME_COMP_WIDTH(&to, plane), height = GST_VIDEO_FRAME_COMP_HEIGHT(&to, plane);
    for (int y = 0; y < height; y++) {
      const guint8 *row_in = in + y * GST_VIDEO_FRAME_PLANE_STRIDE(&from, plane);
      guint8 *row_out = out + y * GST_VIDEO_FRAME_PLANE_STRIDE(&to, plane);
      for (int x = 0; x < width; x++) row_out[x] = table[row_in[x]];
    }
  }
}

// What jpegenc gets: the asked size; I420 full range for BT.601 video
// (stretched here), RGB for anything else.
bool target_info(const GstVideoInfo &in, int width, GstVideoInfo &out) {
  const int w = width > 0 ? width : GST_VIDEO_INFO_WIDTH(&in);
  const double aspect = double(GST_VIDEO_INFO_HEIGHT(&in)) * GST_VIDEO_INFO_PAR_D(&in) /
                        (double(GST_VIDEO_INFO_WIDTH(&in)) * GST_VIDEO_INFO_PAR_N(&in));
  const int h = std::max(2, int(std::lround(w * aspect / 2.0)) * 2);
  const bool yuv601 = GST_VIDEO_INFO_FORMAT(&in) == GST_VIDEO_FORMAT_I420 &&
                      in.colorimetry.matrix == GST_VIDEO_COLOR_MATRIX_BT601 &&
                      in.colorimetry.range != GST_VIDEO_COLOR_RANGE_0_255;
  gst_video_info_set_format(&out, yuv601 ? GST_VIDEO_FORMAT_I420 : GST_VIDEO_FORMAT_RGB, guint(w), guint(h));
  if (yuv601) out.colorimetry = in.colorimetry;  // the converter only scales
  // GstVideoConverter wants the same rate on both sides.
  GST_VIDEO_INFO_FPS_N(&out) = GST_VIDEO_INFO_FPS_N(&in);
  GST_VIDEO_INFO_FPS_D(&out) = GST_VIDEO_INFO_FPS_D(&in);
  return yuv601;
}

// `in`'s picture scaled (and for RGB converted) into a new buffer of `out`;
// `stretch`: its range made full.
GstBuffer *convert(const GstVideoInfo &in, GstBuffer *picture, const GstVideoInfo &out, bool stretch,
                   GError **error) {
  GstVideoFrame src, dst;
  if (!gst_video_frame_map(&src, const_cast<GstVideoInfo *>(&in), picture, GST_MAP_READ)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read the decoded picture");
    return nullptr;
  }
  GstBuffer *converted = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&out), nullptr);
  gst_video_frame_map(&dst, const_cast<GstVideoInfo *>(&out), converted, GST_MAP_WRITE);
  if (stretch && GST_VIDEO_INFO_WIDTH(&in) == GST_VIDEO_INFO_WIDTH(&out) &&
      GST_VIDEO_INFO_HEIGHT(&in) == GST_VIDEO_INFO_HEIGHT(&out)) {
    stretch_range(src, dst);  // the camera's size: one pass, no converter
    gst_video_frame_unmap(&dst);
    gst_video_frame_unmap(&src);
    return converted;
  }
  GstStructure *config = gst_structure_new("config", GST_VIDEO_CONVERTER_OPT_THREADS, G_TYPE_UINT, 1u, nullptr);
  GstVideoConverter *c =
      gst_video_converter_new(const_cast<GstVideoInfo *>(&in), const_cast<GstVideoInfo *>(&out), config);
  if (c) {
    gst_video_converter_frame(c, &src, &dst);
    gst_video_converter_free(c);
    if (stretch) stretch_range(dst, dst);
  }
  gst_video_frame_unmap(&dst);
  gst_video_frame_unmap(&src);
  if (!c) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot convert the picture for JPEG");
    gst_buffer_unref(converted);
    return nullptr;
  }
  return converted;
}

}  // namespace

JpegEncoder::~JpegEncoder() {
  std::lock_guard<std::mutex> l(lock_);
  stop_locked();
}

bool JpegEncoder::start_locked(GError **error) {
  if (pipeline_) return true;
  GstElement *pipeline = gst_parse_launch(kEncoderLaunch, error);
  if (!pipeline) return false;
  src_ = gst_bin_get_by_name(GST_BIN(pipeline), "in");
  sink_ = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  pipeline_ = pipeline;
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot start the JPEG encoder");
    stop_locked();
    return false;
  }
  return true;
}

void JpegEncoder::stop_locked() {
  if (!pipeline_) return;
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(src_);
  gst_object_unref(sink_);
  gst_object_unref(pipeline_);
  pipeline_ = src_ = sink_ = nullptr;
  gst_caps_replace(&caps_, nullptr);
}

GBytes *JpegEncoder::run_locked(const GstVideoInfo &info, GstBuffer *picture, GError **error) {
  if (!start_locked(error)) return nullptr;
  GstCaps *caps = gst_video_info_to_caps(const_cast<GstVideoInfo *>(&info));
  if (!caps_ || !gst_caps_is_equal(caps, caps_)) {
    gst_app_src_set_caps(GST_APP_SRC(src_), caps);
    gst_caps_replace(&caps_, caps);
  }
  gst_caps_unref(caps);
  if (gst_app_src_push_buffer(GST_APP_SRC(src_), picture) != GST_FLOW_OK) {
    stop_locked();
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the JPEG encoder stopped");
    return nullptr;
  }
  GBytes *jpeg = nullptr;
  if (GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink_), 5 * GST_SECOND)) {
    GstBuffer *b = gst_sample_get_buffer(s);
    GstMapInfo map;
    if (b && gst_buffer_map(b, &map, GST_MAP_READ)) {
      jpeg = g_bytes_new(map.data, map.size);
      gst_buffer_unmap(b, &map);
    }
    gst_sample_unref(s);
  }
  if (!jpeg) {
    stop_locked();  // the next request starts a new one
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the JPEG encoder gave nothing");
  }
  return jpeg;
}

GBytes *JpegEncoder::encode(GstSample *sample, int width, GError **error) {
  GstVideoInfo in, out;
  GstCaps *caps = gst_sample_get_caps(sample);
  GstBuffer *picture = gst_sample_get_buffer(sample);
  if (!caps || !picture || !gst_video_info_from_caps(&in, caps)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the decoded picture has no video format");
    return nullptr;
  }
  const bool stretch = target_info(in, width, out);
  GstBuffer *converted = convert(in, picture, out, stretch, error);
  if (!converted) return nullptr;
  if (stretch) out.colorimetry.range = GST_VIDEO_COLOR_RANGE_0_255;
  std::lock_guard<std::mutex> l(lock_);
  return run_locked(out, converted, error);  // takes `converted`
}

}  // namespace ipcam::server
