#include "app/metrics_text.h"

#include <cmath>

#include <fmt/format.h>

namespace privstack::app {

namespace {

std::string_view type_name(MetricsText::Type type) {
  switch (type) {
    case MetricsText::Type::counter:
      return "counter";
    case MetricsText::Type::gauge:
      return "gauge";
    case MetricsText::Type::histogram:
      return "histogram";
  }
  return "untyped";
}

void append_labels(std::string& out, const MetricLabels& labels) {
  if (labels.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    out += escape_label_value(value);
    out += '"';
  }
  out += '}';
}

}  // namespace

std::string escape_metric_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Exact integers below 2^53 print without exponent or fraction, as counters should.
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return fmt::format("{}", static_cast<std::int64_t>(value));
  }
  return fmt::format("{}", value);
}

MetricsText::Family& MetricsText::family(std::string_view name, std::string_view help, Type type) {
  for (auto& existing : families_) {
    if (existing.name == name) return existing;
  }
  families_.push_back(Family{std::string(name), std::string(help), type, {}});
  return families_.back();
}

void MetricsText::counter(std::string_view name, std::string_view help, double value,
                          MetricLabels labels) {
  family(name, help, Type::counter).samples.push_back(Sample{"", std::move(labels), value});
}

void MetricsText::gauge(std::string_view name, std::string_view help, double value,
                        MetricLabels labels) {
  family(name, help, Type::gauge).samples.push_back(Sample{"", std::move(labels), value});
}

void MetricsText::histogram(std::string_view name, std::string_view help,
                            std::span<const double> bounds, std::span<const std::uint64_t> counts,
                            double sum, MetricLabels labels) {
  auto& target = family(name, help, Type::histogram);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    if (i < counts.size()) cumulative += counts[i];
    MetricLabels bucket_labels = labels;
    bucket_labels.emplace_back(
        "le", i < bounds.size() ? format_metric_value(bounds[i]) : std::string("+Inf"));
    target.samples.push_back(
        Sample{"_bucket", std::move(bucket_labels), static_cast<double>(cumulative)});
  }
  target.samples.push_back(Sample{"_sum", labels, sum});
  target.samples.push_back(Sample{"_count", std::move(labels), static_cast<double>(cumulative)});
}

std::string MetricsText::render() const {
  std::string out;
  for (const auto& family : families_) {
    out += fmt::format("# HELP {} {}\n", family.name, escape_metric_help(family.help));
    out += fmt::format("# TYPE {} {}\n", family.name, type_name(family.type));
    for (const auto& sample : family.samples) {
      out += family.name;
      out += sample.suffix;
      append_labels(out, sample.labels);
      out += ' ';
      out += format_metric_value(sample.value);
      out += '\n';
    }
  }
  return out;
}

}  // namespace privstack::app
