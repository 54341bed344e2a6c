// A camera's status as the control API writes it (docs/rtsp-server.md):
// the document of GET /api/status and one entry of GET /api/cameras.
#pragma once

#include "camera/camera-status.h"

#include <json-glib/json-glib.h>

#include <string>

namespace ipcam::server {

// `base_url`: the control API's, ending in '/' (the page, and WHEP below it).
GBytes *status_document(const CameraStatus &s, const std::string &base_url);
void add_summary(JsonBuilder *b, const CameraStatus &s, const std::string &base_url);

}  // namespace ipcam::server
