// CameraStream: the one shared RTSP media that holds the camera session.
//
// gst-rtsp-server shares one media among all clients of the mount, but it
// unprepares a shared media at the last TEARDOWN, which would drop the
// camera at once. CameraStream keeps its own prepare count on the media
// (a "hold") from the moment it is first prepared until nobody has been
// connected for --linger seconds, then lets go, which releases the camera.
// It also closes every client when ipcamsrc gives up on the camera, and on
// shutdown.
#pragma once

#include "server-options.h"

#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

#include <cstdint>
#include <mutex>
#include <string>

namespace ipcam_rtsp {

class CameraStream {
 public:
  // `address` may be empty: ipcamsrc then discovers the camera itself.
  CameraStream(const ServerOptions &options, std::string address);
  ~CameraStream();
  CameraStream(const CameraStream &) = delete;
  CameraStream &operator=(const CameraStream &) = delete;

  // Mounts the factory and connects to the server's signals. Main thread.
  void attach(GstRTSPServer *server);

  // The running stream's ipcamsrc (a new reference), or nullptr when no
  // media is running. Any thread.
  GstElement *running_source();

  // For the status: RTSP clients connected now, and whether a media holds
  // the camera session. Main thread.
  unsigned client_count();
  bool camera_held() const { return hold_ != nullptr; }

  // Closes every client and releases the camera; released() turns true
  // once the media is gone. Main thread.
  void shut_down();
  bool released();

 private:
  static void on_media_configure(GstRTSPMediaFactory *, GstRTSPMedia *media, CameraStream *self);
  static void on_client_connected(GstRTSPServer *, GstRTSPClient *client, CameraStream *self);
  static GstRTSPStatusCode on_pre_play(GstRTSPClient *, GstRTSPContext *ctx, CameraStream *self);
  static GstPadProbeReturn on_source_event(GstPad *, GstPadProbeInfo *info, CameraStream *self);
  static void on_sync_message(GstBus *, GstMessage *msg, CameraStream *self);
  static gboolean on_tick(gpointer self);

  void configure_source(GstElement *src);
  void media_prepared(GstRTSPMedia *media);
  void media_unprepared(GstRTSPMedia *media);
  void camera_gave_up(GstRTSPMedia *media);
  void close_everything();
  void release_hold();
  void tick();

  const ServerOptions &options_;
  std::string address_;
  GstRTSPServer *server_ = nullptr;     // not owned
  GstRTSPMediaFactory *factory_ = nullptr;
  GMainContext *main_context_ = nullptr;
  guint tick_id_ = 0;

  // The media of the current camera session and its ipcamsrc; written on
  // client and media threads, read anywhere.
  std::mutex lock_;
  GstRTSPMedia *media_ = nullptr;
  GstElement *source_ = nullptr;

  // Main thread only.
  GstRTSPMedia *hold_ = nullptr;  // the media we keep one prepare count on
  gint64 last_present_us_ = 0;    // when someone was last connected
  const void *streamed_ = nullptr;  // the media that last held the camera (identity only)
};

}  // namespace ipcam_rtsp
