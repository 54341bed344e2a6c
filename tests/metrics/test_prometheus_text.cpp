// PrometheusText: the exposition format's bytes, written by hand here, so
// that an escaping slip cannot hide on both sides (the server's names are
// tame; a label value or help text in general is not).
#include "metrics/prometheus-text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using ipcam::server::PrometheusText;

TEST(PrometheusText, FamilyWithLabels) {
  PrometheusText t;
  t.family("ipcam_camera_viewers", "gauge", "Viewers now");
  t.sample({{"camera", "cam"}, {"protocol", "rtsp"}}, uint64_t(2));
  t.sample({{"camera", "cam"}, {"protocol", "webrtc"}}, uint64_t(0));
  EXPECT_EQ(t.text(),
            "# HELP ipcam_camera_viewers Viewers now\n"
            "# TYPE ipcam_camera_viewers gauge\n"
            "ipcam_camera_viewers{camera=\"cam\",protocol=\"rtsp\"} 2\n"
            "ipcam_camera_viewers{camera=\"cam\",protocol=\"webrtc\"} 0\n");
}

TEST(PrometheusText, EscapesLabelValuesAndHelp) {
  PrometheusText t;
  t.family("x_total", "counter", "a \\ back\nslash \"quoted\"");
  t.sample({{"camera", "a\"b\\c\nd"}}, uint64_t(18446744073709551615u));
  EXPECT_EQ(t.text(),
            "# HELP x_total a \\\\ back\\nslash \"quoted\"\n"
            "# TYPE x_total counter\n"
            "x_total{camera=\"a\\\"b\\\\c\\nd\"} 18446744073709551615\n");
}

TEST(PrometheusText, Doubles) {
  PrometheusText t;
  t.family("process_start_time_seconds", "gauge", "Start");
  t.sample({}, 1796650643.25);
  t.sample({}, std::numeric_limits<double>::infinity());
  t.sample({}, -std::numeric_limits<double>::infinity());
  t.sample({}, std::nan(""));
  t.sample({}, 0.1);
  EXPECT_EQ(t.text(),
            "# HELP process_start_time_seconds Start\n"
            "# TYPE process_start_time_seconds gauge\n"
            "process_start_time_seconds 1796650643.25\n"
            "process_start_time_seconds +Inf\n"
            "process_start_time_seconds -Inf\n"
            "process_start_time_seconds NaN\n"
            "process_start_time_seconds 0.10000000000000001\n");
}
