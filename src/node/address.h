// Conversions between socket endpoints and QUIC multiaddrs (/ip4|ip6/<ip>/udp/<port>/quic-v1).
#pragma once

#include <optional>

#include <boost/asio/ip/udp.hpp>

#include "multiformats/multiaddr.h"

namespace privstack::node {

multiformats::Multiaddr quic_multiaddr(const boost::asio::ip::udp::endpoint& endpoint);

/// The UDP endpoint of /ip4|ip6/<ip>/udp/<port>/quic-v1, optionally followed by /p2p/<id>;
/// nullopt for anything else (DNS names, other transports, relayed addresses).
std::optional<boost::asio::ip::udp::endpoint> quic_endpoint(const multiformats::Multiaddr& address);

}  // namespace privstack::node
