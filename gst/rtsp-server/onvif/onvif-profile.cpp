// OnvifProfile: see onvif-profile.h.
#include "onvif/onvif-profile.h"

#include <cmath>
#include <utility>

namespace ipcam::server {

OnvifProfile::OnvifProfile(const ServerOptions &server, std::shared_ptr<CameraHub> hub)
    : server_(server), hub_(std::move(hub)) {}

OnvifProfile::Video OnvifProfile::video() const {
  Video v;
  GstCaps *caps = hub_->last_caps();
  if (!caps) return v;
  const GstStructure *s = gst_caps_get_size(caps) ? gst_caps_get_structure(caps, 0) : nullptr;
  int width = 0, height = 0, num = 0, den = 0;
  if (s && gst_structure_get_int(s, "width", &width) && gst_structure_get_int(s, "height", &height) && width > 0 &&
      height > 0) {
    v.width = width;
    v.height = height;
    v.seen = true;
  }
  // A variable frame rate is 0/1 in the caps: the default stays.
  if (s && gst_structure_get_fraction(s, "framerate", &num, &den) && num > 0 && den > 0)
    v.fps = int(std::lround(double(num) / den));
  gst_caps_unref(caps);
  return v;
}

}  // namespace ipcam::server
