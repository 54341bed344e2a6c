// Stopping a ControlSession from another thread never waits for the camera:
// close() ends a send blocked on a camera that stopped reading, and a
// request waiting for a reply.
#include "session_fixture.h"

#include <gtest/gtest.h>

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>

using namespace ipcam;
using namespace ipcam::test;

namespace {

// The documented bound for a stop.
constexpr double kStopBound = 0.5;

double seconds_since(gint64 t0) { return double(g_get_monotonic_time() - t0) / G_USEC_PER_SEC; }

// True while thread `tid` of this process sleeps in the kernel (state S).
bool sleeping(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string line;
  std::getline(stat, line);
  size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'S';
}

// True while thread `tid` waits in poll(): GSocket's blocking send waits
// there for room, holding the session's write lock. A thread can sleep for
// a moment elsewhere too (a futex, a write to stderr), so `sleeping` alone
// does not say that a send is blocked.
bool waiting_in_poll(pid_t tid) {
  if (!sleeping(tid)) return false;
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/syscall");
  long number = -1;
  if (!(in >> number)) return false;
#ifdef SYS_poll
  if (number == SYS_poll) return true;
#endif
  return number == SYS_ppoll;
}

// A thread that sends big requests on `s` until one fails; the camera reads
// nothing, so one blocks. The constructor returns once the thread is blocked:
// inside raw() and waiting in the kernel for room to send.
class BlockedSender {
 public:
  explicit BlockedSender(ControlSession &s) : thread_([this, &s] { send(s); }) {
    while (!(in_send_ && tid_ && waiting_in_poll(tid_))) std::this_thread::yield();
  }
  // Only after the session's close(): until then the send stays blocked.
  void join() { thread_.join(); }

 private:
  void send(ControlSession &s) {
    tid_ = pid_t(syscall(SYS_gettid));
    Bytes big(60000, 0x55);
    GError *e = nullptr;
    for (;;) {
      in_send_ = true;
      bool ok = s.raw(0x7777, big, 0, &e).has_value();
      in_send_ = false;
      if (!ok) break;
    }
    g_clear_error(&e);
  }

  std::atomic<pid_t> tid_{0};
  std::atomic<bool> in_send_{false};
  std::thread thread_;  // last: it starts once the flags above exist
};

}  // namespace

TEST(SessionStop, CloseEndsASendBlockedOnACameraThatStoppedReading) {
  Peer peer;
  Flag closed;
  // The camera logs in and then reads nothing, so the client's sends fill
  // both socket buffers and the last one blocks.
  peer.run([&](Peer &p) {
    ASSERT_TRUE(p.login());
    closed.wait();
  });
  SessionConfig c = ConfigFor(peer);
  c.reply_timeout_ms = 60000;  // the send's own timeout must not be what ends it
  ControlSession s(c);
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();

  BlockedSender sender(s);
  gint64 t0 = g_get_monotonic_time();
  s.close();
  double took = seconds_since(t0);
  sender.join();
  closed.set();
  peer.join();
  EXPECT_LT(took, kStopBound);
}

TEST(SessionStop, CloseWakesAFirmwareRequestAtOnce) {
  Peer peer;
  Flag asked, closed;
  peer.run([&](Peer &p) {
    ASSERT_TRUE(p.login());
    EXPECT_EQ(p.recv_type(), 0xA034u);
    asked.set();
    closed.wait();
  });
  SessionConfig c = ConfigFor(peer);
  c.reply_timeout_ms = 60000;
  ControlSession s(c);
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  std::atomic<gint64> t0{0};
  std::thread closer([&] {
    ASSERT_TRUE(asked.wait());
    t0 = g_get_monotonic_time();
    s.close();
  });
  EXPECT_FALSE(s.firmware_version(err.out()));
  double took = seconds_since(t0);
  closer.join();
  closed.set();
  peer.join();
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_NOT_CONNECTED)) << err.message();
  EXPECT_LT(took, kStopBound);
}

// An element closes its session from two threads at once (its unlock() and
// its streaming thread): both calls return, each only once the reader
// thread has ended, and no handler runs after that. A thread joined twice
// hung the caller for ever or aborted the process ("The futex facility
// returned an unexpected error code").
TEST(SessionStop, TwoThreadsClosingAtOnceBothReturnOnceTheReaderEnded) {
  constexpr int kRounds = 200;
  for (int round = 0; round < kRounds; round++) {
    Peer peer;
    ServeLoggedIn(peer, [](Peer &) {});
    ControlSession s(ConfigFor(peer));
    std::atomic<bool> closed{false};
    std::atomic<int> late_handlers{0};
    s.set_lost_handler([&](const GError *) {
      if (closed) late_handlers++;
    });
    ErrorGuard err;
    ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
    std::atomic<int> ready{0};
    auto closer = [&] {
      ready++;
      while (ready.load() < 2) std::this_thread::yield();
      s.close();
    };
    std::thread a(closer), b(closer);
    a.join();
    b.join();
    closed = true;
    s.close();  // a third, after both: nothing left to join
    peer.join();
    ASSERT_EQ(late_handlers.load(), 0) << "round " << round;
    ASSERT_FALSE(s.connected()) << "round " << round;
  }
}

// close() sends stop preview when this session started the preview, but
// never waits for it: with a send blocked on a camera that stopped reading
// (holding the write lock), the stop preview is skipped. The send timeout
// is far longer than the test's own, so a close that waited would fail it.
TEST(SessionStop, StopPreviewBeforeCloseNeverWaitsForABlockedSend) {
  Peer peer;
  Flag closed;
  peer.run([&](Peer &p) {
    ASSERT_TRUE(p.login());
    closed.wait(600000);
  });
  SessionConfig c = ConfigFor(peer);
  c.reply_timeout_ms = 600000;
  ASSERT_TRUE(c.stop_preview_on_close);
  ControlSession s(c);
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  ASSERT_TRUE(s.start_preview(err.out())) << err.message();

  BlockedSender sender(s);
  s.close();
  sender.join();
  closed.set();
  peer.join();
  EXPECT_FALSE(s.connected());
}
