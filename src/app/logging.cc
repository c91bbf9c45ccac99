#include "app/logging.h"

#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

namespace privstack::app {

namespace {

constexpr const char* kLoggerName = "privstack-relay";

std::string utc_timestamp(std::chrono::system_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  const std::time_t t = static_cast<std::time_t>(seconds.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

// Writes format_json_log_line to stderr; spdlog's base_sink serialises calls with the mutex.
class JsonStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string line = format_json_log_line(
        msg.time, msg.level, std::string_view(msg.logger_name.data(), msg.logger_name.size()),
        std::string_view(msg.payload.data(), msg.payload.size()));
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace

std::optional<LogFormat> parse_log_format(std::string_view text) {
  if (text == "text") return LogFormat::text;
  if (text == "json") return LogFormat::json;
  return std::nullopt;
}

std::string format_json_log_line(std::chrono::system_clock::time_point time,
                                 spdlog::level::level_enum level, std::string_view logger,
                                 std::string_view msg) {
  boost::json::object object;
  object["ts"] = utc_timestamp(time);
  const auto level_name = spdlog::level::to_string_view(level);
  object["level"] = std::string_view(level_name.data(), level_name.size());
  object["logger"] = logger;
  object["msg"] = msg;
  std::string line = boost::json::serialize(object);
  line.push_back('\n');
  return line;
}

void configure_logging(bool verbose, LogFormat format) {
  std::shared_ptr<spdlog::logger> logger;
  if (format == LogFormat::json) {
    logger = std::make_shared<spdlog::logger>(kLoggerName, std::make_shared<JsonStderrSink>());
    spdlog::register_logger(logger);
  } else {
    logger = spdlog::stderr_color_mt(kLoggerName);
  }
  spdlog::set_default_logger(logger);
  if (format == LogFormat::text) {
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%5l%$ %v", spdlog::pattern_time_type::utc);
  }
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  // Under systemd the journal timestamps lines as they arrive; flush at info so nothing lags.
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace privstack::app
