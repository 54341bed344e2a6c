// ipcamsrc set to NULL from each phase of a connection stops within 0.5 s:
// login, firmware, streaming and a download, against an emulator that
// delays its replies or an HTTP server that stalls. Each test waits for the
// phase on a live counter, never on a sleep.
// The C++ headers come before gstcheck.h (its fail() macro).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "element_fixture.h"

#include <gst/check/gstcheck.h>

using ipcam::test::Rig;

namespace {

// The documented bound for a stop from any phase.
constexpr double kStopBound = 0.5;

// PLAYING, then NULL once `counter` reaches `at_least` on the emulator.
void stop_when(const std::vector<std::string> &sim_args, const char *counter, uint64_t at_least,
               const char *phase) {
  Rig rig("fakesink sync=false", sim_args, "timeout=60000");
  fail_unless(gst_element_set_state(rig.pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  fail_unless(rig.sim->process.wait_counter(counter, at_least, 20), "the camera never saw %s", phase);
  double took = ipcam::test::stop_pipeline(rig.pipeline);
  fail_unless(took < kStopBound, "PLAYING->NULL took %.2f s during %s", took, phase);
}

// A camera HTTP port that answers one request with the headers of a file of
// `size` bytes and its first byte, then sends nothing more until it is
// destroyed (a stalled download).
class StallingHttp {
 public:
  explicit StallingHttp(guint64 size) : size_(size) {
    listener_ = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, nullptr);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
    fail_unless(g_socket_bind(listener_, any, TRUE, nullptr) && g_socket_listen(listener_, nullptr));
    g_autoptr(GSocketAddress) bound = g_socket_get_local_address(listener_, nullptr);
    port_ = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    thread_ = std::thread([this] { serve(); });
  }
  ~StallingHttp() {
    g_cancellable_cancel(stop_);
    thread_.join();
    if (peer_) g_object_unref(peer_);
    g_object_unref(listener_);
    g_object_unref(stop_);
  }
  guint port() const { return port_; }
  // True once the first byte is out (false after `seconds`).
  bool wait_stalled(int seconds) {
    std::unique_lock<std::mutex> l(mutex_);
    return cond_.wait_for(l, std::chrono::seconds(seconds), [this] { return stalled_; });
  }

 private:
  void serve() {
    peer_ = g_socket_accept(listener_, stop_, nullptr);
    if (!peer_) return;
    char request[4096];
    if (g_socket_receive(peer_, request, sizeof request, stop_, nullptr) <= 0) return;
    g_autofree char *head = g_strdup_printf("HTTP/1.1 200 OK\r\nContent-Length: %" G_GUINT64_FORMAT "\r\n\r\nx", size_);
    g_socket_send(peer_, head, strlen(head), stop_, nullptr);
    {
      std::lock_guard<std::mutex> l(mutex_);
      stalled_ = true;
    }
    cond_.notify_all();
    g_socket_condition_timed_wait(peer_, G_IO_HUP, -1, stop_, nullptr);  // until destroyed
  }

  guint64 size_;
  GSocket *listener_ = nullptr;
  GSocket *peer_ = nullptr;
  GCancellable *stop_ = g_cancellable_new();
  guint port_ = 0;
  std::mutex mutex_;
  std::condition_variable cond_;
  bool stalled_ = false;
  std::thread thread_;
};

// The first file of the camera's list, with its size.
std::string first_file(GstElement *src, guint64 *size) {
  GStrv files = nullptr;
  g_signal_emit_by_name(src, "list-files", &files);
  fail_unless(files && files[0], "the camera lists no file");
  std::string entry(files[0]);
  g_strfreev(files);
  *size = g_ascii_strtoull(entry.c_str() + entry.rfind('\t') + 1, nullptr, 10);
  return entry.substr(0, entry.rfind('\t'));
}

}  // namespace

GST_START_TEST(test_stop_during_download) {
  // A download started from the download-file signal on another thread,
  // stalled by the camera's HTTP side: NULL aborts it at once, and nothing
  // is left in the folder.
  Rig rig("fakesink sync=false");
  fail_unless(gst_element_set_state(rig.pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  fail_unless(rig.sim->process.wait_counter("frames_sent", 1, 20), "the camera never streamed");
  guint64 size = 0;
  std::string path = first_file(rig.src, &size);
  fail_unless(size > 1, "%s: listed as %" G_GUINT64_FORMAT " bytes", path.c_str(), size);
  StallingHttp http(size);
  g_object_set(rig.src, "http-port", http.port(), nullptr);
  std::string dir = ipcam::test::make_temp_dir();
  std::atomic<bool> returned{false};
  gchar *local = nullptr;
  std::thread downloader([&] {
    g_signal_emit_by_name(rig.src, "download-file", path.c_str(), dir.c_str(), &local);
    returned.store(true);
  });
  fail_unless(http.wait_stalled(20), "the download never reached the camera's HTTP port");
  double took = ipcam::test::stop_pipeline(rig.pipeline);
  gint64 stopped_at = g_get_monotonic_time();
  downloader.join();
  double aborted = double(g_get_monotonic_time() - stopped_at) / G_USEC_PER_SEC;
  fail_unless(returned.load());
  fail_unless(took < kStopBound, "PLAYING->NULL took %.2f s during a download", took);
  fail_unless(aborted < kStopBound, "the download returned %.2f s after the stop", aborted);
  fail_unless(local == nullptr, "the stalled download returned %s", local);
  g_autoptr(GDir) d = g_dir_open(dir.c_str(), 0, nullptr);
  const char *left = d ? g_dir_read_name(d) : nullptr;
  fail_unless(left == nullptr, "the aborted download left %s in the folder", left);
  ipcam::test::remove_tree(dir);
}
GST_END_TEST;

GST_START_TEST(test_stop_during_login) {
  // Login accepted comes 3 s after the login request: the element waits in
  // login when the camera has seen its first message.
  stop_when({"--reply-delay", "3000"}, "control_messages_in", 1, "login");
}
GST_END_TEST;

GST_START_TEST(test_stop_during_firmware) {
  // Once login is accepted the element asks for the firmware, whose reply
  // the camera holds back for 3 s.
  stop_when({"--reply-delay", "3000"}, "logins_accepted", 1, "the firmware request");
}
GST_END_TEST;

GST_START_TEST(test_stop_while_streaming) {
  stop_when({}, "frames_sent", 30, "streaming");
}
GST_END_TEST;

static Suite *ipcamsrc_stop_suite(void) {
  Suite *s = suite_create("ipcamsrc-stop");
  TCase *tc = ipcam::test::add_tcase(s, "stop");
  tcase_add_test(tc, test_stop_during_login);
  tcase_add_test(tc, test_stop_during_firmware);
  tcase_add_test(tc, test_stop_while_streaming);
  tcase_add_test(tc, test_stop_during_download);
  return s;
}

GST_CHECK_MAIN(ipcamsrc_stop);
