// The ONVIF services' HTTP side: POST /onvif/device_service and
// /onvif/media_service on the control port (rows of http/routes.cpp),
// with --onvif. A request is parsed (soap-envelope.h), its caller checked
// (onvif-auth.h), and its operation answered by the service that knows it
// (the operation's namespace decides, whichever of the two paths it came
// to); any other operation is a ter:ActionNotSupported fault. Every answer
// is a SOAP 1.2 envelope, faults with the HTTP status SOAP's HTTP binding
// gives them.
#pragma once

#include "camera/camera.h"

#include <libsoup/soup.h>

#include <vector>

namespace ipcam::server {

// Main context. `cameras` each have their onvif() profile.
void answer_onvif(const std::vector<Camera *> &cameras, Camera *default_camera, SoupServerMessage *msg);

}  // namespace ipcam::server
