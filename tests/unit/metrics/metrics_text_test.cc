// The text exposition writer against golden text (format 0.0.4).
#include "app/metrics_text.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>

namespace privstack::app {
namespace {

TEST(MetricsText, GoldenCountersAndGauges) {
  MetricsText text;
  text.counter("a_total", "Things done", 3, {{"kind", "x"}});
  text.gauge("b", "Things now", 1.5);
  text.counter("a_total", "ignored on the second call", 4, {{"kind", "y"}, {"z", "w"}});
  EXPECT_EQ(text.render(),
            "# HELP a_total Things done\n"
            "# TYPE a_total counter\n"
            "a_total{kind=\"x\"} 3\n"
            "a_total{kind=\"y\",z=\"w\"} 4\n"
            "# HELP b Things now\n"
            "# TYPE b gauge\n"
            "b 1.5\n");
}

TEST(MetricsText, GoldenHistogramIsCumulative) {
  MetricsText text;
  const std::array<double, 3> bounds = {0.5, 1, 10};
  const std::array<std::uint64_t, 4> counts = {1, 0, 2, 1};  // last: above every bound
  text.histogram("d_seconds", "Durations", bounds, counts, 25.25);
  EXPECT_EQ(text.render(),
            "# HELP d_seconds Durations\n"
            "# TYPE d_seconds histogram\n"
            "d_seconds_bucket{le=\"0.5\"} 1\n"
            "d_seconds_bucket{le=\"1\"} 1\n"
            "d_seconds_bucket{le=\"10\"} 3\n"
            "d_seconds_bucket{le=\"+Inf\"} 4\n"
            "d_seconds_sum 25.25\n"
            "d_seconds_count 4\n");
}

TEST(MetricsText, EscapesHelpAndLabelValues) {
  EXPECT_EQ(escape_metric_help("a\\b\nc \"q\""), "a\\\\b\\nc \"q\"");
  EXPECT_EQ(escape_label_value("a\\b\nc \"q\""), "a\\\\b\\nc \\\"q\\\"");
  MetricsText text;
  text.gauge("g", "line1\nline2", 0, {{"v", "say \"hi\"\\"}});
  EXPECT_EQ(text.render(),
            "# HELP g line1\\nline2\n"
            "# TYPE g gauge\n"
            "g{v=\"say \\\"hi\\\"\\\\\"} 0\n");
}

TEST(MetricsText, FormatsValuesLikeGo) {
  EXPECT_EQ(format_metric_value(0), "0");
  EXPECT_EQ(format_metric_value(18446744073709.0), "18446744073709");
  EXPECT_EQ(format_metric_value(0.1), "0.1");
  EXPECT_EQ(format_metric_value(-2.5), "-2.5");
  EXPECT_EQ(format_metric_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_metric_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_metric_value(std::nan("")), "NaN");
  EXPECT_EQ(format_metric_value(1e20), "1e+20");
}

TEST(MetricsText, EmptyRendersNothing) {
  EXPECT_EQ(MetricsText{}.render(), "");
}

}  // namespace
}  // namespace privstack::app
