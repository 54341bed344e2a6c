// ipcamsrc's streaming thread: datagrams in through the PreviewReceiver,
// access units out as timestamped GstBuffers, caps from the SPS.
#include "ipcamsrc-state.h"

#include <algorithm>

using ipcam::src::Locker;

namespace {

// Running time now, from the pipeline clock; a monotonic fallback keeps
// timestamps sensible when the element runs without a clock.
uint64_t running_time_now(GstIpcamSrc *self) {
  auto *st = self->state;
  GstClock *clock = gst_element_get_clock(GST_ELEMENT(self));
  if (clock) {
    GstClockTime now = gst_clock_get_time(clock);
    GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
    gst_object_unref(clock);
    return now > base ? now - base : 0;
  }
  uint64_t mono = uint64_t(g_get_monotonic_time());
  if (!st->arrival_origin_set) {
    st->arrival_origin_us = mono;
    st->arrival_origin_set = true;
  }
  return (mono - st->arrival_origin_us) * GST_USECOND;
}

GstCaps *camera_clock_caps() {
  static GstCaps *caps = gst_caps_new_empty_simple("timestamp/x-ipcam-camera-clock");
  return caps;
}

// Sets caps before the first buffer, and again if the SPS changes size.
bool update_caps(GstIpcamSrc *self, const ipcam::Frame &frame) {
  auto *st = self->state;
  // Cameras repeat the SPS only with keyframes: the frames between them are
  // not searched.
  if (st->caps_sent && !frame.keyframe) return true;
  auto info = ipcam::src::h264_stream_info(frame.data(), frame.size());
  if (st->caps_sent && (!info || (st->stream_info && info->width == st->stream_info->width &&
                                  info->height == st->stream_info->height &&
                                  info->fps_n * st->stream_info->fps_d == st->stream_info->fps_n * info->fps_d)))
    return true;
  GstCaps *caps = gst_caps_new_simple("video/x-h264", "stream-format", G_TYPE_STRING, "byte-stream", "alignment",
                                      G_TYPE_STRING, "au", nullptr);
  if (info) {
    gst_caps_set_simple(caps, "width", G_TYPE_INT, info->width, "height", G_TYPE_INT, info->height, nullptr);
    if (info->fps_n > 0)
      gst_caps_set_simple(caps, "framerate", GST_TYPE_FRACTION, info->fps_n, info->fps_d, nullptr);
    st->stream_info = info;
  }
  GST_INFO_OBJECT(self, "caps %" GST_PTR_FORMAT, static_cast<void *>(caps));
  gboolean ok = gst_base_src_set_caps(GST_BASE_SRC(self), caps);
  gst_caps_unref(caps);
  st->caps_sent = ok;
  return ok;
}

GstBuffer *frame_to_buffer(GstIpcamSrc *self, ipcam::src::ArrivedFrame &&af, GstIpcamTimestampMode mode) {
  auto *st = self->state;
  ipcam::Frame &f = af.frame;
  // The assembler's g_malloc'd memory becomes the buffer's: no copy.
  const size_t size = f.size(), capacity = f.capacity();
  uint8_t *memory = f.release();
  GstBuffer *buf = gst_buffer_new_wrapped_full(GstMemoryFlags(0), memory, capacity, 0, size, memory, g_free);

  ipcam::src::MappedTime t = st->mapper.map(f.camera_ms, af.arrival_ns);
  uint64_t pts = t.pts_ns;
  if (mode == GST_IPCAM_TIMESTAMP_MODE_ARRIVAL) {
    pts = af.arrival_ns;
    if (st->last_pts_ns && pts <= st->last_pts_ns) pts = st->last_pts_ns + 1;
  }
  st->last_pts_ns = pts;
  GST_BUFFER_PTS(buf) = pts;
  GST_BUFFER_DTS(buf) = pts;  // the preview has no B-frames
  gst_buffer_add_reference_timestamp_meta(buf, camera_clock_caps(), t.camera_ms * GST_MSECOND,
                                          GST_CLOCK_TIME_NONE);

  if (!f.keyframe) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT);
  if (f.corrupted) GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_CORRUPTED);
  if (f.discont || st->pending_discont || (t.discont && mode == GST_IPCAM_TIMESTAMP_MODE_CAMERA))
    GST_BUFFER_FLAG_SET(buf, GST_BUFFER_FLAG_DISCONT);
  st->pending_discont = false;
  GST_LOG_OBJECT(self, "frame %u camera %u ms pts %" GST_TIME_FORMAT " size %zu%s%s", f.frame_index, f.camera_ms,
                 GST_TIME_ARGS(pts), size, f.keyframe ? " key" : "", f.discont ? " discont" : "");
  return buf;
}

void refresh_stats(ipcam::src::SrcState *st) {
  Locker l(st->lock);
  st->assembler_stats = st->assembler->stats();
  st->receiver_stats = st->receiver.stats();
}

// Reads what is queued on the preview socket without waiting, once per
// lost session and at most 16 receive calls (a camera that goes on
// streaming after closing the connection cannot hold off the reconnect).
// Returns true when that finished frames.
bool drain_queued(ipcam::src::SrcState *st, const ipcam::PreviewAssembler::FrameCallback &emit) {
  if (st->loss_drained) return false;
  st->loss_drained = true;
  g_autoptr(GError) error = nullptr;
  for (int i = 0; i < 16 && st->receiver.receive(*st->assembler, emit, 0, st->cancellable, &error); i++) {
  }
  refresh_stats(st);
  return !st->frames.empty();
}

}  // namespace

GstFlowReturn gst_ipcam_src_create(GstPushSrc *psrc, GstBuffer **buf) {
  auto *self = GST_IPCAM_SRC(psrc);
  auto *st = self->state;
  GstIpcamTimestampMode mode;
  guint timeout_ms;
  {
    Locker l(st->lock);
    mode = st->settings.timestamp_mode;
    timeout_ms = st->settings.endpoint.timeout_ms;
  }

  const ipcam::PreviewAssembler::FrameCallback emit = [self, st](ipcam::Frame &&f) {
    st->frames.push_back({std::move(f), running_time_now(self)});
  };

  for (;;) {
    if (!st->session_up) {
      GstFlowReturn ret = gst_ipcam_src_connect(self);
      if (ret != GST_FLOW_OK) return ret;
      continue;
    }

    while (!st->frames.empty()) {
      ipcam::src::ArrivedFrame af = std::move(st->frames.front());
      st->frames.pop_front();
      // After a (re)connect the stream resumes at a keyframe whatever the
      // loss policy: a decoder has nothing to conceal from.
      if (st->need_keyframe && !af.frame.keyframe) continue;
      st->need_keyframe = false;
      if (!update_caps(self, af.frame)) {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Downstream does not accept the camera's H.264 stream."),
                          (nullptr));
        return GST_FLOW_NOT_NEGOTIATED;
      }
      *buf = frame_to_buffer(self, std::move(af), mode);
      return GST_FLOW_OK;
    }

    if (st->lost->happened()) {
      // The datagrams the camera sent before it closed the connection are
      // already queued: assemble and push them before the reset, or the
      // last frames of every session would be lost.
      if (drain_queued(st, emit)) continue;
      GstFlowReturn ret = gst_ipcam_src_reconnect(self, st->lost->why().c_str());
      if (ret != GST_FLOW_OK) return ret;
      continue;
    }

    // One wait until a datagram, a flush, a lost session or the end of the
    // preview timeout: no periodic wake-ups (each costs more CPU than a
    // frame's worth of work).
    const gint64 silent_until = st->last_datagram_us + gint64(timeout_ms) * 1000;
    const int wait_ms =
        int(std::clamp<gint64>((silent_until - g_get_monotonic_time() + 999) / 1000, 0, gint64(timeout_ms)));
    g_autoptr(GError) error = nullptr;
    if (st->receiver.receive(*st->assembler, emit, wait_ms, st->wake, &error)) {
      st->last_datagram_us = g_get_monotonic_time();
      refresh_stats(st);
      continue;
    }
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      // Reset before looking at the flush, so that an unlock() racing with
      // this cancels `wake` again instead of being lost.
      g_cancellable_reset(st->wake);
      if (g_cancellable_is_cancelled(st->cancellable)) {
        GST_DEBUG_OBJECT(self, "receive cancelled: flushing");
        return GST_FLOW_FLUSHING;
      }
      continue;  // the session was lost: handled at the top of the loop
    }
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
      if (g_get_monotonic_time() >= silent_until) {
        g_autofree char *why = g_strdup_printf("no preview from the camera for %u ms", timeout_ms);
        GstFlowReturn ret = gst_ipcam_src_reconnect(self, why);
        if (ret != GST_FLOW_OK) return ret;
      }
      continue;
    }
    GST_ELEMENT_ERROR(self, RESOURCE, READ, ("Could not receive the camera's preview: %s", error->message),
                      (nullptr));
    return GST_FLOW_ERROR;
  }
}
