// Fault injection: the seeded random source and the counters of what was
// injected, so fault tests can compare what they saw with what was done.
#pragma once

#include "camera-config.h"

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>

namespace ipcam::sim {

// Named counters, safe to bump from any thread. Names are stable: they are
// part of the stats JSON that tests read (docs/ipcam-sim.md lists them).
class Stats {
 public:
  void add(const std::string &name, uint64_t n = 1);
  uint64_t get(const std::string &name) const;
  // The camera's state as the stats show it under "camera" (its clock, its
  // card): numbers and text, replaced rather than added up.
  void set_state(const std::string &name, int64_t value);
  void set_state(const std::string &name, const std::string &text);
  // A hook that brings the state up to date before it is shown (the clock
  // moves); set and cleared by the camera that owns what it reads.
  void set_refresh(std::function<void()> refresh);
  void refresh();
  // {"seed":S,"counters":{...},"camera":{...}} as one line of JSON.
  std::string to_json(uint64_t seed) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, uint64_t> counters_;
  std::map<std::string, int64_t> numbers_;
  std::map<std::string, std::string> texts_;
  std::mutex refresh_mutex_;
  std::function<void()> refresh_;
};

// Decides, per datagram, which faults happen. Only the camera thread uses it.
class FaultDice {
 public:
  explicit FaultDice(uint64_t seed) : rng_(seed) {}
  // True with probability p (never draws when p <= 0, so adding one fault
  // option does not change the choices of the others).
  bool roll(double p);
  uint32_t below(uint32_t n);

 private:
  std::mt19937_64 rng_;
};

}  // namespace ipcam::sim
