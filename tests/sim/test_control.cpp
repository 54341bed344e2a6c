// The control server against protocol.md, with bytes built by hand.
#include "camera_for_test.h"

using namespace hand;
using ipcam::sim::Camera;
using ipcam::sim::CameraConfig;

namespace {

struct Started {
  std::unique_ptr<Camera> camera;
  uint16_t port() const { return camera->ready().control_port; }
};

Started start(CameraConfig config) {
  Started s{std::make_unique<Camera>(std::move(config))};
  g_autoptr(GError) error = nullptr;
  EXPECT_TRUE(s.camera->start(&error)) << (error ? error->message : "");
  return s;
}

}  // namespace

TEST(Control, LoginSendsAliveRequestFirstThenEchoesCredentials) {
  auto cam = start(test_config());
  TcpClient c(cam.port());
  ASSERT_TRUE(c.connected());
  c.send(control(0x0110, login_payload("admin", "12345")));
  Bytes alive;
  ASSERT_TRUE(c.read_exact(8, alive));
  EXPECT_EQ(alive, (Bytes{0xAB, 0xCD, 0x00, 0x00, 0x00, 0x00, 0x01, 0x12}));
  Bytes accepted;
  ASSERT_TRUE(c.read_exact(8 + 128, accepted));
  Bytes expected = {0xAB, 0xCD, 0x00, 0x80, 0x00, 0x00, 0x01, 0x11};
  Bytes echo = login_payload("admin", "12345");
  expected.insert(expected.end(), echo.begin(), echo.end());
  EXPECT_EQ(accepted, expected);
}

TEST(Control, Login129BytesHonoursLength) {
  auto cam = start(test_config());
  TcpClient c(cam.port());
  Bytes p = login_payload("admin", "12345");
  p.push_back(0);  // one app sends 129 bytes
  c.send(control(0x0110, p));
  auto seen = c.login_rest_or_empty();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().type, 0x0111u);
}

TEST(Control, WrongPasswordIsRefusedByClosing) {
  auto cam = start(test_config());
  TcpClient c(cam.port());
  c.send(control(0x0110, login_payload("admin", "wrong")));
  Bytes got;
  EXPECT_TRUE(c.closed_within(5000, &got));
  EXPECT_TRUE(got.empty()) << "a refused login must not see login accepted";
}

TEST(Control, WrongPasswordReplyMode) {
  auto config = test_config();
  config.refuse_mode = ipcam::sim::RefuseMode::kReply;
  config.refuse_bytes = {0xDE, 0xAD};
  auto cam = start(config);
  TcpClient c(cam.port());
  c.send(control(0x0110, login_payload("admin", "nope")));
  Bytes got;
  ASSERT_TRUE(c.read_exact(2, got));
  EXPECT_EQ(got, (Bytes{0xDE, 0xAD}));
}

TEST(Control, FirmwareInfoLayout) {
  auto config = test_config();
  config.firmware = "v2.3 test";
  auto cam = start(config);
  TcpClient c(cam.port());
  ASSERT_EQ(c.login().back().type, 0x0111u);
  c.send(control(0xA034));
  auto m = c.read_reply();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, 0xA035u);
  ASSERT_EQ(m->payload.size(), 112u);
  std::string version(reinterpret_cast<const char *>(&m->payload[80]));
  EXPECT_EQ(version, "v2.3 test");
  for (size_t i = 80 + version.size(); i < 112; ++i) EXPECT_EQ(m->payload[i], 0) << i;
}

TEST(Control, FirmwareInfoIsTheAct76Capture) {
  auto cam = start(test_config());  // default firmware: "v1.0 rc5"
  TcpClient c(cam.port());
  ASSERT_EQ(c.login().back().type, 0x0111u);
  c.send(control(0xA034));
  Bytes raw;
  std::optional<Message> m;
  while ((m = c.read_message(5000, &raw)) && m->type == 0x0112) c.send(control(0x0113));
  ASSERT_TRUE(m);
  EXPECT_EQ(raw, act76_firmware_info_message());
}

TEST(Control, LoginAcceptedOf129BytesWhenAsked) {
  auto config = test_config();
  config.login_reply_length = 129;
  auto cam = start(config);
  TcpClient c(cam.port());
  c.send(control(0x0110, login_payload("admin", "12345")));
  Bytes raw;
  std::optional<Message> m;
  while ((m = c.read_message(5000, &raw)) && m->type == 0x0112) c.send(control(0x0113));
  ASSERT_TRUE(m);
  EXPECT_EQ(Bytes(raw.begin(), raw.begin() + 8), (Bytes{0xAB, 0xCD, 0x00, 0x81, 0x00, 0x00, 0x01, 0x11}));
  Bytes echo = login_payload("admin", "12345");
  echo.push_back(0);
  EXPECT_EQ(m->payload, echo);
}

TEST(Control, ClientAliveRequestIsAnswered) {
  auto cam = start(test_config());
  TcpClient c(cam.port());
  ASSERT_EQ(c.login().back().type, 0x0111u);
  c.send(control(0x0112));  // a client that pings with the camera's own message
  std::optional<Message> m;
  while ((m = c.read_message(5000)) && m->type == 0x0112) {
  }
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, 0x0113u);
  EXPECT_TRUE(m->payload.empty());
}

TEST(Control, FileListComesInPartsThatConcatenate) {
  auto config = test_config();
  config.samples = true;
  auto cam = start(config);
  TcpClient c(cam.port());
  ASSERT_EQ(c.login().back().type, 0x0111u);
  c.send(control(0xA025, {1, 0, 0, 0}));
  std::string text;
  uint32_t total = 0;
  for (uint32_t i = 0;; ++i) {
    auto m = c.read_reply(10000);
    ASSERT_TRUE(m);
    ASSERT_EQ(m->type, 0xA026u);
    ASSERT_GE(m->payload.size(), 8u);
    if (i == 0) total = le32(&m->payload[0]);
    EXPECT_EQ(le32(&m->payload[0]), total);
    EXPECT_EQ(le32(&m->payload[4]), i);
    EXPECT_LE(m->payload.size() - 8, 512u);
    text.append(m->payload.begin() + 8, m->payload.end());
    if (i + 1 == total) break;
  }
  EXPECT_GE(total, 3u) << "the samples must need several parts";
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), ';');
  auto files = parse_list(text);
  EXPECT_GE(files.size(), 20u);
  for (auto &[path, size] : files) {
    EXPECT_TRUE(g_str_has_prefix(path.c_str(), "/mnt/sdcard/DCIM/100MEDIA/")) << path;
    EXPECT_GT(size, 0u) << path;
  }
}

TEST(Control, OneClientAtATime) {
  auto cam = start(test_config());
  TcpClient first(cam.port());
  ASSERT_EQ(first.login().back().type, 0x0111u);
  TcpClient second(cam.port());
  ASSERT_TRUE(second.connected());
  // By default a second login is answered 0x1234 (busy), no payload, and
  // the connection stays open.
  second.send(control(0x0110, login_payload("admin", "12345")));
  Bytes got;
  ASSERT_TRUE(second.read_exact(8, got));
  EXPECT_EQ(got, (Bytes{0xAB, 0xCD, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34}));
  EXPECT_FALSE(second.read_message(300)) << "nothing follows the busy reply";
  EXPECT_FALSE(second.eof()) << "a busy reply keeps the connection open";
  EXPECT_EQ(cam.camera->stats().get("busy_refused"), 1u);
  EXPECT_EQ(cam.camera->stats().get("busy_replies"), 1u);
  // The first session is unharmed, and once it leaves, the same second
  // connection may log in.
  first.send(control(0xA034));
  auto m = first.read_reply();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, 0xA035u);
  first.close();
  bool in = false;
  for (int attempt = 0; attempt < 50 && !in; ++attempt) {
    auto seen = second.login();
    in = !seen.empty() && seen.back().type == 0x0111u;
    if (!in) g_usleep(100000);
  }
  EXPECT_TRUE(in);
}

TEST(Control, ClientWithoutAliveAnswersIsDropped) {
  auto config = test_config();
  config.alive_interval_ms = 100;
  config.alive_timeout_ms = 400;
  auto cam = start(config);
  TcpClient c(cam.port());
  c.send(control(0x0110, login_payload("admin", "12345")));
  // Never answer: expect alive requests, then the close.
  int64_t t0 = g_get_monotonic_time();
  EXPECT_TRUE(c.closed_within(5000));
  EXPECT_GE(g_get_monotonic_time() - t0, 300 * 1000) << "dropped before the alive timeout";
  EXPECT_EQ(cam.camera->stats().get("clients_dropped_alive"), 1u);
}

TEST(Control, ClientAnsweringAliveStays) {
  auto config = test_config();
  config.alive_interval_ms = 100;
  config.alive_timeout_ms = 400;
  auto cam = start(config);
  TcpClient c(cam.port());
  ASSERT_EQ(c.login().back().type, 0x0111u);
  int64_t until = g_get_monotonic_time() + 1200 * 1000;
  int alive = 0;
  while (g_get_monotonic_time() < until) {
    auto m = c.read_message(500);
    ASSERT_TRUE(m) << "connection lost although alive requests were answered";
    ASSERT_EQ(m->type, 0x0112u);
    c.send(control(0x0113));
    ++alive;
  }
  EXPECT_GE(alive, 5);
  EXPECT_EQ(cam.camera->stats().get("clients_dropped_alive"), 0u);
}

TEST(Control, EachMessageIsItsOwnWrite) {
  auto cam = start(test_config());
  TcpClient c(cam.port());
  c.send(control(0x0110, login_payload("admin", "12345")));
  // The alive request arrives alone: a read-one-message-per-read client
  // works. The 20 ms gap makes a merged segment unlikely; wait for it.
  Bytes first;
  ASSERT_TRUE(c.read_exact(8, first));
  EXPECT_TRUE(c.pending().empty()) << "login accepted arrived in the same read";
}

TEST(Control, UnknownTypeEchoedWhenAsked) {
  auto config = test_config();
  config.unknown_reply = ipcam::sim::UnknownReply::kEcho;
  auto cam = start(config);
  TcpClient c(cam.port());
  ASSERT_EQ(c.login().back().type, 0x0111u);
  c.send(control(0xA0F0, {7, 8, 9}));  // not in the command map
  auto m = c.read_reply();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, 0xA0F0u);
  EXPECT_EQ(m->payload, (Bytes{7, 8, 9}));
}

TEST(Control, CoalesceSendsLoginRepliesInOneWrite) {
  auto config = test_config();
  config.coalesce = true;
  auto cam = start(config);
  TcpClient c(cam.port());
  c.send(control(0x0110, login_payload("admin", "12345")));
  Bytes first;
  ASSERT_TRUE(c.read_exact(8, first));
  EXPECT_EQ(first, control(0x0112));
  // Login accepted came in the same read: one write on loopback.
  EXPECT_EQ(c.pending().size(), 8u + 128u);
  Bytes accepted;
  ASSERT_TRUE(c.read_exact(8 + 128, accepted, 1000));
  EXPECT_EQ(Bytes(accepted.begin(), accepted.begin() + 8),
            (Bytes{0xAB, 0xCD, 0x00, 0x80, 0x00, 0x00, 0x01, 0x11}));
}

TEST(Control, BusyCloseReplyAndIgnoreModes) {
  {
    auto config = test_config();
    config.busy_mode = ipcam::sim::RefuseMode::kClose;
    auto cam = start(config);
    TcpClient first(cam.port());
    ASSERT_EQ(first.login().back().type, 0x0111u);
    TcpClient second(cam.port());
    Bytes got;
    EXPECT_TRUE(second.closed_within(5000, &got)) << "closed as it connects";
    EXPECT_TRUE(got.empty());
  }
  {
    auto config = test_config();
    config.busy_mode = ipcam::sim::RefuseMode::kReply;
    config.busy_bytes = {0xAB, 0xCD, 0x00, 0x00, 0x00, 0x00, 0xEE, 0xEE};
    auto cam = start(config);
    TcpClient first(cam.port());
    ASSERT_EQ(first.login().back().type, 0x0111u);
    TcpClient second(cam.port());
    Bytes got;
    ASSERT_TRUE(second.read_exact(8, got));
    EXPECT_EQ(got, config.busy_bytes);
  }
  {
    auto config = test_config();
    config.busy_mode = ipcam::sim::RefuseMode::kIgnore;
    auto cam = start(config);
    TcpClient first(cam.port());
    ASSERT_EQ(first.login().back().type, 0x0111u);
    TcpClient second(cam.port());
    second.send(control(0x0110, login_payload("admin", "12345")));
    EXPECT_FALSE(second.read_message(400)) << "an ignored client gets no answer";
    EXPECT_FALSE(second.eof()) << "... and is not closed";
    EXPECT_EQ(cam.camera->stats().get("busy_refused"), 1u);
  }
}
