// The RTSP side of a viewer: a media factory that builds one non-shared
// media per client around an appsrc, and the media that ties its appsrc
// to the camera hub for exactly as long as it is prepared.
//
// Why a media per client: gst-rtsp-server 1.22 cannot start a shared
// media's late clients at a keyframe, and a SETUP without DESCRIBE must
// join the one camera pipeline instead of building a second one (which
// could not bind the camera's preview port). Every media here only holds
// an appsrc and a payloader; the camera pipeline is the hub's.
#pragma once

#include "media/camera-hub.h"

#include <gst/rtsp-server/rtsp-server.h>

#include <memory>

G_BEGIN_DECLS

#define IPCAM_TYPE_VIEWER_FACTORY (ipcam_viewer_factory_get_type())
G_DECLARE_FINAL_TYPE(IpcamViewerFactory, ipcam_viewer_factory, IPCAM, VIEWER_FACTORY, GstRTSPMediaFactory)

#define IPCAM_TYPE_VIEWER_MEDIA (ipcam_viewer_media_get_type())
G_DECLARE_FINAL_TYPE(IpcamViewerMedia, ipcam_viewer_media, IPCAM, VIEWER_MEDIA, GstRTSPMedia)

G_END_DECLS

// A factory whose medias feed from `hub` (held weakly: a media that
// outlives the hub at shutdown just has nothing to detach from).
GstRTSPMediaFactory *ipcam_viewer_factory_new(const std::shared_ptr<ipcam::server::CameraHub> &hub);
