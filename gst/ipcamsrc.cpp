/**
 * SECTION:element-ipcamsrc
 * @title: ipcamsrc
 *
 * Live H.264 preview from a WiFi action camera (CamPark ACT76, TecTecTec
 * XPro2 and their "camdroid" clones). Connects to the camera's control port,
 * logs in, asks for the preview and turns the UDP preview datagrams into
 * whole H.264 access units, stamped from the camera's clock.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 ipcamsrc address=192.168.1.1 ! h264parse ! avdec_h264 ! autovideosink
 * gst-launch-1.0 playbin uri=ipcam://admin:12345@192.168.1.1
 * ]|
 *
 * Action signals control the camera while it streams: take-still,
 * take-still-fetch, start-recording, stop-recording, list-files,
 * get-firmware, download-file, raw-command, set-setting, get-storage,
 * delete-file, format-storage, set-clock (see docs/ipcamsrc.md). The
 * camera's settings: camera-settings, apply-settings, sync-clock
 * (ipcamsrc-settings.cpp).
 */
#include "ipcamsrc-state.h"

#include <gst/video/video.h>

#include <cstring>

GST_DEBUG_CATEGORY(ipcamsrc_debug);

using ipcam::src::Locker;

enum {
  PROP_0,
  PROP_ADDRESS,
  PROP_CONTROL_PORT,
  PROP_PREVIEW_PORT,
  PROP_HTTP_PORT,
  PROP_DISCOVERY_ADDRESS,
  PROP_DISCOVERY_PORTS,
  PROP_INTERFACE,
  PROP_USER,
  PROP_PASSWORD,
  PROP_TIMEOUT,
  PROP_KEEPALIVE_INTERVAL,
  PROP_TIME_POSITION,
  PROP_TIMESTAMP_MODE,
  PROP_LATENCY,
  PROP_LOSS_POLICY,
  PROP_RECONNECT_ATTEMPTS,
  PROP_RECONNECT_BACKOFF,
  PROP_BUFFER_SIZE,
  PROP_MAX_FILES,
  PROP_SERIAL,
  PROP_FIRMWARE_VERSION,
  PROP_STATS,
  PROP_LAST_ERROR,
  PROP_REORDER_WINDOW,
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("video/x-h264, stream-format=(string)byte-stream, alignment=(string)au"));

#define gst_ipcam_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE(GstIpcamSrc, gst_ipcam_src, GST_TYPE_PUSH_SRC,
                        G_IMPLEMENT_INTERFACE(GST_TYPE_URI_HANDLER, gst_ipcam_src_uri_handler_init);
                        GST_DEBUG_CATEGORY_INIT(ipcamsrc_debug, "ipcamsrc", 0,
                                                "WiFi action camera source"));
GST_ELEMENT_REGISTER_DEFINE(ipcamsrc, "ipcamsrc", GST_RANK_NONE, GST_TYPE_IPCAM_SRC);

GType gst_ipcam_time_position_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_IPCAM_TIME_POSITION_BEFORE, "Time datagram precedes its frame's data", "before"},
      {GST_IPCAM_TIME_POSITION_AFTER, "Time datagram follows its frame's data", "after"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) g_once_init_leave(&type, g_enum_register_static("GstIpcamTimePosition", values));
  return type;
}

GType gst_ipcam_timestamp_mode_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_IPCAM_TIMESTAMP_MODE_CAMERA, "Camera clock mapped onto running time", "camera"},
      {GST_IPCAM_TIMESTAMP_MODE_ARRIVAL, "Running time at arrival", "arrival"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) g_once_init_leave(&type, g_enum_register_static("GstIpcamTimestampMode", values));
  return type;
}

GType gst_ipcam_loss_policy_get_type(void) {
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_IPCAM_LOSS_POLICY_DROP_UNTIL_KEYFRAME, "After a loss, drop frames until the next keyframe",
       "drop-until-keyframe"},
      {GST_IPCAM_LOSS_POLICY_PASS_CORRUPTED, "Pass damaged frames on, flagged CORRUPTED", "pass-corrupted"},
      {GST_IPCAM_LOSS_POLICY_DROP_DAMAGED,
       "Drop only the damaged frames; the next whole frame goes on (the decoder predicts from an older picture)",
       "drop-damaged"},
      {0, nullptr, nullptr}};
  if (g_once_init_enter(&type)) g_once_init_leave(&type, g_enum_register_static("GstIpcamLossPolicy", values));
  return type;
}

namespace ipcam::src {

SrcState::SrcState() : cancellable(g_cancellable_new()), downloads(g_cancellable_new()), wake(g_cancellable_new()) {
  wake_link = g_cancellable_connect(
      cancellable, G_CALLBACK(+[](GCancellable *, gpointer w) { g_cancellable_cancel(G_CANCELLABLE(w)); }), wake,
      nullptr);
  // A flood from another address shows in the stats while it lasts.
  receiver.set_stats_handler([this](const ipcam::ReceiverStats &s) {
    Locker l(lock);
    receiver_stats = s;
  });
}

SrcState::~SrcState() {
  clear_frames();
  if (last_error) gst_structure_free(last_error);
  g_cancellable_disconnect(cancellable, wake_link);
  g_object_unref(wake);
  g_object_unref(downloads);
  g_object_unref(cancellable);
}

void SrcState::clear_frames() { frames.clear(); }

}  // namespace ipcam::src

void gst_ipcam_src_post(GstIpcamSrc *self, GstStructure *s) {
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), s));
}

static GstStructure *stats_structure(ipcam::src::SrcState *st) {
  Locker l(st->lock);
  const auto &a = st->assembler_stats;
  return gst_structure_new("ipcam-stats", "frames", G_TYPE_UINT64, a.frames, "bytes", G_TYPE_UINT64, a.bytes,
                           "datagrams", G_TYPE_UINT64, a.datagrams, "lost", G_TYPE_UINT64, a.lost,
                           "duplicates", G_TYPE_UINT64, a.duplicates, "reordered", G_TYPE_UINT64, a.reordered,
                           "late", G_TYPE_UINT64, a.late,
                           "malformed", G_TYPE_UINT64, a.malformed, "strays", G_TYPE_UINT64, a.strays,
                           "discontinuities", G_TYPE_UINT64,
                           a.discontinuities, "keyframes", G_TYPE_UINT64, a.keyframes, "dropped-frames",
                           G_TYPE_UINT64, a.dropped_frames, "reconnects", G_TYPE_UINT64, st->reconnects,
                           "foreign", G_TYPE_UINT64, st->receiver_stats.foreign, "kernel-drops",
                           G_TYPE_UINT64, st->receiver_stats.kernel_drops, nullptr);
}

static void gst_ipcam_src_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec) {
  auto *self = GST_IPCAM_SRC(object);
  if (gst_ipcam_src_setup_set_property(self, prop_id, value)) return;  // ipcamsrc-settings.cpp
  Locker l(self->state->lock);
  auto &s = self->state->settings;
  switch (prop_id) {
    // The param specs keep every port within 0..65535.
    case PROP_ADDRESS: s.endpoint.address = g_value_get_string(value) ? g_value_get_string(value) : ""; break;
    case PROP_CONTROL_PORT: s.endpoint.control_port = uint16_t(g_value_get_uint(value)); break;
    case PROP_PREVIEW_PORT: s.endpoint.preview_port = uint16_t(g_value_get_uint(value)); break;
    case PROP_HTTP_PORT: s.endpoint.http_port = uint16_t(g_value_get_uint(value)); break;
    case PROP_DISCOVERY_ADDRESS:
      s.discovery_address = g_value_get_string(value) ? g_value_get_string(value) : "";
      break;
    case PROP_DISCOVERY_PORTS:
      s.discovery_ports = g_value_get_string(value) ? g_value_get_string(value) : ipcam::src::default_discovery_ports();
      break;
    case PROP_INTERFACE: s.endpoint.interface = g_value_get_string(value) ? g_value_get_string(value) : ""; break;
    case PROP_USER: s.endpoint.user = g_value_get_string(value) ? g_value_get_string(value) : ""; break;
    case PROP_PASSWORD:
      // NULL goes back to IPCAM_PASSWORD or the default.
      if (g_value_get_string(value))
        s.password = g_value_get_string(value);
      else
        s.password.reset();
      break;
    case PROP_TIMEOUT: s.endpoint.timeout_ms = g_value_get_uint(value); break;
    case PROP_KEEPALIVE_INTERVAL: s.keepalive_ms = g_value_get_uint(value); break;
    case PROP_TIME_POSITION: s.time_position = GstIpcamTimePosition(g_value_get_enum(value)); break;
    case PROP_TIMESTAMP_MODE: s.timestamp_mode = GstIpcamTimestampMode(g_value_get_enum(value)); break;
    case PROP_LATENCY: s.latency_ms = g_value_get_uint(value); break;
    case PROP_LOSS_POLICY: s.loss_policy = GstIpcamLossPolicy(g_value_get_enum(value)); break;
    case PROP_REORDER_WINDOW: s.reorder_window_ms = g_value_get_uint(value); break;
    case PROP_RECONNECT_ATTEMPTS: s.reconnect_attempts = g_value_get_int(value); break;
    case PROP_RECONNECT_BACKOFF: s.reconnect_backoff_ms = g_value_get_uint(value); break;
    case PROP_BUFFER_SIZE: s.buffer_size = g_value_get_int(value); break;
    case PROP_MAX_FILES: s.max_files = g_value_get_uint(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

static void gst_ipcam_src_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec) {
  auto *self = GST_IPCAM_SRC(object);
  auto *st = self->state;
  if (gst_ipcam_src_setup_get_property(self, prop_id, value)) return;  // ipcamsrc-settings.cpp
  if (prop_id == PROP_STATS) {
    g_value_take_boxed(value, stats_structure(st));
    return;
  }
  Locker l(st->lock);
  if (prop_id == PROP_LAST_ERROR) {
    g_value_set_boxed(value, st->last_error);
    return;
  }
  const auto &s = st->settings;
  switch (prop_id) {
    case PROP_ADDRESS: g_value_set_string(value, s.endpoint.address.c_str()); break;
    case PROP_CONTROL_PORT: g_value_set_uint(value, s.endpoint.control_port); break;
    case PROP_PREVIEW_PORT:
      // Port 0 reads back as the port actually bound once in READY.
      g_value_set_uint(value, st->receiver.bound() ? st->receiver.port() : s.endpoint.preview_port);
      break;
    case PROP_HTTP_PORT: g_value_set_uint(value, s.endpoint.http_port); break;
    case PROP_DISCOVERY_ADDRESS: g_value_set_string(value, s.discovery_address.c_str()); break;
    case PROP_DISCOVERY_PORTS: g_value_set_string(value, s.discovery_ports.c_str()); break;
    case PROP_INTERFACE: g_value_set_string(value, s.endpoint.interface.c_str()); break;
    case PROP_USER: g_value_set_string(value, s.endpoint.user.c_str()); break;
    case PROP_PASSWORD: g_value_set_string(value, "***"); break;
    case PROP_TIMEOUT: g_value_set_uint(value, s.endpoint.timeout_ms); break;
    case PROP_KEEPALIVE_INTERVAL: g_value_set_uint(value, s.keepalive_ms); break;
    case PROP_TIME_POSITION: g_value_set_enum(value, s.time_position); break;
    case PROP_TIMESTAMP_MODE: g_value_set_enum(value, s.timestamp_mode); break;
    case PROP_LATENCY: g_value_set_uint(value, s.latency_ms); break;
    case PROP_LOSS_POLICY: g_value_set_enum(value, s.loss_policy); break;
    case PROP_REORDER_WINDOW: g_value_set_uint(value, s.reorder_window_ms); break;
    case PROP_RECONNECT_ATTEMPTS: g_value_set_int(value, s.reconnect_attempts); break;
    case PROP_RECONNECT_BACKOFF: g_value_set_uint(value, s.reconnect_backoff_ms); break;
    case PROP_BUFFER_SIZE: g_value_set_int(value, s.buffer_size); break;
    case PROP_MAX_FILES: g_value_set_uint(value, s.max_files); break;
    case PROP_SERIAL: g_value_set_string(value, st->serial.c_str()); break;
    case PROP_FIRMWARE_VERSION: g_value_set_string(value, st->firmware.c_str()); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec); break;
  }
}

static GstStateChangeReturn gst_ipcam_src_change_state(GstElement *element, GstStateChange transition) {
  auto *self = GST_IPCAM_SRC(element);
  auto *st = self->state;
  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    // Bound here, like udpsrc, so port 0 can be read back before PLAYING.
    guint port;
    gint buffer_size;
    std::string interface;
    {
      Locker l(st->lock);
      port = st->settings.endpoint.preview_port;
      buffer_size = st->settings.buffer_size;
      interface = st->settings.endpoint.interface;
    }
    g_autoptr(GError) error = nullptr;
    if (!st->receiver.set_interface(interface, &error)) {
      GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("Cannot use interface \"%s\": %s", interface.c_str(), error->message),
                        (nullptr));
      return GST_STATE_CHANGE_FAILURE;
    }
    if (!st->receiver.bind("", guint16(port), buffer_size, &error)) {
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ,
                        ("Could not listen for the camera's preview on UDP port %u: %s. Another program "
                         "(or another ipcamsrc) may be using it; set preview-port.",
                         port, error->message),
                        (nullptr));
      return GST_STATE_CHANGE_FAILURE;
    }
    GST_DEBUG_OBJECT(self, "preview socket bound on port %u", st->receiver.port());
  }
  GstStateChangeReturn ret = GST_ELEMENT_CLASS(parent_class)->change_state(element, transition);
  if (transition == GST_STATE_CHANGE_READY_TO_NULL) st->receiver.close();
  return ret;
}

static gboolean gst_ipcam_src_start(GstBaseSrc *src) {
  auto *self = GST_IPCAM_SRC(src);
  auto *st = self->state;
  ipcam::AssemblerConfig config;
  {
    Locker l(st->lock);
    config.time_position = st->settings.time_position == GST_IPCAM_TIME_POSITION_AFTER
                               ? ipcam::TimePosition::kAfter
                               : ipcam::TimePosition::kBefore;
    config.loss_policy = st->settings.loss_policy == GST_IPCAM_LOSS_POLICY_PASS_CORRUPTED
                             ? ipcam::LossPolicy::kPassCorrupted
                         : st->settings.loss_policy == GST_IPCAM_LOSS_POLICY_DROP_DAMAGED
                             ? ipcam::LossPolicy::kDropDamaged
                             : ipcam::LossPolicy::kDropUntilKeyframe;
    // 0 ms turns the window off: a gap is a loss at once.
    config.reorder_ms = st->settings.reorder_window_ms;
    if (config.reorder_ms == 0) config.reorder_datagrams = 0;
    st->assembler_stats = {};
    st->receiver_stats = {};
    st->reconnects = 0;
    if (g_cancellable_is_cancelled(st->downloads)) {
      g_object_unref(st->downloads);
      st->downloads = g_cancellable_new();
    }
  }
  st->assembler = std::make_unique<ipcam::PreviewAssembler>(config);
  st->mapper.reset();
  st->stream_info.reset();
  st->caps_sent = false;
  st->need_keyframe = true;
  st->pending_discont = true;
  st->session_up = false;
  st->arrival_origin_set = false;
  st->last_pts_ns = 0;
  st->lost->clear();
  // Connecting happens in the streaming thread (first create()), so this
  // state change returns at once.
  return TRUE;
}

static gboolean gst_ipcam_src_stop(GstBaseSrc *src) {
  auto *self = GST_IPCAM_SRC(src);
  {
    Locker l(self->state->lock);
    g_cancellable_cancel(self->state->downloads);  // downloads from the signals end now
  }
  gst_ipcam_src_disconnect(self);
  self->state->clear_frames();
  self->state->assembler.reset();
  return TRUE;
}

static gboolean gst_ipcam_src_unlock(GstBaseSrc *src) {
  auto *self = GST_IPCAM_SRC(src);
  GST_DEBUG_OBJECT(self, "unlock");
  g_cancellable_cancel(self->state->cancellable);
  std::shared_ptr<ipcam::ControlSession> connecting;
  {
    ipcam::src::Locker l(self->state->lock);
    connecting = self->state->connecting;
  }
  // Requests made while connecting do not take the cancellable; closing
  // their session ends them at once.
  if (connecting) connecting->close();
  return TRUE;
}

static gboolean gst_ipcam_src_unlock_stop(GstBaseSrc *src) {
  auto *self = GST_IPCAM_SRC(src);
  GST_DEBUG_OBJECT(self, "unlock stop");
  g_cancellable_reset(self->state->cancellable);
  g_cancellable_reset(self->state->wake);
  return TRUE;
}

// Caps are set from create(), once the first keyframe's SPS says the size.
static gboolean gst_ipcam_src_negotiate(GstBaseSrc *) { return TRUE; }

static gboolean gst_ipcam_src_query(GstBaseSrc *src, GstQuery *query) {
  auto *self = GST_IPCAM_SRC(src);
  if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
    GstClockTime min;
    {
      Locker l(self->state->lock);
      min = self->state->settings.latency_ms * GST_MSECOND;
    }
    gst_query_set_latency(query, TRUE, min, min + ipcam::src::kMaxExtraLatency);
    GST_DEBUG_OBJECT(self, "latency: min %" GST_TIME_FORMAT, GST_TIME_ARGS(min));
    return TRUE;
  }
  return GST_BASE_SRC_CLASS(parent_class)->query(src, query);
}

static void gst_ipcam_src_init(GstIpcamSrc *self) {
  self->state = new ipcam::src::SrcState();
  gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
  gst_base_src_set_do_timestamp(GST_BASE_SRC(self), FALSE);
}

static void gst_ipcam_src_finalize(GObject *object) {
  auto *self = GST_IPCAM_SRC(object);
  delete self->state;
  self->state = nullptr;
  G_OBJECT_CLASS(parent_class)->finalize(object);
}

GstFlowReturn gst_ipcam_src_create(GstPushSrc *psrc, GstBuffer **buf);  // ipcamsrc-stream.cpp

// Settings apply at the next start: writable up to READY.
static constexpr auto kReadWrite = GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
static constexpr auto kReadOnly = GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

// Where the camera is: its address and the ports of its three services.
static void install_endpoint_properties(GObjectClass *oc) {
  // Formatted from endpoint.h's constant; static, as G_PARAM_STATIC_STRINGS
  // keeps the pointer.
  static const std::string preview_port_blurb =
      "Local UDP port the camera sends its preview to (bound in READY; 0 = any free port, read back after "
      "READY; real cameras always send to " + std::to_string(ipcam::kPreviewPort) + ")";
  g_object_class_install_property(
      oc, PROP_ADDRESS,
      g_param_spec_string("address", "Address",
                          "Camera address (IPv4 or host name); empty = discover and take the first camera "
                          "that answers",
                          "", kReadWrite));
  g_object_class_install_property(
      oc, PROP_CONTROL_PORT,
      g_param_spec_uint("control-port", "Control port", "Camera's TCP control port", 1, 65535,
                        ipcam::kControlPort, kReadWrite));
  g_object_class_install_property(
      oc, PROP_PREVIEW_PORT,
      g_param_spec_uint("preview-port", "Preview port", preview_port_blurb.c_str(), 0, 65535, ipcam::kPreviewPort,
                        kReadWrite));
  g_object_class_install_property(
      oc, PROP_HTTP_PORT,
      g_param_spec_uint("http-port", "HTTP port", "Camera's HTTP port for stored files", 1, 65535,
                        ipcam::kHttpPort, kReadWrite));
}

// Finding a camera when no address is set.
static void install_discovery_properties(GObjectClass *oc) {
  g_object_class_install_property(
      oc, PROP_DISCOVERY_ADDRESS,
      g_param_spec_string("discovery-address", "Discovery address",
                          "Broadcast address discovery asks on when address is empty (empty = the "
                          "broadcast address of every up IPv4 interface, and 127.0.0.1 where an "
                          "emulator on this machine answers, unless interface is set)",
                          "", kReadWrite));
  g_object_class_install_property(
      oc, PROP_DISCOVERY_PORTS,
      g_param_spec_string("discovery-ports", "Discovery ports",
                          "Comma-separated UDP ports discovery asks on (firmwares differ)",
                          ipcam::src::default_discovery_ports().c_str(), kReadWrite));
}

// How the camera is reached and logged in to, and how long it may take.
static void install_access_properties(GObjectClass *oc) {
  // Formatted from endpoint.h's constant; static, as G_PARAM_STATIC_STRINGS
  // keeps the pointer.
  static const std::string password_blurb = std::string("Login password; unset: $IPCAM_PASSWORD, then the "
                                                        "cameras' default ") +
                                            ipcam::kDefaultPassword + " (reads back as ***, never logged)";
  g_object_class_install_property(
      oc, PROP_INTERFACE,
      g_param_spec_string("interface", "Network interface",
                          "Reach the camera only through this network interface (e.g. wlan1): control, "
                          "preview, discovery and downloads (SO_BINDTODEVICE); empty = any. For cameras "
                          "that share one address, each on its own Wi-Fi adapter",
                          "", kReadWrite));
  g_object_class_install_property(
      oc, PROP_USER,
      g_param_spec_string("user", "User", "Login user name", ipcam::kDefaultUser, kReadWrite));
  g_object_class_install_property(
      oc, PROP_PASSWORD,
      g_param_spec_string("password", "Password", password_blurb.c_str(), nullptr, kReadWrite));
  g_object_class_install_property(
      oc, PROP_TIMEOUT,
      g_param_spec_uint("timeout", "Timeout",
                        "Milliseconds to wait for the camera: connect, each reply, discovery, and preview "
                        "silence before reconnecting",
                        100, 600000, ipcam::kDefaultTimeoutMs, kReadWrite));
}

// The control session: keep-alives and how much a camera may send.
static void install_control_properties(GObjectClass *oc) {
  g_object_class_install_property(
      oc, PROP_KEEPALIVE_INTERVAL,
      g_param_spec_uint("keepalive-interval", "Keep-alive interval",
                        "Milliseconds between own alive messages to the camera (0 = only answer its "
                        "requests)",
                        0, 600000, ipcam::src::kDefaultKeepaliveMs, kReadWrite));
  g_object_class_install_property(
      oc, PROP_MAX_FILES,
      g_param_spec_uint("max-files", "Maximum files",
                        "Most file list entries list-files accepts: a longer list fails with an error "
                        "naming this property, so a hostile camera cannot fill memory",
                        1, G_MAXUINT, ipcam::src::kDefaultMaxFiles, kReadWrite));
}

// The preview stream: its timestamps, latency, socket and losses.
static void install_stream_properties(GObjectClass *oc) {
  g_object_class_install_property(
      oc, PROP_TIME_POSITION,
      g_param_spec_enum("time-position", "Time position",
                        "Whether the camera sends a frame's time datagram before or after its data",
                        gst_ipcam_time_position_get_type(), GST_IPCAM_TIME_POSITION_BEFORE, kReadWrite));
  g_object_class_install_property(
      oc, PROP_TIMESTAMP_MODE,
      g_param_spec_enum("timestamp-mode", "Timestamp mode", "What buffer timestamps are derived from",
                        gst_ipcam_timestamp_mode_get_type(), GST_IPCAM_TIMESTAMP_MODE_CAMERA, kReadWrite));
  g_object_class_install_property(
      oc, PROP_LATENCY,
      g_param_spec_uint("latency", "Latency",
                        "Jitter allowance in milliseconds, reported as the minimum latency", 0, 10000,
                        ipcam::src::kDefaultLatencyMs, kReadWrite));
  g_object_class_install_property(
      oc, PROP_BUFFER_SIZE,
      g_param_spec_int("buffer-size", "Buffer size",
                       "Kernel receive buffer of the preview socket in bytes (0 = the system default). "
                       "Larger values absorb bursts when the streaming thread is late",
                       0, G_MAXINT, 0, kReadWrite));
  g_object_class_install_property(
      oc, PROP_LOSS_POLICY,
      g_param_spec_enum("loss-policy", "Loss policy", "What to do with frames after a datagram was lost",
                        gst_ipcam_loss_policy_get_type(), GST_IPCAM_LOSS_POLICY_DROP_DAMAGED, kReadWrite));
  g_object_class_install_property(
      oc, PROP_REORDER_WINDOW,
      g_param_spec_uint("reorder-window", "Reorder window",
                        "How long, in milliseconds, a datagram that arrived ahead of a missing one waits for it "
                        "before the missing one counts as lost (also bounded by 64 datagrams); 0 = a gap is a "
                        "loss at once",
                        0, 1000, ipcam::src::kDefaultReorderWindowMs, kReadWrite));
}

// What happens when the camera drops or falls silent.
static void install_reconnect_properties(GObjectClass *oc) {
  g_object_class_install_property(
      oc, PROP_RECONNECT_ATTEMPTS,
      g_param_spec_int("reconnect-attempts", "Reconnect attempts",
                       "Reconnects tried after the camera drops or falls silent before giving up with an "
                       "error (-1 = forever, 0 = never)",
                       -1, G_MAXINT, ipcam::src::kDefaultReconnectAttempts, kReadWrite));
  g_object_class_install_property(
      oc, PROP_RECONNECT_BACKOFF,
      g_param_spec_uint("reconnect-backoff", "Reconnect back-off",
                        "Milliseconds before the first reconnect; doubles per attempt up to 8000", 0, 60000,
                        ipcam::src::kDefaultReconnectBackoffMs, kReadWrite));
}

// Read-only: what the camera told us, statistics and the last failure.
static void install_readout_properties(GObjectClass *oc) {
  g_object_class_install_property(
      oc, PROP_SERIAL,
      g_param_spec_string("serial", "Serial", "Camera serial number from its discovery answer (if any)", "",
                          kReadOnly));
  g_object_class_install_property(
      oc, PROP_FIRMWARE_VERSION,
      g_param_spec_string("firmware-version", "Firmware version", "Camera firmware version, read at connect",
                          "", kReadOnly));
  g_object_class_install_property(
      oc, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "Preview statistics (ipcam-stats: frames, bytes, datagrams, lost, duplicates, "
                         "reordered, late, malformed, discontinuities, keyframes, dropped-frames, reconnects, "
                         "foreign, kernel-drops)",
                         GST_TYPE_STRUCTURE, kReadOnly));
  /**
   * GstIpcamSrc:last-error:
   * The result message of the last action signal that failed (its name,
   * error, error-domain and error-code), or %NULL: an application reads it
   * right after a signal returned a failure to learn why (for a timeout,
   * a busy camera, no connection, a bad argument). Requests from several
   * threads at once may see each other's.
   */
  g_object_class_install_property(
      oc, PROP_LAST_ERROR,
      g_param_spec_boxed("last-error", "Last error",
                         "Result message of the last failed action signal (error, error-domain, error-code)",
                         GST_TYPE_STRUCTURE, kReadOnly));
}

// By topic; the groups keep the order gst-inspect-1.0 has always shown.
static void install_properties(GObjectClass *oc) {
  install_endpoint_properties(oc);
  install_discovery_properties(oc);
  install_access_properties(oc);
  install_control_properties(oc);
  install_stream_properties(oc);
  install_reconnect_properties(oc);
  install_readout_properties(oc);
  gst_ipcam_src_install_setup_properties(oc);
}

static void gst_ipcam_src_class_init(GstIpcamSrcClass *klass) {
  auto *oc = G_OBJECT_CLASS(klass);
  auto *ec = GST_ELEMENT_CLASS(klass);
  auto *bc = GST_BASE_SRC_CLASS(klass);
  auto *pc = GST_PUSH_SRC_CLASS(klass);

  oc->set_property = gst_ipcam_src_set_property;
  oc->get_property = gst_ipcam_src_get_property;
  oc->finalize = gst_ipcam_src_finalize;
  install_properties(oc);

  gst_element_class_set_static_metadata(ec, "WiFi action camera source", "Source/Video/Network",
                                        "Live H.264 preview and control of camdroid WiFi action cameras "
                                        "(CamPark, TecTecTec and clones)",
                                        "ipcam project");
  gst_element_class_add_static_pad_template(ec, &src_template);
  ec->change_state = gst_ipcam_src_change_state;

  bc->start = gst_ipcam_src_start;
  bc->stop = gst_ipcam_src_stop;
  bc->unlock = gst_ipcam_src_unlock;
  bc->unlock_stop = gst_ipcam_src_unlock_stop;
  bc->negotiate = gst_ipcam_src_negotiate;
  bc->query = gst_ipcam_src_query;
  pc->create = gst_ipcam_src_create;

  gst_ipcam_src_install_signals(klass);

  gst_type_mark_as_plugin_api(gst_ipcam_time_position_get_type(), GstPluginAPIFlags(0));
  gst_type_mark_as_plugin_api(gst_ipcam_timestamp_mode_get_type(), GstPluginAPIFlags(0));
  gst_type_mark_as_plugin_api(gst_ipcam_loss_policy_get_type(), GstPluginAPIFlags(0));
}
