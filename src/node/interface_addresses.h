// Expands wildcard listen endpoints (0.0.0.0, ::) into the concrete addresses of this machine's
// interfaces, as rust-libp2p's QUIC transport does: peers cannot dial 0.0.0.0, so identify's
// listenAddrs and relay reservations must carry real addresses.
#pragma once

#include <vector>

#include <boost/asio/ip/udp.hpp>

namespace privstack::node {

/// For each bound endpoint: itself if it is a concrete address, else every up interface address of
/// its family (loopback included, link-local IPv6 excluded: it needs a zone to be dialable).
std::vector<boost::asio::ip::udp::endpoint> expand_wildcards(
    const std::vector<boost::asio::ip::udp::endpoint>& bound);

}  // namespace privstack::node
