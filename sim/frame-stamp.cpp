// --paint-frame-number: see frame-stamp.h.
#include "frame-stamp.h"

#include <gst/video/video.h>

#include <algorithm>
#include <cstring>

namespace ipcam::sim {

namespace {

GstPadProbeReturn paint(GstPad *pad, GstPadProbeInfo *info, gpointer) {
  GstBuffer *buffer = gst_buffer_make_writable(GST_PAD_PROBE_INFO_BUFFER(info));
  GST_PAD_PROBE_INFO_DATA(info) = buffer;
  GstCaps *caps = gst_pad_get_current_caps(pad);
  GstVideoInfo vinfo;
  const bool ok = caps && gst_video_info_from_caps(&vinfo, caps);
  if (caps) gst_caps_unref(caps);
  GstVideoFrame frame;
  if (!ok || !gst_video_frame_map(&frame, &vinfo, buffer, GST_MAP_WRITE)) return GST_PAD_PROBE_OK;
  const auto stamp = uint32_t((g_get_real_time() / 1000) & 0xffff);
  auto *y = static_cast<guint8 *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  const int width = GST_VIDEO_FRAME_WIDTH(&frame), block = width / kStampBits;
  const int rows = std::min(kStampRows, GST_VIDEO_FRAME_HEIGHT(&frame));
  for (int r = 0; r < rows; r++)
    for (int bit = 0; bit < kStampBits; bit++) {
      const guint8 v = (stamp >> (kStampBits - 1 - bit)) & 1 ? 235 : 16;
      memset(y + r * stride + bit * block, v, block);
    }
  // Neutral chroma under the blocks: plain black and white.
  for (int plane = 1; plane <= 2; plane++) {
    auto *c = static_cast<guint8 *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, plane));
    const int cstride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, plane);
    for (int r = 0; r < rows / 2; r++) memset(c + r * cstride, 128, GST_VIDEO_FRAME_COMP_WIDTH(&frame, plane));
  }
  gst_video_frame_unmap(&frame);
  return GST_PAD_PROBE_OK;
}

}  // namespace

void install_frame_stamp(GstElement *element) {
  GstPad *pad = gst_element_get_static_pad(element, "src");
  if (!pad) return;
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, paint, nullptr, nullptr);
  gst_object_unref(pad);
}

}  // namespace ipcam::sim
