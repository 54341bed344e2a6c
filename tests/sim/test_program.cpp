// The ipcam-sim program through SimProcess: ready line, options, clean
// exit on SIGTERM, and fault counters that match what a receiver sees.
#include "hand_client.h"
#include "sim_process.h"

#include <set>

using namespace hand;
using ipcam::test::SimProcess;

namespace {

std::string sample() { return g_getenv("IPCAM_SAMPLE_H264"); }

std::string run_sync(std::vector<std::string> args, int *status_out = nullptr,
                     std::string *err_out = nullptr) {
  args.insert(args.begin(), g_getenv("IPCAM_SIM"));
  std::vector<char *> argv;
  for (auto &a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  g_autofree char *out = nullptr;
  g_autofree char *err = nullptr;
  int status = 0;
  EXPECT_TRUE(g_spawn_sync(nullptr, argv.data(), nullptr, G_SPAWN_DEFAULT, nullptr, nullptr, &out,
                           &err, &status, nullptr));
  if (status_out) *status_out = status;
  if (err_out) *err_out = err ? err : "";
  return out ? out : "";
}

}  // namespace

TEST(Program, ReadyLineListsRealPortsAndExitsCleanly) {
  SimProcess sim;
  g_autoptr(GError) error = nullptr;
  ASSERT_TRUE(sim.start({"--h264", sample(), "--no-samples"}, &error)) << error->message;
  EXPECT_NE(sim.control_port(), 0);
  EXPECT_NE(sim.http_port(), 0);
  ASSERT_EQ(sim.discovery_ports().size(), 2u);
  EXPECT_NE(sim.discovery_ports()[0], 0);
  EXPECT_EQ(sim.preview_port(), 6669);
  EXPECT_TRUE(g_file_test(sim.store().c_str(), G_FILE_TEST_IS_DIR));
  std::string store = sim.store();
  TcpClient c(sim.control_port());
  EXPECT_EQ(c.login().back().type, 0x0111u);
  EXPECT_EQ(sim.stop(), 0) << "SIGTERM must be a clean exit";
  EXPECT_FALSE(g_file_test(store.c_str(), G_FILE_TEST_EXISTS)) << "temporary store removed";
  EXPECT_EQ(sim.counter("logins_accepted"), 1u) << sim.stats_json();
}

TEST(Program, VerboseNeverPrintsThePassword) {
  SimProcess sim;
  SimProcess::Options o;
  o.capture_stderr = true;
  g_autoptr(GError) error = nullptr;
  ASSERT_TRUE(sim.start({"--h264", sample(), "--no-samples", "--verbose", "--password",
                         "s3cretPW"},
                        o, &error))
      << error->message;
  {
    TcpClient c(sim.control_port());
    EXPECT_EQ(c.login("admin", "s3cretPW").back().type, 0x0111u);
    TcpClient wrong(sim.control_port());
    EXPECT_EQ(wrong.login("admin", "otherPW9").back().type, 0x1234u) << "busy, before any check";
    c.close();
    // Once the camera has seen the first client leave, the wrong password
    // is refused by closing.
    bool refused = false;
    for (int attempt = 0; attempt < 50 && !refused; ++attempt) {
      TcpClient later(sim.control_port());
      refused = later.login("admin", "otherPW9").back().type == 0 && later.eof();
    }
    EXPECT_TRUE(refused);
  }
  EXPECT_EQ(sim.stop(), 0);
  EXPECT_NE(sim.stderr_text().find("login"), std::string::npos) << "verbose logs messages";
  EXPECT_EQ(sim.stderr_text().find("s3cretPW"), std::string::npos);
  EXPECT_EQ(sim.stderr_text().find("otherPW9"), std::string::npos);
}

TEST(Program, LossMakesSequenceGapsMatchingTheCount) {
  UdpReceiver rx;
  SimProcess sim;
  g_autoptr(GError) error = nullptr;
  ASSERT_TRUE(sim.start({"--h264", sample(), "--no-samples", "--preview-port",
                         std::to_string(rx.port()), "--loss", "0.1", "--seed", "42",
                         "--fps", "120", "--datagram-size", "100"},
                        &error))
      << error->message;
  TcpClient c(sim.control_port());
  ASSERT_EQ(c.login().back().type, 0x0111u);
  c.send(control(0x01FF));
  std::set<uint16_t> seqs;
  while (seqs.size() < 1500) {
    auto d = rx.receive(3000);
    ASSERT_TRUE(d);
    seqs.insert(be16(&(*d)[4]));
  }
  ASSERT_EQ(sim.stop(), 0);
  while (auto d = rx.receive(200)) seqs.insert(be16(&(*d)[4]));  // the rest in flight
  uint64_t used = sim.counter("datagrams");
  uint64_t lost = sim.counter("lost");
  ASSERT_GT(used, 1500u);
  ASSERT_LT(used, 60000u) << "sequence numbers must not have wrapped for this count";
  EXPECT_EQ(sim.counter("send_errors"), 0u);
  EXPECT_GT(lost, used / 20) << "about 10% lost";
  EXPECT_LT(lost, used / 5);
  EXPECT_EQ(seqs.size(), used - lost) << sim.stats_json();
  // Every missing number below the last received one was a counted loss.
  uint64_t missing = uint64_t(*seqs.rbegin()) + 1 - seqs.size();
  EXPECT_LE(missing, lost);
}

TEST(Program, SameSeedSameFaults) {
  auto lost_with_seed = [](const char *seed) {
    UdpReceiver rx;
    SimProcess sim;
    g_autoptr(GError) error = nullptr;
    EXPECT_TRUE(sim.start({"--h264", sample(), "--no-samples", "--preview-port",
                           std::to_string(rx.port()), "--loss", "0.2", "--seed", seed,
                           "--fps", "120", "--datagram-size", "100"},
                          &error));
    TcpClient c(sim.control_port());
    EXPECT_EQ(c.login().back().type, 0x0111u);
    c.send(control(0x01FF));
    std::vector<uint16_t> first;
    while (first.size() < 300) {
      auto d = rx.receive(3000);
      if (!d) break;
      first.push_back(be16(&(*d)[4]));
    }
    sim.stop();
    return first;
  };
  auto a = lost_with_seed("7"), b = lost_with_seed("7"), c = lost_with_seed("8");
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Program, HelpListsOptionsAndBadValuesAreClear) {
  int status = 0;
  // --help shows the main options and names the groups; --help-all has them all.
  std::string brief = run_sync({"--help"}, &status);
  for (const char *opt : {"--control-port", "--bind", "--help-camera", "--help-stream", "--help-faults"})
    EXPECT_NE(brief.find(opt), std::string::npos) << opt;
  std::string help = run_sync({"--help-all"}, &status);
  for (const char *opt : {"--control-port", "--http-port", "--discovery-port", "--preview-port",
                          "--bind", "--user", "--password", "--firmware", "--serial", "--store",
                          "--no-samples", "--h264", "--fps", "--size", "--keyframe-interval",
                          "--datagram-size", "--time-position", "--tag-frames", "--part-size",
                          "--alive-interval", "--alive-timeout", "--seed", "--loss", "--reorder",
                          "--duplicate", "--truncate", "--bad-magic", "--bad-length",
                          "--burst-loss", "--drop-after-frames", "--drop-mid-frame", "--no-alive",
                          "--reply-delay", "--refuse-login", "--silent", "--foreign-protocol",
                          "--clock-jump", "--clock-start", "--verbose", "--version"})
    EXPECT_NE(help.find(opt), std::string::npos) << opt;
  EXPECT_NE(run_sync({"--version"}).find("ipcam-sim"), std::string::npos);
  std::string err;
  run_sync({"--preview-port", "0", "--control-port", "0", "--http-port", "0"}, &status, &err);
  EXPECT_FALSE(g_spawn_check_wait_status(status, nullptr));
  EXPECT_NE(err.find("--preview-port 0"), std::string::npos) << err;
  run_sync({"--time-position", "sideways"}, &status, &err);
  EXPECT_FALSE(g_spawn_check_wait_status(status, nullptr));
  EXPECT_NE(err.find("before or after"), std::string::npos) << err;
}

TEST(Program, BusyPortIsAClearError) {
  SimProcess first;
  g_autoptr(GError) error = nullptr;
  ASSERT_TRUE(first.start({"--h264", sample(), "--no-samples"}, &error));
  SimProcess second;
  SimProcess::Options o;
  o.capture_stderr = true;
  EXPECT_FALSE(second.start({"--h264", sample(), "--no-samples", "--control-port",
                             std::to_string(first.control_port())},
                            o, &error));
  ASSERT_TRUE(error);
  EXPECT_NE(std::string(error->message).find("control port"), std::string::npos)
      << error->message;
}
