// Learns our public address from what peers see. Every identify answer carries observedAddr (the
// address the peer's connection came from, as they see it); one peer can lie or sit behind an odd
// NAT, so an address only counts once enough independent peers agree: distinct peer ids from
// distinct IP groups (IPv4 /16, IPv6 /32, as go-libp2p groups observers), so one host or one
// network cannot vote an address in alone. Pure: no I/O, the caller feeds reports.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "crypto/peer_id.h"
#include "multiformats/multiaddr.h"

namespace privstack::node {

struct ObservedAddressConfig {
  std::size_t min_agreeing = 3;     // distinct peers from distinct IP groups
  std::size_t max_candidates = 64;  // bounded: anyone can report anything
  std::size_t max_observers_per_candidate = 32;
};

/// The observer's "IP group": the /16 of an IPv4 address, the /32 of an IPv6 one (v4-mapped
/// IPv6 counts as IPv4).
std::string ip_group(const boost::asio::ip::address& address);

class ObservedAddressTracker {
 public:
  explicit ObservedAddressTracker(ObservedAddressConfig config = {}) : config_(config) {}

  /// Records that `observer` (connected from `observer_ip`) saw us at `observed`. Only
  /// /ip4|ip6/<ip>/udp/<port>/quic-v1 addresses count (anything after quic-v1 is dropped).
  /// Returns the address the first time it reaches agreement, nullopt otherwise.
  std::optional<multiformats::Multiaddr> report(const crypto::PeerId& observer,
                                                const boost::asio::ip::address& observer_ip,
                                                const multiformats::Multiaddr& observed);

  /// Addresses that reached agreement, in the order they did.
  const std::vector<multiformats::Multiaddr>& confirmed() const { return confirmed_; }

 private:
  struct Observer {
    crypto::PeerId peer;
    std::string group;
  };
  struct Candidate {
    multiformats::Multiaddr address;
    std::vector<Observer> observers;  // one per group, each peer at most once
    bool confirmed = false;
  };

  ObservedAddressConfig config_;
  std::vector<Candidate> candidates_;
  std::vector<multiformats::Multiaddr> confirmed_;
};

}  // namespace privstack::node
