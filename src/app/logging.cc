#include "app/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace privstack::app {

void configure_logging(bool verbose) {
  auto logger = spdlog::stderr_color_mt("privstack-relay");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%5l%$ %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  // Under systemd the journal timestamps lines as they arrive; flush at info so nothing lags.
  spdlog::flush_on(spdlog::level::info);
}

}  // namespace privstack::app
