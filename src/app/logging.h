// spdlog set-up on stderr (stdout is kept for the banner that tooling parses): human-readable
// lines, or one JSON object per line for journald/Loki pipelines (--log-format json).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/common.h>

namespace privstack::app {

enum class LogFormat { text, json };

/// "text" / "json"; nullopt for anything else.
std::optional<LogFormat> parse_log_format(std::string_view text);

void configure_logging(bool verbose, LogFormat format = LogFormat::text);

/// One JSON log line (with the trailing newline):
/// {"ts":"2026-01-02T03:04:05.678Z","level":"info","logger":"privstack-relay","msg":"..."}.
/// `msg` is escaped as JSON, so control characters and quotes in it cannot break the line.
std::string format_json_log_line(std::chrono::system_clock::time_point time,
                                 spdlog::level::level_enum level, std::string_view logger,
                                 std::string_view msg);

}  // namespace privstack::app
