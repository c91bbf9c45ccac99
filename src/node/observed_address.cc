#include "node/observed_address.h"

#include <algorithm>

#include <fmt/format.h>

#include "node/address.h"

namespace privstack::node {

namespace mf = multiformats;

std::string ip_group(const boost::asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip_group(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6()));
  }
  if (address.is_v4()) {
    const auto bytes = address.to_v4().to_bytes();
    return fmt::format("{}.{}/16", bytes[0], bytes[1]);
  }
  const auto bytes = address.to_v6().to_bytes();
  return fmt::format("{:02x}{:02x}:{:02x}{:02x}::/32", bytes[0], bytes[1], bytes[2], bytes[3]);
}

std::optional<mf::Multiaddr> ObservedAddressTracker::report(
    const crypto::PeerId& observer, const boost::asio::ip::address& observer_ip,
    const mf::Multiaddr& observed) {
  // Normalise to the thin QUIC address; quic_endpoint refuses DNS, circuits and other transports.
  const auto components = observed.components();
  if (components.size() < 3 || components[2].protocol != mf::Protocol::quic_v1) return std::nullopt;
  const auto endpoint = quic_endpoint(observed.decapsulate_p2p());
  if (!endpoint || endpoint->address().is_unspecified() || endpoint->port() == 0)
    return std::nullopt;
  const mf::Multiaddr address = quic_multiaddr(*endpoint);

  auto candidate = std::find_if(candidates_.begin(), candidates_.end(),
                                [&](const Candidate& c) { return c.address == address; });
  if (candidate == candidates_.end()) {
    if (candidates_.size() >= config_.max_candidates) {
      // Evict the least supported unconfirmed candidate (oldest on ties) to make room.
      auto victim = candidates_.end();
      for (auto it = candidates_.begin(); it != candidates_.end(); ++it) {
        if (it->confirmed) continue;
        if (victim == candidates_.end() || it->observers.size() < victim->observers.size())
          victim = it;
      }
      if (victim == candidates_.end()) return std::nullopt;
      candidates_.erase(victim);
    }
    candidates_.push_back(Candidate{address, {}, false});
    candidate = std::prev(candidates_.end());
  }

  const std::string group = ip_group(observer_ip);
  const bool counted =
      std::any_of(candidate->observers.begin(), candidate->observers.end(),
                  [&](const Observer& o) { return o.peer == observer || o.group == group; });
  if (counted || candidate->observers.size() >= config_.max_observers_per_candidate)
    return std::nullopt;
  candidate->observers.push_back(Observer{observer, group});
  if (candidate->confirmed || candidate->observers.size() < config_.min_agreeing)
    return std::nullopt;
  candidate->confirmed = true;
  confirmed_.push_back(address);
  return address;
}

}  // namespace privstack::node
