#include "media-encode.h"

#include "media-store.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <cmath>

namespace ipcam::sim {
namespace {

// Waits for EOS or an error on a pipeline that was set to PLAYING.
bool run_to_eos(GstElement *pipeline, const char *what, GError **error) {
  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: pipeline failed to start", what);
    return false;
  }
  g_autoptr(GstBus) bus = gst_element_get_bus(pipeline);
  g_autoptr(GstMessage) m = gst_bus_timed_pop_filtered(
      bus, 30 * GST_SECOND, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  bool ok = m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
  if (!ok) {
    g_autoptr(GError) gerr = nullptr;
    g_autofree char *dbg = nullptr;
    if (m) gst_message_parse_error(m, &gerr, &dbg);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what,
                gerr ? gerr->message : "timed out");
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  return ok;
}

GstElement *launch(const std::string &desc, GError **error) {
  GstElement *p = gst_parse_launch(desc.c_str(), error);
  if (!p) g_prefix_error(error, "pipeline \"%s\": ", desc.c_str());
  return p;
}

std::string h264_caps(double fps) {
  return "video/x-h264,stream-format=byte-stream,alignment=au,framerate=" +
         std::to_string(std::lround(fps * 1000)) + "/1000";
}

// Pushes access units into the appsrc named "src", timestamped at `fps`.
void push_frames(GstElement *pipeline, const std::vector<Bytes> &frames, double fps) {
  g_autoptr(GstElement) src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstClockTime dur = GstClockTime(double(GST_SECOND) / fps);
  GstClockTime pts = 0;
  for (const auto &f : frames) {
    GstBuffer *b = gst_buffer_new_memdup(f.data(), f.size());
    GST_BUFFER_PTS(b) = GST_BUFFER_DTS(b) = pts;
    GST_BUFFER_DURATION(b) = dur;
    pts += dur;
    gst_app_src_push_buffer(GST_APP_SRC(src), b);
  }
  gst_app_src_end_of_stream(GST_APP_SRC(src));
}

// Renames the hidden part file into place.
bool commit(const std::string &path, GError **error) {
  if (g_rename(MediaStore::part_path(path).c_str(), path.c_str()) != 0) {
    int e = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "rename to %s: %s", path.c_str(),
                g_strerror(e));
    return false;
  }
  return true;
}

// What jpegenc is given: RGB, which libjpeg turns into full-range YCbCr as
// JPEG viewers expect. Limited-range I420 (the video's) would be written as
// it is and shown with grey blacks (16,16,16) and dull whites.
constexpr const char *kJpegInput = "video/x-raw,format=RGB";

}  // namespace

bool write_still_from_frames(const std::vector<Bytes> &frames, const std::string &path,
                             GError **error) {
  std::string desc = "appsrc name=src format=time caps=\"" + h264_caps(30) +
                     "\" ! h264parse ! avdec_h264 ! videoconvert ! " + kJpegInput + " ! jpegenc ! "
                     "appsink name=sink sync=false";
  g_autoptr(GstElement) p = launch(desc, error);
  if (!p) return false;
  g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(p), "sink");
  if (gst_element_set_state(p, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "still: decoder pipeline failed to start");
    return false;
  }
  push_frames(p, frames, 30);
  g_autoptr(GstSample) last = nullptr;
  while (GstSample *s = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_SECOND)) {
    if (last) gst_sample_unref(last);
    last = s;
  }
  gst_element_set_state(p, GST_STATE_NULL);
  if (!last) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "still: no frame decoded");
    return false;
  }
  GstBuffer *b = gst_sample_get_buffer(last);
  GstMapInfo map;
  gst_buffer_map(b, &map, GST_MAP_READ);
  bool ok = g_file_set_contents(MediaStore::part_path(path).c_str(),
                                reinterpret_cast<const char *>(map.data), gssize(map.size), error);
  gst_buffer_unmap(b, &map);
  return ok && commit(path, error);
}

bool write_test_still(const std::string &path, int width, int height, GError **error) {
  std::string desc = "videotestsrc num-buffers=1 pattern=smpte ! " + std::string(kJpegInput) + ",width=" +
                     std::to_string(width) + ",height=" + std::to_string(height) +
                     " ! jpegenc ! filesink location=\"" + MediaStore::part_path(path) + "\"";
  g_autoptr(GstElement) p = launch(desc, error);
  return p && run_to_eos(p, "still", error) && commit(path, error);
}

bool write_mp4(const std::vector<Bytes> &frames, double fps, const std::string &path,
               GError **error) {
  std::string desc = "appsrc name=src format=time caps=\"" + h264_caps(fps) +
                     "\" ! h264parse ! mp4mux ! filesink location=\"" +
                     MediaStore::part_path(path) + "\"";
  g_autoptr(GstElement) p = launch(desc, error);
  if (!p) return false;
  if (gst_element_set_state(p, GST_STATE_PAUSED) == GST_STATE_CHANGE_FAILURE) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "record: muxer pipeline failed to start");
    return false;
  }
  push_frames(p, frames, fps);
  return run_to_eos(p, "record", error) && commit(path, error);
}

bool write_samples(const std::string &dir, GError **error) {
  g_autofree char *photos = g_build_filename(dir.c_str(), "IMG_%04d.JPG", nullptr);
  std::string desc = "videotestsrc num-buffers=24 pattern=ball ! " +
                     std::string(kJpegInput) + ",width=320,height=180,framerate=30/1 ! jpegenc ! "
                     "multifilesink index=1 location=\"" + std::string(photos) + "\"";
  g_autoptr(GstElement) p = launch(desc, error);
  if (!p || !run_to_eos(p, "sample photos", error)) return false;
  static const char *patterns[] = {"smpte", "ball", "snow", "pinwheel"};
  for (int i = 0; i < 4; ++i) {
    g_autofree char *name = g_strdup_printf("VID_%04d.MP4", i + 1);
    g_autofree char *clip = g_build_filename(dir.c_str(), name, nullptr);
    std::string d = std::string("videotestsrc num-buffers=15 pattern=") + patterns[i] +
                    " ! video/x-raw,width=320,height=180,framerate=30/1 ! "
                    "x264enc tune=zerolatency speed-preset=ultrafast ! mp4mux ! "
                    "filesink location=\"" + clip + "\"";
    g_autoptr(GstElement) c = launch(d, error);
    if (!c || !run_to_eos(c, "sample clip", error)) return false;
  }
  return true;
}

}  // namespace ipcam::sim
