#include "faults.h"

#include <json-glib/json-glib.h>

namespace ipcam::sim {

void Stats::add(const std::string &name, uint64_t n) {
  std::lock_guard lock(mutex_);
  counters_[name] += n;
}

uint64_t Stats::get(const std::string &name) const {
  std::lock_guard lock(mutex_);
  auto it = counters_.find(name);
  return it == counters_.end() ? 0 : it->second;
}

void Stats::set_state(const std::string &name, int64_t value) {
  std::lock_guard lock(mutex_);
  numbers_[name] = value;
}

void Stats::set_state(const std::string &name, const std::string &text) {
  std::lock_guard lock(mutex_);
  texts_[name] = text;
}

void Stats::set_refresh(std::function<void()> refresh) {
  std::lock_guard lock(refresh_mutex_);
  refresh_ = std::move(refresh);
}

void Stats::refresh() {
  std::lock_guard lock(refresh_mutex_);
  if (refresh_) refresh_();
}

std::string Stats::to_json(uint64_t seed) const {
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_builder_set_member_name(b, "seed");
  json_builder_add_int_value(b, gint64(seed));
  json_builder_set_member_name(b, "counters");
  json_builder_begin_object(b);
  {
    std::lock_guard lock(mutex_);
    for (const auto &[name, value] : counters_) {
      json_builder_set_member_name(b, name.c_str());
      json_builder_add_int_value(b, gint64(value));
    }
  }
  json_builder_end_object(b);
  json_builder_set_member_name(b, "camera");
  json_builder_begin_object(b);
  {
    std::lock_guard lock(mutex_);
    for (const auto &[name, value] : numbers_) {
      json_builder_set_member_name(b, name.c_str());
      json_builder_add_int_value(b, value);
    }
    for (const auto &[name, text] : texts_) {
      json_builder_set_member_name(b, name.c_str());
      json_builder_add_string_value(b, text.c_str());
    }
  }
  json_builder_end_object(b);
  json_builder_end_object(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *text = json_to_string(root, FALSE);
  return text;
}

bool FaultDice::roll(double p) {
  if (p <= 0) return false;
  if (p >= 1) return true;
  return std::uniform_real_distribution<double>(0, 1)(rng_) < p;
}

uint32_t FaultDice::below(uint32_t n) {
  return n == 0 ? 0 : std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_);
}

}  // namespace ipcam::sim
