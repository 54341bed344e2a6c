// ipcam publish URL: the camera's live preview to a media server (RTMP,
// RTSP RECORD, SRT) until Ctrl+C or SIGTERM. The same camera hub and
// publisher as ipcam-rtsp-server --publish (docs/publishing.md): the
// publication is rebuilt with back-off on any error, the camera session
// stays.
#include "cli.h"

#include "media/camera-hub.h"
#include "media/log-domain.h"
#include "media/publish-url.h"
#include "media/publisher.h"

#include <gst/gst.h>

#include <memory>
#include <string>

namespace ipcam::cli {

namespace {

// The hub's and the publisher's log lines, as the tool's status lines.
void log_as_status(const gchar *, GLogLevelFlags level, const gchar *message, gpointer data) {
  const bool verbose = *static_cast<const bool *>(data);
  if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && !verbose) return;
  status("ipcam: %s", message);
}

struct Run {
  GMainLoop *loop = nullptr;
  bool camera_lost = false;
  bool streamed = false;
};

}  // namespace

int cmd_publish(Context &ctx) {
  if (ctx.args.size() != 1)
    return usage_error("publish", "give one URL: rtmp://HOST/APP/STREAM, rtsp://HOST/PATH or srt://HOST:PORT");
  const std::string url = ctx.args[0];
  std::string why;
  if (!ipcam::server::check_publish_url(url, why)) return usage_error("publish", why);

  Failure failure;
  std::string address;
  if (!resolve_camera(ctx, address, failure)) return report(failure);
  {  // A clear exit code for a wrong password or a busy camera, before streaming.
    Context probe = ctx;
    probe.opt.camera.address = address;
    if (!open_session(probe, failure)) return report(failure);
  }
  gst_init(nullptr, nullptr);
  ipcam::server::set_media_log_domain(G_LOG_DOMAIN);  // the hub's and the publisher's lines are the tool's

  // The camera that was just checked, as the user described it.
  ipcam::CameraEndpoint camera = ctx.opt.camera;
  camera.address = address;

  const bool verbose = ctx.opt.verbose;
  const guint handler = g_log_set_handler(
      G_LOG_DOMAIN, GLogLevelFlags(G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG),
      log_as_status, const_cast<bool *>(&verbose));
  GMainContext *main_context = g_main_context_new();
  g_main_context_push_thread_default(main_context);
  Run run;
  run.loop = g_main_loop_new(main_context, FALSE);
  auto hub = std::make_shared<ipcam::server::CameraHub>(camera, ipcam::server::HubSettings{}, main_context, [&run](bool streamed) {
    run.camera_lost = true;
    run.streamed = streamed;
    g_main_loop_quit(run.loop);
  });
  auto publisher = std::make_unique<ipcam::server::Publisher>(url, hub, main_context);
  // Ctrl+C and SIGTERM stop cleanly (exit 0); queued on our context, so a
  // signal that comes before the loop runs still ends it.
  set_interrupt_handler(ctx, [main_context, loop = run.loop] {
    g_main_context_invoke(main_context, +[](gpointer l) -> gboolean {
      g_main_loop_quit(static_cast<GMainLoop *>(l));
      return G_SOURCE_REMOVE;
    }, loop);
  });
  publisher->start();
  g_main_loop_run(run.loop);
  publisher->stop();
  hub->stop();
  set_interrupt_handler(ctx, nullptr);
  publisher.reset();
  hub.reset();
  g_main_loop_unref(run.loop);
  g_main_context_pop_thread_default(main_context);
  g_main_context_unref(main_context);
  g_log_remove_handler(G_LOG_DOMAIN, handler);
  if (!run.camera_lost) {
    status("ipcam: stopped publishing to %s", ipcam::server::printable_url(url).c_str());
    return kExitOk;
  }
  return report({kExitNoCamera, run.streamed ? "lost the camera (it did not come back)"
                                             : "the camera's stream could not start"});
}

}  // namespace ipcam::cli
