// Addresses clients can dial (--announce, --external-ip). A relay behind 0.0.0.0 only knows its
// interface addresses, which on a VPS with a floating IP or NAT are not the ones peers reach; the
// operator names the public ones and we advertise those instead (identify, reservations, signed
// peer record, HTTP identity API).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "crypto/peer_id.h"
#include "multiformats/multiaddr.h"

namespace privstack::app {

/// Parses one --announce value: /ip4|ip6|dns|dns4|dns6/<host>/udp/<port>/quic-v1, optionally
/// ending in /p2p/<peer id>. Wildcard and port-0 addresses are refused (nobody can dial them).
/// The /p2p/ part is only syntax-checked here; check_announce_owner compares it with our id.
Result<multiformats::Multiaddr> parse_announce(std::string_view text);

/// The --external-ip shortcut: /ip4|ip6/<ip>/udp/<port>/quic-v1.
Result<multiformats::Multiaddr> external_ip_address(std::string_view ip, std::uint16_t port);

/// Fails if any announced address ends in a /p2p/ that is not `self` (peers would dial us
/// expecting another identity and fail the handshake).
Result<void> check_announce_owner(const std::vector<multiformats::Multiaddr>& announced,
                                  const crypto::PeerId& self);

/// What identify and the signed peer record advertise: the announced addresses without /p2p/
/// (listenAddrs carry none), duplicates removed, in the operator's order.
std::vector<multiformats::Multiaddr> announced_listen_addresses(
    const std::vector<multiformats::Multiaddr>& announced);

/// The HTTP identity document's addresses: the original's wildcards when nothing is announced,
/// else the announced ones (text, without /p2p/, as the original prints listen addresses).
std::vector<std::string> http_identity_addresses(
    const std::vector<multiformats::Multiaddr>& announced, std::uint16_t port);

}  // namespace privstack::app
