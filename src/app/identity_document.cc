#include "app/identity_document.h"

#include <fmt/format.h>
#include <boost/json.hpp>

namespace privstack::app {

std::string to_json(const IdentityDocument& document) {
  boost::json::array addresses;
  for (const auto& address : document.addresses)
    addresses.emplace_back(address);
  boost::json::object object;
  object["peer_id"] = document.peer_id;
  object["addresses"] = std::move(addresses);
  object["protocol_version"] = document.protocol_version;
  object["agent_version"] = document.agent_version;
  return boost::json::serialize(object);
}

std::vector<std::string> wildcard_listen_addresses(std::uint16_t port) {
  return {fmt::format("/ip4/0.0.0.0/udp/{}/quic-v1", port),
          fmt::format("/ip6/::/udp/{}/quic-v1", port)};
}

}  // namespace privstack::app
