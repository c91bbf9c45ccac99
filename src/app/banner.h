// The start-up banner, printed to stdout exactly as the Rust original prints it: existing PrivStack
// tooling parses the line "  PeerId:    <peer id>".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace privstack::app {

std::string format_banner(std::string_view peer_id, std::uint16_t port, std::uint16_t http_port);

}  // namespace privstack::app
