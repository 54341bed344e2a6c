// Runs the ipcam-sim program for a test: starts it through GSubprocess,
// waits for its one JSON ready line on stdout (with a timeout), exposes the
// ports it reports, and stops it (SIGTERM, then wait) on destruction.
//
//   ipcam::test::SimProcess sim;
//   ASSERT_TRUE(sim.start({"--h264", sample, "--preview-port", "40000"}, &error));
//   connect_to(sim.control_port());
//
// Ports the test does not choose default to 0 (any free port): control,
// HTTP and two discovery ports. The emulator is $IPCAM_SIM unless given.
#pragma once

#include <gio/gio.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ipcam::test {

class SimProcess {
 public:
  struct Options {
    std::string binary;             // empty: $IPCAM_SIM
    bool capture_stderr = false;    // else stderr goes to the test's stderr
    unsigned ready_timeout_ms = 30000;
    bool default_ports = true;      // add port-0 options the args lack
  };

  SimProcess() = default;
  ~SimProcess();
  SimProcess(const SimProcess &) = delete;
  SimProcess &operator=(const SimProcess &) = delete;

  bool start(const std::vector<std::string> &args, GError **error);
  bool start(const std::vector<std::string> &args, const Options &options, GError **error);

  // SIGTERM and wait (up to 10 s, then SIGKILL). Returns the exit status
  // (0 on a clean exit), or -1 if it died of a signal or was not running.
  int stop();
  bool running() const { return process_ != nullptr; }

  uint16_t control_port() const { return control_port_; }
  uint16_t http_port() const { return http_port_; }
  const std::vector<uint16_t> &discovery_ports() const { return discovery_ports_; }
  int preview_port() const { return preview_port_; }
  const std::string &store() const { return store_; }
  const std::string &ready_line() const { return ready_line_; }
  int64_t pid() const;

  // After stop(): the stats JSON the emulator wrote at exit
  // ({"seed":S,"counters":{...}}), and a counter from it (0 if absent).
  const std::string &stats_json() const { return stats_json_; }
  uint64_t counter(const char *name) const;
  // While it runs: a counter as the emulator has it now (read from its HTTP
  // port), 0 if absent; and a wait until it reaches `at_least` (false when
  // `seconds` pass first). For tests that wait on what the camera saw.
  uint64_t live_counter(const char *name) const;
  bool wait_counter(const char *name, uint64_t at_least, double seconds) const;
  // After stop(), with capture_stderr: everything it printed on stderr.
  const std::string &stderr_text() const { return stderr_text_; }

 private:
  GSubprocess *process_ = nullptr;
  std::string stats_path_;
  std::string stderr_path_;
  std::string tmp_dir_;
  uint16_t control_port_ = 0;
  uint16_t http_port_ = 0;
  std::vector<uint16_t> discovery_ports_;
  int preview_port_ = 0;
  std::string store_;
  std::string ready_line_;
  std::string bind_ = "127.0.0.1";
  std::string stats_json_;
  std::string stderr_text_;
  int exit_status_ = -1;
};

}  // namespace ipcam::test
