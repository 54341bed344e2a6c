// What a client can make the libraries under the server log, logged once.
//
// gst_rtsp_transport_parse() warns (a GLib WARNING, domain GStreamer-RTSP)
// for every Transport field it does not know: one SETUP with 2,000 "x=y"
// fields wrote 2,000 lines. The first such warning is logged as a message
// naming the field, the rest are dropped: a client's request is not the
// server's fault, and its log stays readable.
#pragma once

namespace ipcam::server {

// Installs the GLib log writer that does this (in front of the default
// writer, which still writes everything else to standard error). Once, at start.
void quiet_client_noise();

}  // namespace ipcam::server
