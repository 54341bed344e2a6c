// What the server's pipelines (the camera hub, a publication, a browser
// viewer) do alike with their buses: watch one on a given context, and
// read an ERROR or WARNING message's text.
#pragma once

#include <gst/gst.h>

#include <string>

namespace ipcam::server {

// A watch of `pipeline`'s bus calling `fn(bus, msg, data)` on `context`;
// the caller destroys and unrefs it.
inline GSource *watch_bus(GstElement *pipeline, GstBusFunc fn, gpointer data, GMainContext *context) {
  GstBus *bus = gst_pipeline_get_bus(GST_PIPELINE(pipeline));
  GSource *watch = gst_bus_create_watch(bus);
  g_source_set_callback(watch, reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(fn)), data, nullptr);
  g_source_attach(watch, context);
  gst_object_unref(bus);
  return watch;
}

// The text of an ERROR or WARNING message.
inline std::string message_text(GstMessage *msg) {
  GError *err = nullptr;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) gst_message_parse_error(msg, &err, nullptr);
  else gst_message_parse_warning(msg, &err, nullptr);
  std::string text = err ? err->message : "unknown problem";
  g_clear_error(&err);
  return text;
}

}  // namespace ipcam::server
