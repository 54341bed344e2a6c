/* ipcam-bench-pipeline: runs one receiving pipeline for the benchmarks and
 * measures it from inside: CPU time (getrusage), buffers that reached the
 * sink, RSS, allocations (with malloc-count preloaded), and the
 * CLOCK_MONOTONIC time each buffer left the element named "src".
 *
 *   ipcam-bench-pipeline "ipcamsrc name=src ... ! fakesink name=sink"
 *   ipcam-bench-pipeline floor
 *
 * "floor" is no pipeline: one thread that sleeps in poll() and drains the
 * socket with recvmmsg, counting datagrams and nothing else. It is the
 * least CPU any receiver of the same datagrams can spend (wake-ups and
 * system calls), the floor the elements are measured against.
 *
 * Commands on stdin, one per line (answers are JSON lines on stdout):
 *   ready               -> {"port":N,"rcvbuf":B}  (NULL->READY; the preview port
 *                          bound; B = its SO_RCVBUF as the kernel granted it)
 *   connect ADDR PORT   sets address and control-port on src (ipcamsrc)
 *   play                -> {"playing":true} once PLAYING (ipcamsrc: connected)
 *   mark                zero the counters (start of the measured window)
 *   times FILE          from now on, append "camera_ms mono_ns" per buffer
 *   stop                -> {"buffers":...,"cpu_ns":...,...} and exit
 */
#define _GNU_SOURCE /* recvmmsg */
#include <gst/gst.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <poll.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

typedef unsigned long long (*count_fn)(void);

static GstElement *pipeline, *src, *sink;
static GMainLoop *loop;
static guint64 src_buffers, mark_buffers, mark_wall, mark_cpu, mark_user, mark_allocs, mark_sink;
static FILE *times_file;
static GstCaps *camera_caps;
static count_fn malloc_count;
static gboolean want_playing;
static guint64 rss_first, rss_max;
static int floor_fd = -1, floor_stop[2] = {-1, -1};
static GThread *floor_thread;
static guint rss_samples;

static guint64 mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (guint64)ts.tv_sec * 1000000000u + (guint64)ts.tv_nsec;
}

static guint64 tv_ns(struct timeval tv) { return (guint64)tv.tv_sec * 1000000000u + (guint64)tv.tv_usec * 1000u; }

/* User-space CPU time of the whole process; the kernel's share in *sys. */
static guint64 user_ns(guint64 *sys) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  *sys = tv_ns(ru.ru_stime);
  return tv_ns(ru.ru_utime);
}


static guint64 rss_bytes(void) {
  unsigned long size = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f) {
    if (fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
    fclose(f);
  }
  return (guint64)resident * (guint64)sysconf(_SC_PAGESIZE);
}

static guint64 sink_rendered(void) {
  if (!sink) return __atomic_load_n(&src_buffers, __ATOMIC_RELAXED);
  GstStructure *s = NULL;
  guint64 n = 0;
  g_object_get(sink, "stats", &s, NULL);
  if (s) {
    gst_structure_get_uint64(s, "rendered", &n);
    gst_structure_free(s);
  }
  return n;
}

static GstPadProbeReturn on_src_buffer(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
  (void)pad;
  (void)data;
  guint64 t = mono_ns();
  __atomic_add_fetch(&src_buffers, 1, __ATOMIC_RELAXED);
  FILE *f = __atomic_load_n(&times_file, __ATOMIC_ACQUIRE);
  if (f) {
    GstReferenceTimestampMeta *m =
        gst_buffer_get_reference_timestamp_meta(GST_PAD_PROBE_INFO_BUFFER(info), camera_caps);
    if (m) fprintf(f, "%llu %llu\n", (unsigned long long)(m->timestamp / GST_MSECOND), (unsigned long long)t);
  }
  return GST_PAD_PROBE_OK;
}

static gboolean sample_rss(gpointer data) {
  (void)data;
  guint64 r = rss_bytes();
  if (rss_samples++ == 0) rss_first = r;
  if (r > rss_max) rss_max = r;
  return G_SOURCE_CONTINUE;
}

static void print_stats(void) {
  guint64 sys, user = user_ns(&sys);
  guint64 wall = mono_ns() - mark_wall, cpu = user + sys - mark_cpu;
  user -= mark_user;
  guint64 allocs = malloc_count ? malloc_count() - mark_allocs : 0;
  printf("{\"buffers\":%" G_GUINT64_FORMAT ",\"sink_buffers\":%" G_GUINT64_FORMAT ",\"cpu_ns\":%" G_GUINT64_FORMAT
         ",\"user_ns\":%" G_GUINT64_FORMAT
         ",\"wall_ns\":%" G_GUINT64_FORMAT ",\"allocs\":%" G_GUINT64_FORMAT ",\"counted_allocs\":%s"
         ",\"rss_start\":%" G_GUINT64_FORMAT ",\"rss_end\":%" G_GUINT64_FORMAT ",\"rss_max\":%" G_GUINT64_FORMAT,
         src_buffers - mark_buffers, sink_rendered() - mark_sink, cpu, user, wall, allocs, malloc_count ? "true" : "false",
         rss_first, rss_bytes(), rss_max);
  if (src && g_object_class_find_property(G_OBJECT_GET_CLASS(src), "stats")) {
    GstStructure *s = NULL;
    g_object_get(src, "stats", &s, NULL);
    for (int i = 0; s && i < gst_structure_n_fields(s); i++) {
      const char *name = gst_structure_nth_field_name(s, i);
      guint64 v = 0;
      if (gst_structure_get_uint64(s, name, &v)) printf(",\"src_%s\":%" G_GUINT64_FORMAT, name, v);
    }
    if (s) gst_structure_free(s);
  }
  printf("}\n");
  fflush(stdout);
}

/* SO_RCVBUF of this process's UDP socket bound to `port`, whichever element
 * opened it (the kernel reports twice the size asked, its bookkeeping). */
static int rcvbuf_of_port(unsigned port) {
  for (int fd = 3; fd < 1024; fd++) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int type = 0, size = 0;
    socklen_t tlen = sizeof type, slen = sizeof size;
    if (getsockname(fd, (struct sockaddr *)&a, &len) != 0 || a.sin_family != AF_INET || ntohs(a.sin_port) != port)
      continue;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0 || type != SOCK_DGRAM) continue;
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &slen) == 0) return size;
  }
  return 0;
}

static gpointer floor_loop(gpointer data) {
  (void)data;
  enum { BATCH = 64 };
  static char bufs[BATCH][2048];
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++) {
    iov[i].iov_base = bufs[i];
    iov[i].iov_len = sizeof bufs[i];
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  struct pollfd fds[2] = {{floor_fd, POLLIN, 0}, {floor_stop[0], POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0 || fds[1].revents) break;
    int n;
    while ((n = recvmmsg(floor_fd, msgs, BATCH, MSG_DONTWAIT, NULL)) > 0) {
      __atomic_add_fetch(&src_buffers, (guint64)n, __ATOMIC_RELAXED);
      if (n < BATCH) break;
    }
  }
  return NULL;
}

/* Binds the floor's socket on a free loopback port and starts its thread. */
static unsigned floor_start(void) {
  struct sockaddr_in a;
  socklen_t len = sizeof a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  floor_fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (floor_fd < 0 || bind(floor_fd, (struct sockaddr *)&a, sizeof a) != 0 || pipe(floor_stop) != 0 ||
      getsockname(floor_fd, (struct sockaddr *)&a, &len) != 0)
    return 0;
  floor_thread = g_thread_new("floor", floor_loop, NULL);
  return ntohs(a.sin_port);
}

static void floor_end(void) {
  if (!floor_thread) return;
  if (write(floor_stop[1], "x", 1) != 1) perror("write");
  g_thread_join(floor_thread);
  close(floor_fd);
  close(floor_stop[0]);
  close(floor_stop[1]);
}

static void reply(const char *json) {
  printf("%s\n", json);
  fflush(stdout);
}

static gboolean on_stdin(GIOChannel *ch, GIOCondition cond, gpointer data) {
  (void)cond;
  (void)data;
  gchar *line = NULL;
  if (g_io_channel_read_line(ch, &line, NULL, NULL, NULL) != G_IO_STATUS_NORMAL) {
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
  }
  g_strstrip(line);
  char arg1[256] = "";
  unsigned port = 0;
  if (strcmp(line, "ready") == 0) {
    guint p = 0;
    if (pipeline) {
      gst_element_set_state(pipeline, GST_STATE_READY);
      g_object_get(src, g_object_class_find_property(G_OBJECT_GET_CLASS(src), "preview-port") ? "preview-port" : "port",
                   &p, NULL);
    } else {
      p = floor_start();
    }
    char out[64];
    snprintf(out, sizeof out, "{\"port\":%u,\"rcvbuf\":%d}", p, rcvbuf_of_port(p));
    reply(out);
  } else if (sscanf(line, "connect %255s %u", arg1, &port) == 2) {
    g_object_set(src, "address", arg1, "control-port", port, NULL);
  } else if (strcmp(line, "play") == 0) {
    want_playing = TRUE;
    if (pipeline) gst_element_set_state(pipeline, GST_STATE_PLAYING);
    /* ipcamsrc answers once connected (bus message); udpsrc and the floor at once. */
    if (!src || !g_object_class_find_property(G_OBJECT_GET_CLASS(src), "control-port")) reply("{\"playing\":true}");
  } else if (strcmp(line, "mark") == 0) {
    mark_buffers = src_buffers;
    mark_sink = sink_rendered();
    mark_wall = mono_ns();
    guint64 sys;
    mark_user = user_ns(&sys);
    mark_cpu = mark_user + sys;
    mark_allocs = malloc_count ? malloc_count() : 0;
    rss_samples = 0;
    rss_max = 0;
    sample_rss(NULL);
  } else if (sscanf(line, "times %255s", arg1) == 1) {
    __atomic_store_n(&times_file, fopen(arg1, "w"), __ATOMIC_RELEASE);
  } else if (strcmp(line, "stop") == 0) {
    print_stats();
    g_main_loop_quit(loop);
  }
  g_free(line);
  return G_SOURCE_CONTINUE;
}

static gboolean on_bus(GstBus *bus, GstMessage *msg, gpointer data) {
  (void)bus;
  (void)data;
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gst_message_parse_error(msg, &err, NULL);
    fprintf(stderr, "pipeline error: %s\n", err->message);
    reply("{\"error\":true}");
    g_error_free(err);
    g_main_loop_quit(loop);
  } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ELEMENT && want_playing &&
             gst_message_has_name(msg, "ipcam-connected")) {
    reply("{\"playing\":true}");
  }
  return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  if (argc != 2) {
    fprintf(stderr, "usage: %s PIPELINE (with elements named src and sink)\n", argv[0]);
    return 2;
  }
  /* POSIX's way to take a function from dlsym without a pointer cast. */
  *(void **)(&malloc_count) = dlsym(RTLD_DEFAULT, "malloc_count_calls");
  GIOChannel *in = g_io_channel_unix_new(0);
  g_io_add_watch(in, G_IO_IN | G_IO_HUP, on_stdin, NULL);
  g_timeout_add(1000, sample_rss, NULL);
  loop = g_main_loop_new(NULL, FALSE);
  if (strcmp(argv[1], "floor") == 0) {
    g_main_loop_run(loop);
    floor_end();
    g_io_channel_unref(in);
    g_main_loop_unref(loop);
    return 0;
  }
  GError *error = NULL;
  pipeline = gst_parse_launch(argv[1], &error);
  if (!pipeline) {
    fprintf(stderr, "bad pipeline: %s\n", error->message);
    return 2;
  }
  src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  if (!src || !sink) {
    fprintf(stderr, "the pipeline needs elements named src and sink\n");
    return 2;
  }
  camera_caps = gst_caps_new_empty_simple("timestamp/x-ipcam-camera-clock");
  GstPad *pad = gst_element_get_static_pad(src, "src");
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, on_src_buffer, NULL, NULL);
  gst_object_unref(pad);
  GstBus *bus = gst_element_get_bus(pipeline);
  gst_bus_add_watch(bus, on_bus, NULL);
  gst_object_unref(bus);
  g_main_loop_run(loop);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  if (times_file) fclose(times_file);
  gst_object_unref(src);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  g_io_channel_unref(in);
  g_main_loop_unref(loop);
  gst_caps_unref(camera_caps);
  return 0;
}
