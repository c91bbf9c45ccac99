// Which addresses an AutoNAT server dials back (rust-libp2p `as_server.rs`, spec autonat-v1.md):
//
// - Only the IP the request came from (the observed IP) is ever dialed: the IP of each demanded
//   address is replaced by it, as rust does, so a client behind a NAT learns whether its mapped
//   port is reachable and we can never be pointed at a third party (no amplification).
// - With `only_global_ips` (rust's default) a client observed at a non-global IP (loopback,
//   private, CGNAT, link-local, ...) is refused outright; tests on loopback lift it.
// - Relayed (`/p2p-circuit`) addresses, addresses naming another peer, and anything that is not
//   exactly /ip4|ip6/_/udp/N/quic-v1[/p2p/<peer>] are dropped: QUIC v1 is all we can dial.
// - /p2p/<peer> is appended where missing; duplicates are dropped; at most `max_addresses`
//   (0: no limit) are kept, in the order the client gave them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "common/result.h"
#include "crypto/peer_id.h"
#include "multiformats/multiaddr.h"

namespace privstack::protocol::autonat {

struct AddressPolicy {
  std::size_t max_addresses = 16;  // rust: max_peer_addresses
  bool only_global_ips = true;     // rust: only_global_ips
  bool operator==(const AddressPolicy&) const = default;
};

/// Publicly routable unicast (not loopback, private, shared/CGNAT, link-local, unique-local,
/// documentation, benchmarking, multicast, reserved or unspecified). IPv4-mapped IPv6 is judged
/// as IPv4.
bool is_global_ip(const boost::asio::ip::address& address);

/// The addresses to dial back, possibly empty; an error (the refusal text) when the observed IP
/// itself is refused.
Result<std::vector<multiformats::Multiaddr>> dial_back_addresses(
    const crypto::PeerId& peer, const std::vector<multiformats::Multiaddr>& demanded,
    const boost::asio::ip::address& observed, const AddressPolicy& policy);

}  // namespace privstack::protocol::autonat
