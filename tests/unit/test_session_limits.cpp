// What a hostile camera cannot make a ControlSession do: log in for longer
// than the reply timeout, buffer more than max_login_bytes before login,
// hold a file list past its entry or text caps, or keep more raw replies
// than asked. Each error names its cap.
#include "session_fixture.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace ipcam;
using namespace ipcam::test;

namespace {

double seconds_since(gint64 t0) { return double(g_get_monotonic_time() - t0) / G_USEC_PER_SEC; }

bool mentions(const ErrorGuard &err, const char *words) {
  return err.get() && std::string(err.get()->message).find(words) != std::string::npos;
}

// Answers the file list request with `parts`; returns what file_list() made
// of them with the caps of `caps`.
bool list_files(const std::vector<Bytes> &parts, const SessionConfig &caps, std::vector<FileEntry> &files,
                ErrorGuard &err) {
  Peer peer;
  ServeLoggedIn(peer, [&parts](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0xA025u);
    for (const Bytes &part : parts) p.send(control(0xA026, part));
  });
  SessionConfig c = ConfigFor(peer);
  c.max_files = caps.max_files;
  c.max_file_list_bytes = caps.max_file_list_bytes;
  ControlSession s(c);
  if (!s.connect(nullptr, err.out())) return false;
  auto list = s.file_list(err.out());
  if (list) files = std::move(*list);
  s.close();
  peer.join();
  return bool(list);
}

}  // namespace

TEST(SessionLimits, LoginDeadlineHoldsWhileTheCameraKeepsTalking) {
  Peer peer;
  // Answers login with alive requests, one per alive response, for ever.
  peer.run([](Peer &p) {
    uint32_t t = 0;
    Bytes payload;
    ASSERT_TRUE(p.recv(t, payload));
    while (p.send_all(control(0x0112)) && p.recv_type() == 0x0113) {
    }
  });
  SessionConfig c = ConfigFor(peer);
  c.reply_timeout_ms = 500;
  ControlSession s(c);
  ErrorGuard err;
  gint64 t0 = g_get_monotonic_time();
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  double took = seconds_since(t0);
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_TIMEOUT)) << err.message();
  // The deadline plus one reply's worth of slack, far from "for ever".
  EXPECT_LT(took, 1.5);
  peer.join();
}

TEST(SessionLimits, BytesBeforeLoginAreCapped) {
  Peer peer;
  // Unknown 4 KB messages instead of login accepted.
  peer.run([](Peer &p) {
    uint32_t t = 0;
    Bytes payload;
    ASSERT_TRUE(p.recv(t, payload));
    Bytes junk = control(0x7001, Bytes(4096, 0x41));
    while (p.send_all(junk)) {
    }
  });
  SessionConfig c = ConfigFor(peer);
  c.reply_timeout_ms = 60000;
  ControlSession s(c);
  ErrorGuard err;
  EXPECT_FALSE(s.connect(nullptr, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_LIMIT)) << err.message();
  EXPECT_TRUE(mentions(err, "65536 bytes")) << err.message();
  EXPECT_TRUE(mentions(err, "max_login_bytes")) << err.message();
  peer.join();
}

TEST(SessionLimits, FileListEntriesAreCapped) {
  SessionConfig c;
  c.max_files = 3;
  std::vector<FileEntry> files;
  ErrorGuard err;
  EXPECT_FALSE(list_files({file_list_part(1, 0, "a:1;b:1;c:1;d:1;")}, c, files, err));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_LIMIT)) << err.message();
  EXPECT_TRUE(mentions(err, "more than 3 entries")) << err.message();
  EXPECT_TRUE(mentions(err, "max-files")) << err.message();
  EXPECT_TRUE(files.empty());
}

TEST(SessionLimits, FileListTextIsCapped) {
  SessionConfig c;
  c.max_file_list_bytes = 1000;
  std::string text(600, 'a');
  std::vector<FileEntry> files;
  ErrorGuard err;
  EXPECT_FALSE(list_files({file_list_part(3, 0, text), file_list_part(3, 1, text)}, c, files, err));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_LIMIT)) << err.message();
  EXPECT_TRUE(mentions(err, "1000 bytes")) << err.message();
}

TEST(SessionLimits, RawKeepsOnlyItsCapAndSaysSo) {
  Peer peer;
  ServeLoggedIn(peer, [](Peer &p) {
    EXPECT_EQ(p.recv_type(), 0x0202u);
    for (int i = 0; i < 5; i++) p.send(control(0x0203, Bytes(10, uint8_t(i))));
  });
  SessionConfig c = ConfigFor(peer);
  c.max_raw_replies = 3;
  ControlSession s(c);
  ErrorGuard err;
  ASSERT_TRUE(s.connect(nullptr, err.out())) << err.message();
  EXPECT_FALSE(s.raw(0x0202, {}, 10000, err.out()));
  EXPECT_TRUE(g_error_matches(err.get(), IPCAM_ERROR, IPCAM_ERROR_LIMIT)) << err.message();
  EXPECT_TRUE(mentions(err, "more than 3 replies")) << err.message();
  EXPECT_TRUE(mentions(err, "stopped after the first 3")) << err.message();
  s.close();
  peer.join();
}
