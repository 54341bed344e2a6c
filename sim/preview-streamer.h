// The preview sender: splits each frame into BC DE datagrams (type 1 data
// pieces, one type 2 time datagram per frame) and sends them by UDP to the
// control client's address, injecting datagram faults on the way.
#pragma once

#include "camera-config.h"
#include "faults.h"
#include "ipcam/wire.h"

#include <gio/gio.h>

#include <optional>

namespace ipcam::sim {

class PreviewStreamer {
 public:
  PreviewStreamer(const CameraConfig &config, FaultDice &dice, Stats &stats);
  ~PreviewStreamer();
  PreviewStreamer(const PreviewStreamer &) = delete;
  PreviewStreamer &operator=(const PreviewStreamer &) = delete;

  bool open(GError **error);
  // Targets client:config.endpoint.preview_port from now on.
  void start(GInetAddress *client);
  void stop();
  bool active() const { return target_ != nullptr; }

  // Sends one frame. With `cut_mid_frame` only the first half of its data
  // pieces go out (fault: connection dropped mid-frame).
  void send_frame(ByteView access_unit, uint32_t camera_ms, bool cut_mid_frame = false);

  uint16_t next_seq() const { return seq_; }

 private:
  void send_datagram(uint16_t type, ByteView payload);
  void send_junk();
  void transmit(const Bytes &datagram);
  void flush_held();

  const CameraConfig &config_;
  FaultDice &dice_;
  Stats &stats_;
  GSocket *socket_ = nullptr;
  GSocketAddress *target_ = nullptr;
  uint16_t seq_;
  std::optional<Bytes> held_;  // a datagram held back to be sent out of order
  unsigned burst_left_ = 0;
  uint64_t frames_ = 0;
};

}  // namespace ipcam::sim
