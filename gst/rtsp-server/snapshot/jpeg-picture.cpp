// A decoded picture as JPEG: see jpeg-picture.h.
#include "snapshot/jpeg-picture.h"

#include <gio/gio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include <algorithm>
#include <cmath>

namespace ipcam::server {

namespace {

constexpr const char *kEncoderLaunch = "appsrc name=in format=time ! jpegenc ! appsink name=out sync=false";

// What jpegenc gets: RGB at the asked size. libjpeg turns RGB into JFIF's
// full-range BT.601 YCbCr itself; GstVideoConverter (1.22) would keep a
// limited range in a YUV to YUV conversion whose matrix stays the same.
void target_info(const GstVideoInfo &in, int width, GstVideoInfo &out) {
  const int w = width > 0 ? width : GST_VIDEO_INFO_WIDTH(&in);
  const double aspect = double(GST_VIDEO_INFO_HEIGHT(&in)) * GST_VIDEO_INFO_PAR_D(&in) /
                        (double(GST_VIDEO_INFO_WIDTH(&in)) * GST_VIDEO_INFO_PAR_N(&in));
  const int h = std::max(2, int(std::lround(w * aspect / 2.0)) * 2);
  gst_video_info_set_format(&out, GST_VIDEO_FORMAT_RGB, guint(w), guint(h));
  // GstVideoConverter wants the same rate on both sides.
  GST_VIDEO_INFO_FPS_N(&out) = GST_VIDEO_INFO_FPS_N(&in);
  GST_VIDEO_INFO_FPS_D(&out) = GST_VIDEO_INFO_FPS_D(&in);
}

// `in`'s picture, scaled and turned into RGB, in a new buffer of `out`.
GstBuffer *convert(const GstVideoInfo &in, GstBuffer *picture, const GstVideoInfo &out, GError **error) {
  GstVideoFrame src, dst;
  if (!gst_video_frame_map(&src, const_cast<GstVideoInfo *>(&in), picture, GST_MAP_READ)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read the decoded picture");
    return nullptr;
  }
  GstBuffer *converted = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&out), nullptr);
  gst_video_frame_map(&dst, const_cast<GstVideoInfo *>(&out), converted, GST_MAP_WRITE);
  GstStructure *config = gst_structure_new("config", GST_VIDEO_CONVERTER_OPT_THREADS, G_TYPE_UINT, 1u, nullptr);
  GstVideoConverter *c = gst_video_converter_new(const_cast<GstVideoInfo *>(&in), const_cast<GstVideoInfo *>(&out),
                                                 config);
  if (c) {
    gst_video_converter_frame(c, &src, &dst);
    gst_video_converter_free(c);
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

// One picture through jpegenc: a pipeline of its own, so requests never
// wait for each other.
GBytes *run_jpegenc(const GstVideoInfo &info, GstBuffer *picture, GError **error) {
  GstElement *pipeline = gst_parse_launch(kEncoderLaunch, error);
  if (!pipeline) return nullptr;
  GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "in");
  GstElement *sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  GstCaps *caps = gst_video_info_to_caps(const_cast<GstVideoInfo *>(&info));
  gst_app_src_set_caps(GST_APP_SRC(src), caps);
  gst_caps_unref(caps);
  GBytes *jpeg = nullptr;
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE) {
    GST_BUFFER_PTS(picture) = 0;
    gst_app_src_push_buffer(GST_APP_SRC(src), gst_buffer_ref(picture));
    gst_app_src_end_of_stream(GST_APP_SRC(src));
    if (GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 5 * GST_SECOND)) {
      GstBuffer *b = gst_sample_get_buffer(s);
      GstMapInfo map;
      if (b && gst_buffer_map(b, &map, GST_MAP_READ)) {
        jpeg = g_bytes_new(map.data, map.size);
        gst_buffer_unmap(b, &map);
      }
      gst_sample_unref(s);
    }
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  if (!jpeg) g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the JPEG encoder gave nothing");
  return jpeg;
}

}  // namespace

GBytes *encode_jpeg(GstSample *sample, int width, GError **error) {
  GstVideoInfo in, out;
  GstCaps *caps = gst_sample_get_caps(sample);
  GstBuffer *picture = gst_sample_get_buffer(sample);
  if (!caps || !picture || !gst_video_info_from_caps(&in, caps)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "the decoded picture has no video format");
    return nullptr;
  }
  target_info(in, width, out);
  GstBuffer *converted = convert(in, picture, out, error);
  if (!converted) return nullptr;
  GBytes *jpeg = run_jpegenc(out, converted, error);
  gst_buffer_unref(converted);
  return jpeg;
}

}  // namespace ipcam::server
