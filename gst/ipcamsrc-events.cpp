// The camera's own events (card inserted, removed or full, an emergency
// file written, a motion photo taken) as ipcam-camera-event element
// messages, so that an application on the bus learns of them as the phone
// app would. Posted from the session's reader thread: posting is
// thread-safe, and the handler never waits.
#include "ipcamsrc-settings.h"

#include "ipcamsrc-state.h"

void gst_ipcam_src_watch_events(GstIpcamSrc *self, ipcam::ControlSession &session) {
  session.set_event_handler([self](const ipcam::CameraEvent &event) {
    const char *name = ipcam::camera_event_name(event.kind);
    GST_INFO_OBJECT(self, "camera event %s", name);
    GstStructure *s = gst_structure_new("ipcam-camera-event", "event", G_TYPE_STRING, name, nullptr);
    if (!event.file.empty()) gst_structure_set(s, "file", G_TYPE_STRING, event.file.c_str(), nullptr);
    gst_ipcam_src_post(self, s);
  });
}
