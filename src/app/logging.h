// spdlog set-up: human-readable lines on stderr (stdout is kept for the banner that tooling
// parses).
#pragma once

namespace privstack::app {

void configure_logging(bool verbose);

}  // namespace privstack::app
