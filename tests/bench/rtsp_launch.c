/* ipcam-bench-rtsp-launch: the smallest useful gst-rtsp-server, the
 * baseline of the RTSP fan-out benchmark: one shared media built from a
 * launch line, on 127.0.0.1, any free port. Prints {"url":"rtsp://..."}.
 *
 *   ipcam-bench-rtsp-launch [--non-shared] "( ... ! rtph264pay name=pay0 pt=96 )"
 *
 * --non-shared: a media per client (the like-for-like baseline of a server
 * that builds a pipeline per viewer).
 */
#include <gst/rtsp-server/rtsp-server.h>
#include <stdio.h>

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  gboolean shared = TRUE;
  if (argc == 3 && g_str_equal(argv[1], "--non-shared")) {
    shared = FALSE;
    argv++;
    argc--;
  }
  if (argc != 2) {
    fprintf(stderr, "usage: %s [--non-shared] LAUNCH\n", argv[0]);
    return 2;
  }
  GMainLoop *loop = g_main_loop_new(NULL, FALSE);
  GstRTSPServer *server = gst_rtsp_server_new();
  gst_rtsp_server_set_address(server, "127.0.0.1");
  gst_rtsp_server_set_service(server, "0");
  GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
  gst_rtsp_media_factory_set_launch(factory, argv[1]);
  gst_rtsp_media_factory_set_shared(factory, shared);
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_mount_points_add_factory(mounts, "/cam", factory);
  g_object_unref(mounts);
  if (gst_rtsp_server_attach(server, NULL) == 0) {
    fprintf(stderr, "cannot attach the RTSP server\n");
    return 1;
  }
  printf("{\"url\":\"rtsp://127.0.0.1:%d/cam\"}\n", gst_rtsp_server_get_bound_port(server));
  fflush(stdout);
  g_main_loop_run(loop);
  g_object_unref(server);
  g_main_loop_unref(loop);
  return 0;
}
