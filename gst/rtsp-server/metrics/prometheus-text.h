// PrometheusText: a page in Prometheus's text exposition format 0.0.4,
// written family by family: its # HELP and # TYPE lines, then its
// samples, with label values and help text escaped as the format says
// (a camera's name may hold a quote or a backslash; a scraper must still
// parse every line).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ipcam::server {

// The Content-Type of the page.
inline constexpr char kPrometheusContentType[] = "text/plain; version=0.0.4; charset=utf-8";

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
 public:
  // Starts a family: `type` is "counter", "gauge" (or "untyped").
  void family(const char *name, const char *type, const std::string &help);
  // One sample of the family just started.
  void sample(const Labels &labels, double value);
  void sample(const Labels &labels, uint64_t value);

  const std::string &text() const { return text_; }

 private:
  void sample_start(const Labels &labels);

  std::string name_;
  std::string text_;
};

// A label value as the format writes it between quotes: \ " and newline escaped.
std::string escape_label_value(const std::string &value);
// A HELP text: \ and newline escaped.
std::string escape_help(const std::string &help);

}  // namespace ipcam::server
