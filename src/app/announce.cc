#include "app/announce.h"

#include <algorithm>
#include <string>

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>

#include "app/identity_document.h"

namespace privstack::app {

namespace mf = multiformats;

namespace {

bool is_host_protocol(mf::Protocol protocol) {
  switch (protocol) {
    case mf::Protocol::ip4:
    case mf::Protocol::ip6:
    case mf::Protocol::dns:
    case mf::Protocol::dns4:
    case mf::Protocol::dns6:
      return true;
    default:
      return false;
  }
}

bool is_unspecified_ip(const mf::Component& component) {
  if (component.protocol != mf::Protocol::ip4 && component.protocol != mf::Protocol::ip6) {
    return false;
  }
  return std::all_of(component.value.begin(), component.value.end(),
                     [](auto byte) { return byte == 0; });
}

}  // namespace

Result<mf::Multiaddr> parse_announce(std::string_view text) {
  auto address = mf::Multiaddr::parse(text);
  if (!address) return make_error("'{}' is not a multiaddr: {}", text, address.error().message);
  const auto components = address->components();
  // host / udp / quic-v1 [/ p2p]: the only transport we listen on.
  const bool shape_ok = (components.size() == 3 || components.size() == 4) &&
                        is_host_protocol(components[0].protocol) &&
                        components[1].protocol == mf::Protocol::udp &&
                        components[2].protocol == mf::Protocol::quic_v1 &&
                        (components.size() == 3 || components[3].protocol == mf::Protocol::p2p);
  if (!shape_ok) {
    return make_error(
        "'{}' is not a QUIC address: expected /ip4|ip6|dns|dns4|dns6/<host>/udp/<port>/quic-v1 "
        "with an optional /p2p/<peer id>",
        text);
  }
  if (is_unspecified_ip(components[0])) {
    return make_error("'{}' is a wildcard address; announce the address peers dial", text);
  }
  if (components[1].port() == std::optional<std::uint16_t>(0)) {
    return make_error("'{}' has port 0", text);
  }
  if (components.size() == 4 && !crypto::PeerId::from_bytes(components[3].value)) {
    return make_error("'{}' ends in a /p2p/ value that is not a peer id", text);
  }
  return std::move(*address);
}

Result<mf::Multiaddr> external_ip_address(std::string_view ip, std::uint16_t port) {
  boost::system::error_code ec;
  const auto parsed = boost::asio::ip::make_address(std::string(ip), ec);
  if (ec) return make_error("'{}' is not an IPv4 or IPv6 address", ip);
  if (parsed.is_unspecified()) return make_error("'{}' is a wildcard address", ip);
  const std::string text = parsed.is_v4() ? fmt::format("/ip4/{}/udp/{}/quic-v1", ip, port)
                                          : fmt::format("/ip6/{}/udp/{}/quic-v1", ip, port);
  return parse_announce(text);
}

Result<void> check_announce_owner(const std::vector<mf::Multiaddr>& announced,
                                  const crypto::PeerId& self) {
  for (const auto& address : announced) {
    const auto peer = address.peer_id_bytes();
    if (peer && *peer != self.bytes()) {
      return make_error("--announce {} names another peer; this relay is {}", address.to_string(),
                        self.to_base58());
    }
  }
  return {};
}

std::vector<mf::Multiaddr> announced_listen_addresses(const std::vector<mf::Multiaddr>& announced) {
  std::vector<mf::Multiaddr> out;
  for (const auto& address : announced) {
    auto bare = address.decapsulate_p2p();
    if (std::find(out.begin(), out.end(), bare) == out.end()) out.push_back(std::move(bare));
  }
  return out;
}

std::vector<std::string> http_identity_addresses(const std::vector<mf::Multiaddr>& announced,
                                                 std::uint16_t port) {
  if (announced.empty()) return wildcard_listen_addresses(port);
  std::vector<std::string> out;
  for (const auto& address : announced_listen_addresses(announced))
    out.push_back(address.to_string());
  return out;
}

}  // namespace privstack::app
