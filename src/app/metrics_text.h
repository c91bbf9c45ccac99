// Prometheus text exposition format 0.0.4 (the format every Prometheus and Grafana Agent scrapes):
// a builder of metric families and the writer of their text. No registry of live objects: the
// exporter builds a fresh MetricsText from the services' plain counters on every scrape, so nothing
// below the app layer knows about Prometheus.
//
// Per the format: one "# HELP" and one "# TYPE" line per family, then its samples, each family
// contiguous; help text escapes \ and newline, label values escape \, " and newline; values are
// Go-style floats (+Inf, -Inf, NaN); counters are named *_total by the caller.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace privstack::app {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricsText {
 public:
  enum class Type { counter, gauge, histogram };

  /// Adds one sample to the family `name` (created on first use with `help` and `type`; a later
  /// call with the same name adds to it). Names and label names are ours, never peer input.
  void counter(std::string_view name, std::string_view help, double value,
               MetricLabels labels = {});
  void gauge(std::string_view name, std::string_view help, double value, MetricLabels labels = {});
  /// A histogram from per-bucket counts: `counts` has one entry per bound plus a last one for
  /// values above every bound; the text carries the cumulative _bucket, _sum and _count series.
  void histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                 std::span<const std::uint64_t> counts, double sum, MetricLabels labels = {});

  /// The exposition text, families in the order first added.
  std::string render() const;

 private:
  struct Sample {
    std::string suffix;  // "", "_bucket", "_sum", "_count"
    MetricLabels labels;
    double value;
  };
  struct Family {
    std::string name;
    std::string help;
    Type type;
    std::vector<Sample> samples;
  };
  Family& family(std::string_view name, std::string_view help, Type type);

  std::vector<Family> families_;
};

/// The Content-Type of the text format.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string escape_metric_help(std::string_view help);
std::string escape_label_value(std::string_view value);
/// Integers exactly (counters stay readable up to 2^53), otherwise the shortest round-trip form.
std::string format_metric_value(double value);

}  // namespace privstack::app
