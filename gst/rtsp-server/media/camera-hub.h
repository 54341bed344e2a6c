// CameraHub: the one camera pipeline of a mount, and its viewers.
//
//   ipcamsrc ! h264parse ! appsink  ──►  ViewerFeed per viewer ──► its appsrc
//
// The camera takes one control client, so one ipcamsrc serves every viewer:
// it connects when the first viewer attaches and lets go --linger seconds
// after the last one left (tick()). h264parse puts the latest SPS and PPS
// in front of every keyframe, once per access unit, so any viewer can open
// at any keyframe. The camera's own messages (lost, reconnected, gave up)
// are read on this pipeline's bus, on the main context.
//
// Besides viewers, taps (FrameTap: the snapshot decoder) get the access
// units too; a tap opens on the group of pictures the hub keeps since the
// last keyframe (bounded: a camera that never sends one keeps nothing), so
// it can decode the newest picture at once instead of waiting for the next
// keyframe. A tap alone does not keep the camera: hold() does, for a
// client that waits for a picture.
#pragma once

#include "media/gop-cache.h"
#include "media/viewer-feed.h"

#include "ipcam/endpoint.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ipcam::server {

// How the hub runs its ipcamsrc, beyond the camera's endpoint.
struct HubSettings {
  unsigned linger_s = 5;          // keep the camera this long after the last viewer
  int reconnect_attempts = -2;    // ipcamsrc's; -2 = its default
  int reconnect_backoff_ms = -1;  // ipcamsrc's; -1 = its default
  // Where ipcamsrc asks when the endpoint has no address; empty = its defaults.
  std::string discovery_address;
  std::vector<uint16_t> discovery_ports;
  // The server's own properties of ipcamsrc (apply-settings, sync-clock),
  // set after the hub's; empty = none.
  std::function<void(GstElement *src)> configure;
};

// What the hub has received since it was made: counters that only grow,
// across the camera's reconnects and releases (for /metrics).
struct HubCounters {
  uint64_t frames = 0, bytes = 0;  // access units from the camera
  uint64_t datagrams_lost = 0;     // ipcamsrc's "lost"
  uint64_t frames_dropped = 0;     // ipcamsrc's "dropped-frames": incomplete, never pushed
  uint64_t reconnects = 0;         // ipcamsrc's reconnects after a drop
  uint64_t connects = 0;           // camera pipelines started
};

// A consumer of the camera's access units that is not a viewer's media.
class FrameTap {
 public:
  virtual ~FrameTap() = default;
  // Streaming thread (or attach_tap()'s caller, for the cached group of
  // pictures): one access unit. Short; never waits.
  virtual void offer(GstSample *sample) = 0;
  // The camera session ended (lost, released, server stopping): nothing
  // more comes to this tap, which the hub has dropped. Any thread.
  virtual void fail(const std::string &why) = 0;
};

class CameraHub {
 public:
  // The cache of the access units since the last keyframe: past either
  // bound it is dropped until the next keyframe.
  static constexpr size_t kGopCacheFrames = 300;
  static constexpr size_t kGopCacheBytes = 16u << 20;

  // Main context: told when the camera's stream ended by itself;
  // `streamed` = frames had flowed (else the camera could not be used).
  using EndedFn = std::function<void(bool streamed)>;

  // The endpoint's address may be empty: ipcamsrc then discovers the camera itself.
  CameraHub(ipcam::CameraEndpoint endpoint, HubSettings settings, GMainContext *main_context, EndedFn on_ended);
  ~CameraHub();
  CameraHub(const CameraHub &) = delete;
  CameraHub &operator=(const CameraHub &) = delete;

  // A viewer's media prepares / goes away. Any thread; the first viewer
  // starts the camera pipeline.
  void attach(const std::shared_ptr<ViewerFeed> &feed);
  void detach(const std::shared_ptr<ViewerFeed> &feed);

  // A tap is first offered the cached access units since the last
  // keyframe, then every new one, until detach_tap() or the camera
  // session ends; failed at once when the camera is not running. It does
  // not start the camera (see hold()). Any thread.
  void attach_tap(const std::shared_ptr<FrameTap> &tap);
  void detach_tap(const std::shared_ptr<FrameTap> &tap);
  // A client that waits for the camera without being a viewer: starts the
  // camera if it is not running and keeps it like a viewer until let_go()
  // (then --linger applies). Any thread.
  void hold();
  void let_go();
  // How many access units the cache holds now.
  size_t gop_cache_frames();

  // Main context: stops the camera once no viewer was attached for --linger.
  void tick();
  // Main context: stops the camera now.
  void stop();

  // The running ipcamsrc (a new reference) or nullptr. Any thread.
  GstElement *running_source();
  bool running();
  size_t viewer_count();
  uint64_t dropped_gops();
  // The camera's H.264 profile-level-id as a viewer read it from the SPS
  // ("42c01e"), for the next viewers; empty until then and after a stop.
  std::string profile_level_id();
  void set_profile_level_id(const std::string &id);
  HubCounters counters();
  // The caps of the camera's stream (width, height, framerate once
  // h264parse has read the SPS), kept after a stop: the last known, or
  // nullptr before the first frame. A new reference.
  GstCaps *last_caps();

 private:
  static GstFlowReturn on_sample(GstAppSink *sink, gpointer self);
  static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer self);
  void start_locked();
  void stop_locked(const std::string &why);  // attached viewers fail with `why`
  void configure_source(GstElement *src);
  void camera_ended(const std::string &reason);

  const ipcam::CameraEndpoint endpoint_;
  const HubSettings settings_;
  GMainContext *main_context_;
  EndedFn on_ended_;

  // Held across starting and stopping the pipeline (never by the
  // streaming thread, which stopping waits for).
  std::mutex lifecycle_;
  GSource *watch_ = nullptr;

  // Short critical sections only: the streaming thread takes it per frame.
  std::mutex lock_;
  GstElement *pipeline_ = nullptr;
  GstElement *source_ = nullptr;
  std::vector<std::shared_ptr<ViewerFeed>> feeds_;
  uint64_t retired_drops_ = 0;  // groups of pictures dropped by feeds gone
  gint64 idle_since_us_ = 0;    // when the last viewer left
  bool streamed_ = false;       // a frame arrived from this camera session
  std::string profile_level_id_;
  HubCounters counters_;          // frames and bytes counted here; the rest below
  HubCounters retired_counters_;  // ipcamsrc's of the camera sessions gone
  uint64_t retirements_ = 0;      // camera sessions whose stats went into retired_counters_
  GstCaps *last_caps_ = nullptr;
  std::vector<std::shared_ptr<FrameTap>> taps_;
  int holds_ = 0;                    // clients waiting through hold()
  std::string last_end_;             // why the last camera session ended
  GopCache gop_{kGopCacheFrames, kGopCacheBytes};
};

}  // namespace ipcam::server
