// ipcam-rtsp-server: serves cameras' live previews to many RTSP clients,
// each camera at its own mount, with an HTTP control API. Standard output carries exactly one line, the
// JSON ready line; everything else goes to standard error.
#include "camera/camera-check.h"
#include "config/server-options.h"
#include "rtsp/client-noise.h"
#include "server.h"

#include <gst/gst.h>
#include <sys/resource.h>

#include <cstdlib>
#include <vector>

using namespace ipcam::server;

namespace {

// A camera not usable at start, whatever the cause: not found, silent, not
// this protocol, or its login refused (a wrong password: `ipcam` says 4
// there, but 4 here already meant "cannot listen"; docs/rtsp-server.md).
constexpr int kExitCamera = 3;

// Every connection and viewer costs descriptors: the soft limit (often
// 1,024) goes up to the hard one, and the caps (rtsp-port.cpp) fit in it.
void raise_descriptor_limit() {
  struct rlimit limit {};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

// Finds and checks the cameras: -1 to serve them, else the exit code.
int check_cameras(const Options &options, std::vector<CheckedCamera> &found) {
  bool stopped = false;
  find_cameras(options, found, stopped);
  if (stopped) {
    g_message("stopped before serving");
    return EXIT_SUCCESS;
  }
  for (size_t i = 0; i < found.size(); i++) {
    if (found[i].usable) continue;
    if (!options.server.wait_for_camera) return kExitCamera;
    g_message("--wait-for-camera: serving camera %s anyway; it is tried again when a client arrives",
              options.cameras[i].name.c_str());
  }
  return -1;
}

}  // namespace

int main(int argc, char **argv) {
  g_log_writer_default_set_use_stderr(TRUE);  // stdout is for the ready line only
  quiet_client_noise();
  g_set_prgname("ipcam-rtsp-server");
  raise_descriptor_limit();
  Options options;
  if (int rc = parse_options(argc, argv, options); rc >= 0) return rc;
  gst_init(nullptr, nullptr);
  if (options.server.verbose) g_log_set_debug_enabled(TRUE);
  std::vector<CheckedCamera> found;
  if (int rc = check_cameras(options, found); rc >= 0) return rc;
  int rc;
  {
    Server server(options, found);
    rc = server.run();
    if (rc != EXIT_SUCCESS) return rc;
  }
  g_message("stopped");
  return rc;
}
