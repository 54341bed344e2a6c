// PrometheusText: see prometheus-text.h.
#include "metrics/prometheus-text.h"

#include <glib.h>

#include <cmath>

namespace ipcam::server {

namespace {

std::string escape(const std::string &in, bool quotes) {
  std::string out;
  out.reserve(in.size());
  for (const char c : in) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && quotes) out += "\\\"";
    else out += c;
  }
  return out;
}

}  // namespace

std::string escape_label_value(const std::string &value) { return escape(value, true); }

std::string escape_help(const std::string &help) { return escape(help, false); }

void PrometheusText::family(const char *name, const char *type, const std::string &help) {
  name_ = name;
  text_ += "# HELP " + name_ + " " + escape_help(help) + "\n";
  text_ += "# TYPE " + name_ + " " + type + "\n";
}

void PrometheusText::sample_start(const Labels &labels) {
  text_ += name_;
  if (labels.empty()) {
    text_ += ' ';
    return;
  }
  text_ += '{';
  for (size_t i = 0; i < labels.size(); i++) {
    if (i) text_ += ',';
    text_ += labels[i].first + "=\"" + escape_label_value(labels[i].second) + "\"";
  }
  text_ += "} ";
}

void PrometheusText::sample(const Labels &labels, uint64_t value) {
  sample_start(labels);
  text_ += std::to_string(value) + "\n";
}

void PrometheusText::sample(const Labels &labels, double value) {
  sample_start(labels);
  if (std::isnan(value)) {
    text_ += "NaN\n";
    return;
  }
  if (std::isinf(value)) {
    text_ += value > 0 ? "+Inf\n" : "-Inf\n";
    return;
  }
  // %.17g: reads back as the same double; a '.' whatever the locale.
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  text_ += std::string(g_ascii_dtostr(buf, sizeof buf, value)) + "\n";
}

}  // namespace ipcam::server
