// ipcamsrc's camera connection, made in the streaming thread: discovery,
// login, firmware, start preview; reconnect with back-off; errors a person
// can act on.
#include "ipcamsrc-state.h"

#include "ipcam/camera-login.h"
#include "ipcam/text.h"

#include <vector>

using ipcam::src::Locker;

namespace {

std::vector<uint16_t> parse_ports(const std::string &text) {
  std::vector<uint16_t> ports;
  g_auto(GStrv) parts = g_strsplit(text.c_str(), ",", -1);
  for (char **p = parts; *p; p++) {
    guint64 v = 0;
    g_autofree char *t = g_strstrip(g_strdup(*p));
    if (*t && g_ascii_string_to_unsigned(t, 10, 1, 65535, &v, nullptr)) ports.push_back(uint16_t(v));
  }
  return ports;
}

// Waits `ms` unless the cancellable fires first. Returns false if cancelled.
bool cancellable_sleep(GCancellable *cancellable, guint ms) {
  GPollFD pfd;
  if (!g_cancellable_make_pollfd(cancellable, &pfd)) {
    g_usleep(gulong(ms) * 1000);
    return true;
  }
  g_poll(&pfd, 1, int(ms));
  g_cancellable_release_fd(cancellable);
  return !g_cancellable_is_cancelled(cancellable);
}

// Posts the error for a failed connect, phrased for the person at the
// pipeline. `first` = the initial connect (later ones are warnings).
void post_connect_error(GstIpcamSrc *self, const GError *error, const std::string &where, guint timeout_ms) {
  const char *msg = error->message;
  if (error->domain != IPCAM_ERROR) {
    GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Could not connect to the camera at %s: %s", where.c_str(), msg),
                      (nullptr));
    return;
  }
  switch (error->code) {
    case IPCAM_ERROR_LOGIN_REFUSED:
      GST_ELEMENT_ERROR(self, RESOURCE, NOT_AUTHORIZED,
                        ("The camera at %s refused the login: wrong user or password, or the camera is busy "
                         "with another client (it takes one at a time; close the phone app).",
                         where.c_str()),
                        ("%s", msg));
      break;
    case IPCAM_ERROR_BUSY:
      // Retrying would not help until the other client lets go.
      GST_ELEMENT_ERROR(self, RESOURCE, BUSY,
                        ("The camera at %s already has a client: close its phone app (or the other program "
                         "connected to it), then start again.",
                         where.c_str()),
                        ("%s", msg));
      break;
    case IPCAM_ERROR_NOT_IPCAM:
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ,
                        ("The device at %s is not an ipcam camera: it answered with bytes of another "
                         "protocol. Check the address and control-port.",
                         where.c_str()),
                        ("%s", msg));
      break;
    case IPCAM_ERROR_TIMEOUT:
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ,
                        ("No answer from the camera at %s within %u ms. Is this a camera, and is it awake? "
                         "(raise timeout if it is slow)",
                         where.c_str(), timeout_ms),
                        ("%s", msg));
      break;
    case IPCAM_ERROR_CANNOT_CONNECT:
      // The library's message names the camera, the cause and what to check.
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("%s.", msg), (nullptr));
      break;
    default:
      GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ, ("Could not use the camera at %s: %s", where.c_str(), msg),
                        (nullptr));
      break;
  }
}

enum class Attempt { kOk, kCancelled, kFailed };

// Discovery as ipcamsrc asks: its discovery address and ports, interface
// and timeout.
ipcam::DiscoveryConfig discovery_config(const ipcam::src::SrcSettings &s) {
  ipcam::DiscoveryConfig dc;
  if (!s.discovery_address.empty()) dc.broadcast_addresses.push_back(s.discovery_address);
  dc.ports = parse_ports(s.discovery_ports);
  dc.interface = s.endpoint.interface;
  dc.timeout_ms = s.endpoint.timeout_ms;
  dc.max_cameras = 1;  // the first camera that answers, not the whole timeout
  return dc;
}

// A session whose loss wakes the streaming thread, and whose unsolicited
// messages are logged.
std::shared_ptr<ipcam::ControlSession> make_session(GstIpcamSrc *self, const ipcam::SessionConfig &sc) {
  auto *st = self->state;
  auto session = std::make_shared<ipcam::ControlSession>(sc);
  auto lost = st->lost;
  lost->clear();
  // The streaming thread sleeps on `wake`: cancelling it makes it look at
  // `lost` now rather than at the next datagram or the preview timeout.
  std::shared_ptr<GCancellable> wake(G_CANCELLABLE(g_object_ref(st->wake)), g_object_unref);
  session->set_lost_handler([lost, wake](const GError *error) {
    lost->mark(error ? error->message : nullptr);
    g_cancellable_cancel(wake.get());
  });
  gst_ipcam_src_watch_events(self, *session);  // ipcamsrc-events.cpp
  session->set_message_handler([self](const ipcam::RawReply &m) {
    const char *name = ipcam::message_type_name(m.type);
    GST_DEBUG_OBJECT(self, "unsolicited message 0x%04x (%s), %zu bytes", m.type, name ? name : "unknown",
                     m.payload.size());
  });
  return session;
}

// One connection attempt. On failure `error` is set and nothing is posted.
Attempt try_connect(GstIpcamSrc *self, std::string &where, GError **error) {
  auto *st = self->state;
  ipcam::src::SrcSettings s;
  {
    Locker l(st->lock);
    s = st->settings;
  }

  ipcam::CameraEndpoint endpoint = s.endpoint;
  endpoint.password = s.password ? *s.password : ipcam::src::fallback_password();
  ipcam::FoundCamera found;
  if (!ipcam::find_camera(endpoint, discovery_config(s), st->cancellable, found, error)) {
    if (g_error_matches(*error, IPCAM_ERROR, IPCAM_ERROR_NO_CAMERA)) {
      where = found.where;
      return Attempt::kFailed;
    }
    return g_cancellable_is_cancelled(st->cancellable) ? Attempt::kCancelled : Attempt::kFailed;
  }
  const std::string address = found.address;
  const std::string serial = found.serial;
  if (found.answered)
    GST_INFO_OBJECT(self, "discovered camera at %s (serial '%s')", address.c_str(),
                    ipcam::escape_control(serial).c_str());
  where = address + ":" + std::to_string(endpoint.control_port);

  endpoint.address = address;
  ipcam::SessionConfig sc = ipcam::session_config(endpoint);
  sc.keepalive_interval_ms = s.keepalive_ms;
  sc.max_files = s.max_files;
  auto session = make_session(self, sc);

  GST_INFO_OBJECT(self, "connecting to %s as '%s'", where.c_str(), endpoint.user.c_str());
  {
    Locker l(st->lock);
    st->connecting = session;
  }
  // unlock() may have run before `connecting` was set: then the cancellable
  // already says so.
  std::string firmware;
  // No CloseOnCancel here: unlock() closes `connecting`, which also ends a
  // request after login.
  bool ok = !g_cancellable_is_cancelled(st->cancellable) && session->connect(st->cancellable, error);
  // The block (camera-settings, firmware), the clock, apply-settings: as
  // the phone app does before it starts the preview (ipcamsrc-settings.cpp).
  if (ok) firmware = gst_ipcam_src_set_up_camera(self, *session, st->cancellable);
  ok = ok && !g_cancellable_is_cancelled(st->cancellable) &&
       st->receiver.set_camera_address(session->peer_address(), error) && session->start_preview(error);
  {
    Locker l(st->lock);
    st->connecting.reset();
  }
  if (g_cancellable_is_cancelled(st->cancellable)) {
    session->close();
    g_clear_error(error);
    return Attempt::kCancelled;
  }
  if (!ok) return Attempt::kFailed;

  {
    Locker l(st->lock);
    st->session = session;
    st->camera_address = session->peer_address();
    st->firmware = firmware;
    if (!serial.empty()) st->serial = serial;
  }
  g_object_notify(G_OBJECT(self), "firmware-version");
  if (!serial.empty()) g_object_notify(G_OBJECT(self), "serial");
  gst_ipcam_src_post(self, gst_structure_new("ipcam-connected", "address", G_TYPE_STRING, address.c_str(),
                                             "control-port", G_TYPE_UINT, guint(endpoint.control_port), "firmware",
                                             G_TYPE_STRING, firmware.c_str(), "serial", G_TYPE_STRING,
                                             serial.c_str(), nullptr));
  GST_INFO_OBJECT(self, "connected to %s, firmware '%s'; preview started", where.c_str(),
                  ipcam::escape_control(firmware).c_str());
  return Attempt::kOk;
}

void start_streaming_state(ipcam::src::SrcState *st) {
  st->session_up = true;
  st->loss_drained = false;
  st->need_keyframe = true;
  st->pending_discont = true;
  st->last_datagram_us = g_get_monotonic_time();
}

}  // namespace

void gst_ipcam_src_disconnect(GstIpcamSrc *self) {
  auto *st = self->state;
  std::shared_ptr<ipcam::ControlSession> session;
  {
    Locker l(st->lock);
    session.swap(st->session);
  }
  // Closing wakes any action signal still waiting on this session.
  if (session) session->close();
  st->session_up = false;
}

GstFlowReturn gst_ipcam_src_connect(GstIpcamSrc *self) {
  auto *st = self->state;
  std::string where;
  g_autoptr(GError) error = nullptr;
  switch (try_connect(self, where, &error)) {
    case Attempt::kOk:
      start_streaming_state(st);
      return GST_FLOW_OK;
    case Attempt::kCancelled:
      gst_ipcam_src_disconnect(self);
      return GST_FLOW_FLUSHING;
    case Attempt::kFailed:
      break;
  }
  gst_ipcam_src_disconnect(self);
  guint timeout_ms;
  {
    Locker l(st->lock);
    timeout_ms = st->settings.endpoint.timeout_ms;
  }
  if (g_error_matches(error, IPCAM_ERROR, IPCAM_ERROR_NO_CAMERA)) {
    GST_ELEMENT_ERROR(self, RESOURCE, NOT_FOUND,
                      ("No camera found: no camera answered on %s within %u ms. Join the camera's WiFi, or "
                       "set address.",
                       where.c_str(), timeout_ms),
                      (nullptr));
  } else {
    post_connect_error(self, error, where, timeout_ms);
  }
  return GST_FLOW_ERROR;
}

GstFlowReturn gst_ipcam_src_reconnect(GstIpcamSrc *self, const char *why) {
  auto *st = self->state;
  gint attempts;
  guint backoff;
  {
    Locker l(st->lock);
    attempts = st->settings.reconnect_attempts;
    backoff = st->settings.reconnect_backoff_ms;
  }
  GST_ELEMENT_WARNING(self, RESOURCE, READ, ("Lost the camera (%s); reconnecting.", why), (nullptr));
  gst_ipcam_src_disconnect(self);
  st->clear_frames();

  std::string where;
  g_autoptr(GError) last_error = nullptr;
  bool busy_said = false;
  for (gint i = 0; attempts < 0 || i < attempts; i++) {
    if (!cancellable_sleep(st->cancellable, backoff)) return GST_FLOW_FLUSHING;
    g_clear_error(&last_error);
    switch (try_connect(self, where, &last_error)) {
      case Attempt::kOk: {
        // A new preview session: new sequence numbers, maybe a new clock.
        st->assembler->reset();
        st->mapper.reset();
        start_streaming_state(st);
        {
          Locker l(st->lock);
          st->reconnects++;
        }
        gst_ipcam_src_post(self, gst_structure_new("ipcam-reconnected", "attempt", G_TYPE_INT, i + 1, nullptr));
        return GST_FLOW_OK;
      }
      case Attempt::kCancelled:
        gst_ipcam_src_disconnect(self);
        return GST_FLOW_FLUSHING;
      case Attempt::kFailed:
        gst_ipcam_src_disconnect(self);
        GST_WARNING_OBJECT(self, "reconnect attempt %d to %s failed: %s", i + 1, where.c_str(),
                           last_error->message);
        // Said once: the phone app took the camera meanwhile. The back-off
        // goes on as for any cause, so the camera is not hammered.
        if (!busy_said && g_error_matches(last_error, IPCAM_ERROR, IPCAM_ERROR_BUSY)) {
          busy_said = true;
          GST_ELEMENT_WARNING(self, RESOURCE, BUSY,
                              ("The camera at %s already has a client: close its phone app. Still trying to "
                               "reconnect.",
                               where.c_str()),
                              ("%s", last_error->message));
        }
        // An attempt that timed out has already waited `timeout` for a camera
        // out of reach (a link that is down): a longer pause would only delay
        // the pictures once the link is back. Refusals and closes back off.
        if (!g_error_matches(last_error, IPCAM_ERROR, IPCAM_ERROR_TIMEOUT))
          backoff = std::min(backoff * 2, ipcam::src::kReconnectBackoffCapMs);
        break;
    }
  }
  GST_ELEMENT_ERROR(self, RESOURCE, READ,
                    ("Lost the camera (%s) and could not reconnect after %d attempts: %s", why, attempts,
                     last_error ? last_error->message : "reconnecting is disabled (reconnect-attempts=0)"),
                    (nullptr));
  return GST_FLOW_ERROR;
}
