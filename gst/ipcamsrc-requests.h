// What every ipcamsrc action signal shares: the session it asks (taken
// under the lock, asked without it) and how a failure is reported (an
// element message with the error, kept as last-error). The file, still,
// recording signals (ipcamsrc-signals.cpp) and the phone app's requests
// (ipcamsrc-phone-signals.cpp) report alike.
#pragma once

#include "ipcamsrc-state.h"

#include <memory>
#include <string>

namespace ipcam::src {

struct Connection {
  std::shared_ptr<ipcam::ControlSession> session;
  std::string address;
  guint http_port = 0;
  guint timeout_ms = 0;
  std::string interface;
};

// The session if there is one; otherwise fails the request at once.
bool get_connection(GstIpcamSrc *self, Connection &c, GError **error);

// Posts `name` with success=FALSE and the error (its text, domain and
// code, so an application can tell a timeout from a busy camera), keeps
// it as last-error, and logs a warning. `extra` (taken) adds fields.
void post_failure(GstIpcamSrc *self, const char *name, const GError *error, GstStructure *extra = nullptr);

}  // namespace ipcam::src
