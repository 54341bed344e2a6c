// Fault injection, in-process: each fault does what it says, and its
// counter says how often.
#include "camera_for_test.h"

#include <optional>

using namespace hand;
using ipcam::sim::Camera;
using ipcam::sim::CameraConfig;

namespace {

struct Rig {
  UdpReceiver rx;
  std::unique_ptr<Camera> camera;
  std::unique_ptr<TcpClient> client;

  explicit Rig(CameraConfig config, bool preview = true) {
    config.endpoint.preview_port = rx.port();
    camera = std::make_unique<Camera>(std::move(config));
    g_autoptr(GError) error = nullptr;
    EXPECT_TRUE(camera->start(&error)) << (error ? error->message : "");
    client = std::make_unique<TcpClient>(camera->ready().control_port);
    if (!preview) return;
    EXPECT_EQ(client->login().back().type, 0x0111u);
    client->send(control(0x01FF));
  }
  std::vector<Bytes> collect(size_t n, unsigned timeout_ms = 3000) {
    std::vector<Bytes> out;
    while (out.size() < n) {
      auto d = rx.receive(timeout_ms);
      if (!d) break;
      out.push_back(*d);
    }
    return out;
  }
  uint64_t count(const char *name) { return camera->stats().get(name); }
};

CameraConfig fast() {
  auto c = test_config();
  c.fps = 120;
  c.datagram_size = 200;
  return c;
}

}  // namespace

TEST(Faults, DuplicateSendsSameSequenceTwice) {
  auto c = fast();
  c.faults.duplicate = 0.2;
  Rig r(c);
  auto ds = r.collect(300);
  ASSERT_EQ(ds.size(), 300u);
  int dups = 0;
  for (size_t i = 1; i < ds.size(); ++i) dups += ds[i] == ds[i - 1];
  EXPECT_GT(dups, 20);
  EXPECT_GT(r.count("duplicated"), 20u);
}

TEST(Faults, ReorderSwapsNeighbours) {
  auto c = fast();
  c.faults.reorder = 0.2;
  Rig r(c);
  auto ds = r.collect(300);
  ASSERT_EQ(ds.size(), 300u);
  int backwards = 0;
  for (size_t i = 1; i < ds.size(); ++i)
    backwards += int16_t(be16(&ds[i][4]) - be16(&ds[i - 1][4])) < 0;
  EXPECT_GT(backwards, 10);
  EXPECT_GT(r.count("reordered"), 10u);
}

TEST(Faults, BadMagicBadLengthTruncate) {
  auto c = fast();
  c.faults.bad_magic = 0.05;
  c.faults.bad_length = 0.05;
  c.faults.truncate = 0.05;
  Rig r(c);
  auto ds = r.collect(600);
  ASSERT_EQ(ds.size(), 600u);
  int magic = 0, past_end = 0;
  for (auto &d : ds) {
    if (d[0] != 0xBC || d[1] != 0xDE) ++magic;
    if (d.size() >= 8 && be16(&d[2]) > d.size() - 8) ++past_end;
  }
  EXPECT_GT(magic, 5);
  EXPECT_GT(past_end, 10);
  EXPECT_GT(r.count("bad_magic"), 5u);
  EXPECT_GT(r.count("bad_length") + r.count("truncated"), 10u);
}

TEST(Faults, BurstLossDropsARunAtFrameStarts) {
  auto c = fast();
  c.faults.burst_loss = 5;
  c.faults.burst_every = 10;
  Rig r(c);
  auto ds = r.collect(400);
  ASSERT_EQ(ds.size(), 400u);
  int bursts = 0;
  for (size_t i = 1; i < ds.size(); ++i) {
    uint16_t gap = uint16_t(be16(&ds[i][4]) - be16(&ds[i - 1][4]));
    if (gap != 1) {
      EXPECT_EQ(gap, 6) << "a burst of exactly 5";
      ++bursts;
    }
  }
  EXPECT_GE(bursts, 2);
  EXPECT_GE(r.count("burst_lost"), 10u);
}

// After every 2nd frame, the eight kinds of datagram that are not part of
// the stream, in this order; the stream's own sequence numbers run on
// without a gap through them.
TEST(Faults, JunkEveryNSendsEightDatagramsOutsideTheStream) {
  auto c = fast();
  c.faults.junk_every = 2;
  Rig r(c);
  auto ds = r.collect(400);
  ASSERT_EQ(ds.size(), 400u);
  auto is_stream = [](const Bytes &d) {
    if (d.size() < 8 || d[0] != 0xBC || d[1] != 0xDE) return false;
    size_t len = be16(&d[2]);
    uint16_t type = be16(&d[6]);
    return len > 0 && len == d.size() - 8 && (type == 1 || (type == 2 && len >= 16));
  };
  int runs = 0;
  std::optional<uint16_t> last_seq;
  for (size_t i = 0; i < ds.size(); ++i) {
    if (is_stream(ds[i])) {
      uint16_t seq = be16(&ds[i][4]);
      if (last_seq) {
        EXPECT_EQ(seq, uint16_t(*last_seq + 1)) << "datagram " << i;
      }
      last_seq = seq;
      continue;
    }
    ASSERT_TRUE(last_seq) << "junk before the first frame";
    if (i + 8 > ds.size()) break;  // a run cut off by the end of the sample
    uint16_t next = uint16_t(*last_seq + 1);
    EXPECT_TRUE(ds[i].empty());
    EXPECT_EQ(ds[i + 1], (Bytes{0xBC, 0xDE, 0x00}));
    EXPECT_EQ(ds[i + 2], (Bytes{0xAB, 0xDE, 0, 2, uint8_t(next >> 8), uint8_t(next), 0, 1, 0x41, 0x41}));
    EXPECT_EQ(be16(&ds[i + 3][2]), 1000u);
    EXPECT_EQ(ds[i + 3].size(), 10u);
    EXPECT_EQ(be16(&ds[i + 4][6]), 2u);
    EXPECT_EQ(ds[i + 4].size(), 10u);
    EXPECT_EQ(be16(&ds[i + 5][6]), 9u);
    EXPECT_EQ(ds[i + 6], (Bytes{0xBC, 0xDE, 0, 0, uint8_t(next >> 8), uint8_t(next), 0, 1}));
    EXPECT_EQ(be16(&ds[i + 7][4]), uint16_t(next + 30000));
    for (size_t k = 3; k < 6; ++k) EXPECT_EQ(be16(&ds[i + k][4]), next) << "junk " << k;
    ++runs;
    i += 7;
  }
  EXPECT_GE(runs, 5);
  EXPECT_GE(r.count("junk_sent"), 8u * runs);
}

TEST(Faults, DropAfterFramesClosesControlAndStopsPreview) {
  auto c = fast();
  c.faults.drop_after_frames = 10;
  Rig r(c);
  EXPECT_TRUE(r.client->closed_within(5000));
  auto ds = r.collect(1000, 500);
  int times = 0;
  for (auto &d : ds) times += be16(&d[6]) == 2;
  EXPECT_EQ(times, 10);
  EXPECT_EQ(r.count("sessions_dropped_fault"), 1u);
}

TEST(Faults, DropMidFrameLeavesAHalfFrame) {
  auto c = fast();
  c.faults.drop_after_frames = 3;
  c.faults.drop_mid_frame = true;
  c.time_position = ipcam::sim::TimePosition::kAfter;
  c.datagram_size = 50;
  Rig r(c);
  EXPECT_TRUE(r.client->closed_within(5000));
  auto ds = r.collect(1000, 500);
  int times = 0;
  for (auto &d : ds) times += be16(&d[6]) == 2;
  EXPECT_EQ(times, 3);
  ASSERT_FALSE(ds.empty());
  EXPECT_EQ(be16(&ds.back()[6]), 1) << "data of a fourth frame with no time after it";
}

TEST(Faults, NoAliveAndReplyDelay) {
  auto c = test_config();
  c.faults.no_alive = true;
  c.faults.reply_delay_ms = 300;
  Rig r(c, false);
  int64_t t0 = g_get_monotonic_time();
  r.client->send(control(0x0110, login_payload("admin", "12345")));
  auto m = r.client->read_message();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, 0x0111u) << "no alive request with --no-alive";
  EXPECT_GE(g_get_monotonic_time() - t0, 280 * 1000);
}

TEST(Faults, RefuseLoginSilentForeign) {
  {
    auto c = test_config();
    c.faults.refuse_login = true;
    Rig r(c, false);
    r.client->send(control(0x0110, login_payload("admin", "12345")));
    Bytes got;
    EXPECT_TRUE(r.client->closed_within(3000, &got));
    EXPECT_TRUE(got.empty());
  }
  {
    auto c = test_config();
    c.faults.silent = true;
    Rig r(c, false);
    r.client->send(control(0x0110, login_payload("admin", "12345")));
    EXPECT_FALSE(r.client->read_message(500)) << "--silent never answers";
    EXPECT_FALSE(r.client->eof());
  }
  {
    auto c = test_config();
    c.faults.foreign_protocol = true;
    Rig r(c, false);
    r.client->send(control(0x0110, login_payload("admin", "12345")));
    Bytes got;
    EXPECT_TRUE(r.client->closed_within(3000, &got));
    EXPECT_EQ(std::string(got.begin(), got.end()), "HTTP/1.0 400 Bad Request\r\n\r\n");
  }
}

TEST(Faults, ClockJumpAndWrap) {
  auto c = fast();
  c.clock_start_set = true;
  c.clock_start = 0xFFFFFF00u;  // wraps within a few seconds... or at the jump
  c.faults.clock_jump_ms = 5000;
  c.faults.clock_jump_at = 5;
  Rig r(c);
  std::vector<uint32_t> times;
  while (times.size() < 10) {
    auto d = r.rx.receive();
    ASSERT_TRUE(d);
    if (be16(&(*d)[6]) == 2) times.push_back(le32(&(*d)[8 + 12]));
  }
  // Frames 0..4 near the start, then +5 s: past 2^32, so it wrapped.
  EXPECT_GE(times[0], 0xFFFFFF00u);
  bool jumped = false;
  for (size_t i = 1; i < times.size(); ++i) {
    uint32_t step = times[i] - times[i - 1];  // modular
    if (step >= 4900 && step <= 5200) jumped = true;
    else EXPECT_LT(step, 500u) << i;
  }
  EXPECT_TRUE(jumped);
  EXPECT_LT(times.back(), 0x10000u) << "the clock wrapped";
  EXPECT_EQ(r.count("clock_jumps"), 1u);
}
