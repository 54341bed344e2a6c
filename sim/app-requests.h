// The phone app's requests beyond login, file list, still, record and
// preview: the configuration block and its setters, the clock, the card
// (capacity, format, delete), Wi-Fi, factory reset, stop preview and the
// rest of the vendor's command map (protocol.md), each answered with its
// reply code (request + 1) as docs/ipcam-sim.md says.
#pragma once

#include "configuration.h"
#include "control-server.h"
#include "media-store.h"
#include "wall-clock.h"

#include <string>

namespace ipcam::sim {

// What these requests need of the camera's moving parts (Camera::Parts).
class CameraActions {
 public:
  virtual ~CameraActions() = default;
  virtual bool recording() const = 0;
  virtual bool slow_recording() const = 0;
  // 0xA046: slow-motion recording is a recording; false when it cannot start.
  virtual bool set_slow_recording(bool on) = 0;
  virtual void stop_preview() = 0;    // 0x02FF, 0xA05C
  virtual void resume_preview() = 0;  // 0xA05E
  // "http://ADDRESS:PORT": where the camera serves its files (0xA027).
  virtual std::string http_base() const = 0;
};

class AppRequests {
 public:
  // The non-zero result of a request the camera cannot do (no such menu on
  // this model, no card, no such file): the vendor's failures are non-zero,
  // their values unknown.
  static constexpr int32_t kFailed = -1;

  AppRequests(Stats &stats, MediaStore &store, Configuration &configuration, WallClock &clock,
              CameraActions &actions)
      : stats_(stats), store_(store), configuration_(configuration), clock_(clock),
        actions_(actions) {}

  AppAnswer answer(uint32_t type, ByteView payload);

 private:
  AppAnswer set_setting(const MenuSetting &setting, ByteView payload);
  AppAnswer set_clock(ByteView payload);
  AppAnswer delete_file(ByteView payload);
  AppAnswer wifi_password(ByteView payload);
  AppAnswer slow_motion(ByteView payload);
  AppAnswer file_transfer(ByteView payload);
  AppAnswer thumbnail(ByteView payload);

  Stats &stats_;
  MediaStore &store_;
  Configuration &configuration_;
  WallClock &clock_;
  CameraActions &actions_;
};

}  // namespace ipcam::sim
