// PictureDecoder: the newest picture of a camera, decoded as it comes.
//
//   hub's access units ──► appsrc ! avdec_h264 max-threads=1 ! appsink (keeps the newest)
//
// A tap of the camera hub: it opens on the hub's cached group of pictures,
// so its first picture needs no wait for the next keyframe, then decodes
// every access unit. avdec_h264 runs with one thread: frame threading
// holds back as many pictures as it has threads, and the newest one is
// what a snapshot wants. A decoder that falls behind drops access units
// up to the next keyframe (never a reference picture alone), so the camera
// never waits for it and its queue stays bounded.
#pragma once

#include "media/camera-hub.h"

#include <gst/gst.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

namespace ipcam::server {

class PictureDecoder : public FrameTap {
 public:
  // Access units waiting for the decoder, beyond which it drops up to the
  // next keyframe: room for a whole cached group of pictures.
  static constexpr guint kQueueFrames = CameraHub::kGopCacheFrames + 30;

  // nullptr (with `error`) when the pipeline cannot be built.
  static std::shared_ptr<PictureDecoder> create(std::string &error);
  ~PictureDecoder() override;
  PictureDecoder(const PictureDecoder &) = delete;
  PictureDecoder &operator=(const PictureDecoder &) = delete;

  void offer(GstSample *sample) override;
  void fail(const std::string &why) override;

  // Waits until `deadline_us` (monotonic) for a picture at least as new as
  // the newest access unit given to the decoder when called (or for its
  // first picture): a new reference, or nullptr with `why`.
  GstSample *newest(gint64 deadline_us, std::string &why);
  // Waiting and later calls of newest() end now with `why`. Any thread.
  void interrupt(const std::string &why);
  // It failed or was interrupted: a new one is needed.
  bool ended();

 private:
  PictureDecoder() = default;
  static GstFlowReturn on_picture(GstAppSink *sink, gpointer self);
  static GstBusSyncReply on_message(GstBus *bus, GstMessage *msg, gpointer self);

  GstElement *pipeline_ = nullptr;  // owned
  GstElement *src_ = nullptr;       // owned reference
  std::mutex lock_;
  std::condition_variable changed_;
  GstSample *newest_ = nullptr;  // owned
  GstClockTime fed_pts_ = GST_CLOCK_TIME_NONE;  // the newest access unit given to avdec_h264
  bool fed_ = false;
  bool keyframe_seen_ = false;  // false: access units are dropped up to a keyframe
  std::string ended_;           // why it ended; empty while it runs
};

}  // namespace ipcam::server
