// The JSON body of GET /api/v1/identity. Field names and order follow the Rust original, whose
// clients deserialize it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace privstack::app {

struct IdentityDocument {
  std::string peer_id;
  std::vector<std::string> addresses;
  std::string protocol_version;
  std::string agent_version;
};

std::string to_json(const IdentityDocument& document);

/// The listen addresses the original reports: the wildcard QUIC addresses for IPv4 and IPv6.
std::vector<std::string> wildcard_listen_addresses(std::uint16_t port);

}  // namespace privstack::app
