// Command-line parsing (CLI11). Kept apart from main so it can be unit-tested with argv arrays.
#pragma once

#include <optional>
#include <string>

#include "app/options.h"

namespace privstack::app {

struct CliOutcome {
  std::optional<Options> options;  // set when the relay should run
  int exit_code = 0;               // used when options is empty (--help, --version, bad flags)
  std::string output;              // text to print for --help/--version or the error message
};

CliOutcome parse_command_line(int argc, const char* const* argv);

}  // namespace privstack::app
