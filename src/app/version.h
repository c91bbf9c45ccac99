// Names and versions the relay announces. They must match the Rust original exactly: clients in the
// field compare protocol_version, and PrivStack tooling reads agent_version.
#pragma once

#include <string_view>

namespace privstack::app {

inline constexpr std::string_view kProgramName = "privstack-relay";
inline constexpr std::string_view kProgramVersion = "0.1.0";
inline constexpr std::string_view kProtocolVersion = "/privstack/relay/1.0.0";
inline constexpr std::string_view kAgentVersion = "privstack-relay/0.1.0";

}  // namespace privstack::app
