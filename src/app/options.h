// Everything the operator can set on the command line, with the Rust original's defaults.
#pragma once

#include <cstdint>
#include <filesystem>

namespace privstack::app {

struct Options {
  std::uint16_t port = 4001;       // UDP port for QUIC
  std::uint16_t http_port = 4002;  // TCP port for the HTTP identity API
  std::filesystem::path identity = "relay-identity.key";
  bool verbose = false;
};

}  // namespace privstack::app
