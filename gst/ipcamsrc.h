// ipcamsrc: a live H.264 source for WiFi action cameras (see
// docs/ipcamsrc.md). The GObject face of the element; the C++ state lives
// in ipcamsrc-state.h.
#pragma once

#include <gst/base/gstpushsrc.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_IPCAM_SRC (gst_ipcam_src_get_type())
G_DECLARE_FINAL_TYPE(GstIpcamSrc, gst_ipcam_src, GST, IPCAM_SRC, GstPushSrc)

GST_ELEMENT_REGISTER_DECLARE(ipcamsrc);

/* Where the frame-time datagram sits relative to its frame's data. */
typedef enum {
  GST_IPCAM_TIME_POSITION_BEFORE,
  GST_IPCAM_TIME_POSITION_AFTER,
} GstIpcamTimePosition;

/* What a buffer's PTS is derived from. */
typedef enum {
  GST_IPCAM_TIMESTAMP_MODE_CAMERA,   /* camera clock mapped onto running time */
  GST_IPCAM_TIMESTAMP_MODE_ARRIVAL,  /* running time at arrival */
} GstIpcamTimestampMode;

/* What happens to frames after a datagram was lost. */
typedef enum {
  GST_IPCAM_LOSS_POLICY_DROP_UNTIL_KEYFRAME,
  GST_IPCAM_LOSS_POLICY_PASS_CORRUPTED,
  GST_IPCAM_LOSS_POLICY_DROP_DAMAGED,
} GstIpcamLossPolicy;

GType gst_ipcam_time_position_get_type(void);
GType gst_ipcam_timestamp_mode_get_type(void);
GType gst_ipcam_loss_policy_get_type(void);

G_END_DECLS
