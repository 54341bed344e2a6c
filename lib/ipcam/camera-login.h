// Finding a camera and logging in to it, as the element, the server and the
// CLI all do: the endpoint's address, or else the first camera discovery
// finds; then a ControlSession connect and login that a cancellable also
// closes afterwards, so a request waiting on a silent camera after login
// (firmware, file list) ends when the program stops. Each program words its
// own "no camera" and "cannot log in" messages from what this gives back.
#pragma once

#include "ipcam/discovery.h"
#include "ipcam/endpoint.h"
#include "ipcam/session.h"

#include <gio/gio.h>

#include <cstddef>
#include <string>

namespace ipcam {

struct FoundCamera {
  std::string address;  // the endpoint's address as given, or the first answer's (numeric IPv4)
  std::string serial;   // from the discovery answer; empty when the address was given
  size_t answered = 0;  // cameras that answered discovery; 0 when the address was given
  // Where discovery asked ("127.255.255.255 ports P1, P2"); set once
  // discovery ran, also when nobody answered. Empty when the address was given.
  std::string where;
};

// The camera to log in to: `endpoint.address` if it has one (nothing is
// sent), else the first camera that answers `discovery` (whose ports,
// interface, timeout and max_cameras are the caller's). Fails with
// IPCAM_ERROR_NO_CAMERA ("no camera answered on WHERE") when none
// answered, or with discovery's own error (INVALID_ARGUMENT, CANCELLED, ...).
// A cancel that comes after the answers is the caller's to check. Log in
// with session_config() of the endpoint at `found.address`.
bool find_camera(const CameraEndpoint &endpoint, const DiscoveryConfig &discovery, GCancellable *cancellable,
                 FoundCamera &found, GError **error);

// While it lives, `cancellable` closes `session`. ControlSession::connect()
// honours its cancellable only while it connects and logs in; this link
// covers the requests after login. Its destructor unhooks it (waiting for a
// close() that is running), unless release() handed the hook over.
class CloseOnCancel {
 public:
  CloseOnCancel() = default;
  ~CloseOnCancel();
  CloseOnCancel(const CloseOnCancel &) = delete;
  CloseOnCancel &operator=(const CloseOnCancel &) = delete;

  // Links `cancellable` (may be null: then nothing) to session.close(); an
  // already cancelled one closes it at once.
  void link(ControlSession &session, GCancellable *cancellable);
  // Hands the hook over: the caller's g_cancellable_disconnect(cancellable,
  // id) unhooks it. 0 if nothing was linked.
  gulong release();

 private:
  GCancellable *cancellable_ = nullptr;  // a reference while linked
  gulong handler_ = 0;
};

// Connects and logs in (ControlSession::connect()), with `cancellable`
// linked in `closer` first: it cancels the login, and closes the session
// later for as long as `closer` keeps the link. Errors as connect():
// IPCAM_ERROR_CANNOT_CONNECT, _TIMEOUT, _NOT_IPCAM, _LOGIN_REFUSED, _BUSY, _CANCELLED.
bool log_in(ControlSession &session, GCancellable *cancellable, CloseOnCancel &closer, GError **error);

}  // namespace ipcam
