// Finding a camera and logging in (see camera-login.h).
#include "ipcam/camera-login.h"

#include "ipcam/error.h"

namespace ipcam {

bool find_camera(const CameraEndpoint &endpoint, const DiscoveryConfig &discovery, GCancellable *cancellable,
                 FoundCamera &found, GError **error) {
  found = FoundCamera();
  if (!endpoint.address.empty()) {
    found.address = endpoint.address;
    return true;
  }
  const auto cameras = discover(discovery, cancellable, &found.where, error);
  if (!cameras) return false;
  found.answered = cameras->size();
  if (cameras->empty()) {
    g_set_error(error, IPCAM_ERROR, IPCAM_ERROR_NO_CAMERA, "no camera answered on %s", found.where.c_str());
    return false;
  }
  found.address = cameras->front().address;
  found.serial = cameras->front().serial;
  return true;
}

CloseOnCancel::~CloseOnCancel() {
  if (handler_) g_cancellable_disconnect(cancellable_, handler_);
  if (cancellable_) g_object_unref(cancellable_);
}

void CloseOnCancel::link(ControlSession &session, GCancellable *cancellable) {
  if (handler_) g_cancellable_disconnect(cancellable_, handler_);
  if (cancellable_) g_object_unref(cancellable_);
  cancellable_ = cancellable ? G_CANCELLABLE(g_object_ref(cancellable)) : nullptr;
  handler_ = cancellable ? g_cancellable_connect(
                               cancellable,
                               G_CALLBACK(+[](GCancellable *, gpointer s) { static_cast<ControlSession *>(s)->close(); }),
                               &session, nullptr)
                         : 0;
}

gulong CloseOnCancel::release() {
  const gulong handler = handler_;
  handler_ = 0;
  if (cancellable_) g_object_unref(cancellable_);
  cancellable_ = nullptr;
  return handler;
}

bool log_in(ControlSession &session, GCancellable *cancellable, CloseOnCancel &closer, GError **error) {
  closer.link(session, cancellable);
  return session.connect(cancellable, error);
}

}  // namespace ipcam
