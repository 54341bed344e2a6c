// The metrics page: see metrics-page.h.
#include "metrics/metrics-page.h"

#include "http/reply.h"
#include "metrics/prometheus-text.h"

#include <functional>

namespace ipcam::server {

namespace {

using Figure = std::function<uint64_t(const CameraStatus &)>;

// One family with a sample per camera.
void per_camera(PrometheusText &out, const std::vector<CameraStatus> &cameras, const char *name, const char *type,
                const char *help, const Figure &figure) {
  out.family(name, type, help);
  for (const CameraStatus &c : cameras) out.sample({{"camera", c.name}}, figure(c));
}

uint64_t publications_up(const CameraStatus &c) {
  uint64_t n = 0;
  for (const auto &p : c.publish) n += p.state == PublisherState::publishing;
  return n;
}

void camera_families(PrometheusText &out, const std::vector<CameraStatus> &cams) {
  per_camera(out, cams, "ipcam_camera_connected", "gauge",
             "1 while the server streams from the camera (a viewer, a publication, a snapshot or the archive "
             "holds it), else 0",
             [](const CameraStatus &c) { return uint64_t(c.connected); });
  per_camera(out, cams, "ipcam_camera_frames_received_total", "counter",
             "Frames (H.264 access units) received from the camera",
             [](const CameraStatus &c) { return c.counters.frames; });
  per_camera(out, cams, "ipcam_camera_received_bytes_total", "counter",
             "Bytes of the frames received from the camera",
             [](const CameraStatus &c) { return c.counters.bytes; });
  per_camera(out, cams, "ipcam_camera_datagrams_lost_total", "counter",
             "Preview datagrams the camera sent that never arrived",
             [](const CameraStatus &c) { return c.counters.datagrams_lost; });
  per_camera(out, cams, "ipcam_camera_frames_dropped_total", "counter",
             "Frames received but never passed on: incomplete (a datagram missing), or waiting for the next "
             "keyframe after one",
             [](const CameraStatus &c) { return c.counters.frames_dropped; });
  per_camera(out, cams, "ipcam_camera_reconnects_total", "counter",
             "Reconnects to the camera after its stream dropped",
             [](const CameraStatus &c) { return c.counters.reconnects; });
  per_camera(out, cams, "ipcam_camera_sessions_total", "counter",
             "Camera sessions started (the first consumer connects the camera, the last one's linger ends it)",
             [](const CameraStatus &c) { return c.counters.connects; });
  out.family("ipcam_camera_viewers", "gauge",
             "Viewers watching the camera now, by protocol (rtsp: RTSP connections on its mount; webrtc: WHEP "
             "sessions)");
  for (const CameraStatus &c : cams) {
    out.sample({{"camera", c.name}, {"protocol", "rtsp"}}, uint64_t(c.clients));
    out.sample({{"camera", c.name}, {"protocol", "webrtc"}}, uint64_t(c.webrtc_viewers));
  }
  per_camera(out, cams, "ipcam_camera_publications", "gauge", "Publications configured (--publish)",
             [](const CameraStatus &c) { return uint64_t(c.publish.size()); });
  per_camera(out, cams, "ipcam_camera_publications_up", "gauge",
             "Publications whose server takes the stream now (state publishing)", publications_up);
  per_camera(out, cams, "ipcam_camera_archive_bytes", "gauge",
             "Bytes of the camera's archive on disk, the segment being written included (0 without --archive)",
             [](const CameraStatus &c) { return c.archive.bytes; });
  per_camera(out, cams, "ipcam_camera_archive_segments", "gauge",
             "Segments of the camera's archive on disk, the one being written included",
             [](const CameraStatus &c) { return c.archive.segments; });
  per_camera(out, cams, "ipcam_camera_archive_failed", "gauge",
             "1 while the archive cannot write (disk full, --archive-min-free reached, folder not writable)",
             [](const CameraStatus &c) { return uint64_t(c.archive.state == "failed"); });
  per_camera(out, cams, "ipcam_camera_snapshots_total", "counter", "Snapshots (frame.jpeg) served",
             [](const CameraStatus &c) { return c.counters.snapshots; });
}

void process_families(PrometheusText &out, const ProcessFigures &p) {
  if (!p.read) return;  // no /proc: no figures rather than zeros
  out.family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  out.sample({}, p.resident_bytes);
  out.family("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
  out.sample({}, p.virtual_bytes);
  out.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
  out.sample({}, p.start_time_s);
  out.family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
  out.sample({}, p.cpu_s);
  out.family("process_open_fds", "gauge", "Number of open file descriptors.");
  out.sample({}, p.open_fds);
  out.family("process_max_fds", "gauge", "Maximum number of open file descriptors.");
  out.sample({}, p.max_fds);
}

}  // namespace

std::string metrics_page(const std::vector<CameraStatus> &cameras, const ProcessFigures &process) {
  PrometheusText out;
  camera_families(out, cameras);
  process_families(out, process);
  return out.text();
}

void serve_metrics(Request &r) {
  std::vector<CameraStatus> cameras;
  for (Camera *c : r.served.cameras) cameras.push_back(c->status());
  std::string page = metrics_page(cameras, read_process_figures());
  Reply reply;
  reply.content_type = kPrometheusContentType;
  reply.set_body(g_bytes_new(page.data(), page.size()));
  // A scraper wants this moment's figures, never a cached page.
  reply.headers.emplace_back("Cache-Control", "no-store");
  send_reply(r.msg, reply);
}

}  // namespace ipcam::server
