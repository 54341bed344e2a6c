// The C++ side of ipcamsrc, shared by its source files: settings (what the
// application asked for) kept apart from runtime state (what the element is
// doing). Created in instance init, deleted in finalize.
#pragma once

#include "ipcam-clock-mapper.h"
#include "ipcam-h264-info.h"
#include "ipcam/assembler.h"
#include "ipcam/endpoint.h"
#include "ipcam/receiver.h"
#include "ipcam/session.h"
#include "ipcamsrc-settings.h"
#include "ipcamsrc.h"

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

GST_DEBUG_CATEGORY_EXTERN(ipcamsrc_debug);
#define GST_CAT_DEFAULT ipcamsrc_debug

namespace ipcam::src {

// That the session was lost, and why: set on the session's reader thread,
// read by the streaming thread for its "lost the camera (why)" line.
class SessionLoss {
 public:
  void mark(const char *why) {
    {
      std::lock_guard<std::mutex> l(mutex_);
      why_ = why ? why : "";
    }
    lost_.store(true);
  }
  void clear() { lost_.store(false); }
  bool happened() const { return lost_.load(); }
  std::string why() const {
    std::lock_guard<std::mutex> l(mutex_);
    return why_.empty() ? std::string("the connection was lost") : why_;
  }

 private:
  std::atomic<bool> lost_{false};
  mutable std::mutex mutex_;
  std::string why_;
};

// GMutex with scoped locking; never held across a blocking call.
class Mutex {
 public:
  Mutex() { g_mutex_init(&m_); }
  ~Mutex() { g_mutex_clear(&m_); }
  Mutex(const Mutex &) = delete;
  Mutex &operator=(const Mutex &) = delete;
  void lock() { g_mutex_lock(&m_); }
  void unlock() { g_mutex_unlock(&m_); }

 private:
  GMutex m_;
};

class Locker {
 public:
  explicit Locker(Mutex &m) : m_(m) { m_.lock(); }
  ~Locker() { m_.unlock(); }
  Locker(const Locker &) = delete;
  Locker &operator=(const Locker &) = delete;

 private:
  Mutex &m_;
};

// The camera's ports, login and timeout default to endpoint.h's.
inline constexpr guint kDefaultKeepaliveMs = 5000;
inline constexpr guint kDefaultLatencyMs = 100;
// Wi-Fi delays datagrams by tens of milliseconds and reorders them: the
// assembler waits this long for a missing one (docs/preview.md).
inline constexpr guint kDefaultReorderWindowMs = 40;
inline constexpr gint kDefaultReconnectAttempts = 10;
inline constexpr guint kDefaultReconnectBackoffMs = 500;
inline constexpr guint kReconnectBackoffCapMs = 8000;
inline constexpr guint kDefaultMaxFiles = 100000;
// How much the sink may hold beyond the jitter allowance (the socket queue).
inline constexpr GstClockTime kMaxExtraLatency = 500 * GST_MSECOND;

// The password when neither the property nor the URI gave one.
inline std::string fallback_password() {
  const char *env = g_getenv("IPCAM_PASSWORD");
  return env ? env : ipcam::kDefaultPassword;
}

// discovery-ports' default, "P1,P2" from the protocol's discovery ports.
inline std::string default_discovery_ports() {
  std::string text;
  for (uint16_t port : ipcam::kDiscoveryPorts) text += (text.empty() ? "" : ",") + std::to_string(port);
  return text;
}

struct SrcSettings {
  // address (empty = discover), control, preview and HTTP ports, user,
  // interface (every socket to the camera tied to it; empty = any) and
  // timeout. Its password is not used: see `password`.
  ipcam::CameraEndpoint endpoint;
  std::string discovery_address;  // empty = each interface's broadcast
  std::string discovery_ports = default_discovery_ports();
  // Never logged, never read back. Kept apart from endpoint.password
  // because "unset" is a state of its own: IPCAM_PASSWORD, then the
  // default, looked up at each connect, and what setting NULL returns to;
  // a string cannot tell it from a password the application set. (Not
  // from the command line: gst-launch's parser logs its command line at
  // DEBUG level, so a password there is not private.)
  std::optional<std::string> password;
  guint keepalive_ms = kDefaultKeepaliveMs;
  GstIpcamTimePosition time_position = GST_IPCAM_TIME_POSITION_BEFORE;
  GstIpcamTimestampMode timestamp_mode = GST_IPCAM_TIMESTAMP_MODE_CAMERA;
  guint latency_ms = kDefaultLatencyMs;
  // drop-damaged: on a lossy link it shows many more pictures than
  // drop-until-keyframe, and decoders print nothing either way (docs/preview.md).
  GstIpcamLossPolicy loss_policy = GST_IPCAM_LOSS_POLICY_DROP_DAMAGED;
  guint reorder_window_ms = kDefaultReorderWindowMs;
  gint reconnect_attempts = kDefaultReconnectAttempts;
  guint reconnect_backoff_ms = kDefaultReconnectBackoffMs;
  gint buffer_size = 0;  // SO_RCVBUF of the preview socket; 0 = system default
  guint max_files = kDefaultMaxFiles;
};

// A frame from the assembler with the running time it arrived at.
struct ArrivedFrame {
  ipcam::Frame frame;
  uint64_t arrival_ns = 0;
};

struct SrcState {
  SrcState();
  ~SrcState();

  // ---- guarded by `lock`
  Mutex lock;
  SrcSettings settings;
  std::shared_ptr<ipcam::ControlSession> session;  // null when not connected
  GstStructure *last_error = nullptr;  // the last failed action signal's result message, owned
  // The session being set up (login, firmware, start preview): unlock()
  // closes it, which wakes whichever of its requests is waiting.
  std::shared_ptr<ipcam::ControlSession> connecting;
  std::string camera_address;
  std::string serial;
  std::string firmware;
  ipcam::AssemblerStats assembler_stats;  // snapshot, refreshed by the streaming thread
  ipcam::ReceiverStats receiver_stats;
  uint64_t reconnects = 0;
  CameraSetup setup;  // camera-settings, apply-settings, sync-clock

  // ---- bound in NULL->READY, used by the streaming thread afterwards
  ipcam::PreviewReceiver receiver;

  // ---- streaming thread only (and start/stop, which never overlap it)
  std::unique_ptr<ipcam::PreviewAssembler> assembler;
  std::deque<ArrivedFrame> frames;
  CameraClockMapper mapper;
  std::optional<H264StreamInfo> stream_info;
  bool caps_sent = false;
  bool need_keyframe = true;  // after (re)connect: resume at a keyframe
  bool pending_discont = true;
  bool session_up = false;
  bool loss_drained = false;  // the queue was read once since the session was lost
  gint64 last_datagram_us = 0;
  uint64_t arrival_origin_us = 0;  // fallback clock when no pipeline clock
  bool arrival_origin_set = false;
  uint64_t last_pts_ns = 0;

  // Set by the session's reader thread when the connection drops.
  std::shared_ptr<SessionLoss> lost = std::make_shared<SessionLoss>();

  // unlock() cancels it, unlock_stop() resets it.
  GCancellable *cancellable = nullptr;
  // What downloads from the action signals take (a reference, under
  // `lock`): cancelled by stop(), replaced by a fresh one at start(). Not
  // `cancellable`: a live source pauses with unlock() and unlock_stop() in
  // a row, and a reset under a blocked read can go unnoticed.
  GCancellable *downloads = nullptr;
  // What the preview receive waits on: cancelled with `cancellable` (a
  // flush) and by the session's lost handler (the camera dropped us), so the
  // streaming thread sleeps until data, a flush, a drop or the preview
  // timeout, and never wakes just to look around. The streaming thread
  // resets it after each wake.
  GCancellable *wake = nullptr;
  gulong wake_link = 0;

  void clear_frames();
};

}  // namespace ipcam::src

struct _GstIpcamSrc {
  GstPushSrc parent;
  ipcam::src::SrcState *state;
};

// ipcamsrc-connection.cpp (streaming thread): connect, reconnect, errors.
GstFlowReturn gst_ipcam_src_connect(GstIpcamSrc *self);
GstFlowReturn gst_ipcam_src_reconnect(GstIpcamSrc *self, const char *why);
void gst_ipcam_src_disconnect(GstIpcamSrc *self);

// ipcamsrc-signals.cpp: the action signals.
void gst_ipcam_src_install_signals(GstIpcamSrcClass *klass);

// ipcamsrc-uri.cpp: GstURIHandler.
void gst_ipcam_src_uri_handler_init(gpointer g_iface, gpointer iface_data);

// Posts an element message (takes ownership of `s`).
void gst_ipcam_src_post(GstIpcamSrc *self, GstStructure *s);
