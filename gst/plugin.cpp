// The ipcam GStreamer plugin: ipcamsrc.
#include "ipcamsrc.h"

static gboolean plugin_init(GstPlugin *plugin) { return GST_ELEMENT_REGISTER(ipcamsrc, plugin); }

#define PACKAGE "ipcam"
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, ipcam,
                  "WiFi action cameras (CamPark, TecTecTec and camdroid clones) as GStreamer sources",
                  plugin_init, IPCAM_VERSION, "LGPL", "ipcam", "ipcam source tree (README.md)")
