#include "app/cli.h"

#include <sstream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "app/version.h"

namespace privstack::app {

namespace {

// Ports are parsed as int so that 0 and 70000 give a clear range error rather than CLI11's generic
// conversion failure for uint16_t.
constexpr int kMinPort = 1;
constexpr int kMaxPort = 65535;

}  // namespace

CliOutcome parse_command_line(int argc, const char* const* argv) {
  CLI::App cli{"PrivStack P2P relay and bootstrap node", std::string(kProgramName)};
  cli.set_version_flag("--version", fmt::format("{} {}", kProgramName, kProgramVersion));

  Options options;
  int port = options.port;
  int http_port = options.http_port;
  std::string identity = options.identity.string();
  cli.add_option("-p,--port", port, "UDP port to listen on (QUIC v1, IPv4 and IPv6)")
      ->check(CLI::Range(kMinPort, kMaxPort))
      ->capture_default_str();
  cli.add_option("--http-port", http_port, "TCP port of the HTTP identity API")
      ->check(CLI::Range(kMinPort, kMaxPort))
      ->capture_default_str();
  cli.add_option("-i,--identity", identity, "Path to the Ed25519 identity key file")
      ->capture_default_str();
  cli.add_flag("-v,--verbose", options.verbose, "Enable debug-level logging");

  CliOutcome outcome;
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {  // also --help and --version, which CLI11 reports this way
    std::ostringstream out;
    std::ostringstream err;
    // CLI11 numbers its errors from 100; scripts expect the conventional 2 for a usage error.
    outcome.exit_code = cli.exit(e, out, err) == 0 ? 0 : 2;
    outcome.output = out.str() + err.str();
    return outcome;
  }
  options.port = static_cast<std::uint16_t>(port);
  options.http_port = static_cast<std::uint16_t>(http_port);
  options.identity = identity;
  outcome.options = options;
  return outcome;
}

}  // namespace privstack::app
