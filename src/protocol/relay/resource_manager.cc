#include "protocol/relay/resource_manager.h"

#include <algorithm>
#include <limits>

namespace privstack::protocol::relay {

namespace {

std::string peer_key(const crypto::PeerId& peer) {
  return std::string(as_chars(peer.bytes()));
}

}  // namespace

std::optional<Limit> CircuitLimits::to_wire() const {
  Limit limit;
  if (duration.count() > 0) {
    // The wire field is uint32 seconds; a longer duration is capped, never wrapped.
    constexpr auto kMax = std::numeric_limits<std::uint32_t>::max();
    limit.duration_seconds =
        duration.count() >= kMax ? kMax : static_cast<std::uint32_t>(duration.count());
  }
  if (bytes > 0) limit.data_bytes = bytes;
  if (limit.unlimited()) return std::nullopt;
  return limit;
}

ResourceManager::ResourceManager(RelayPolicy policy)
    : policy_(std::move(policy)),
      reservation_peer_rate_(policy_.reservation_rate_per_peer),
      reservation_ip_rate_(policy_.reservation_rate_per_ip),
      circuit_peer_rate_(policy_.circuit_rate_per_peer),
      circuit_ip_rate_(policy_.circuit_rate_per_ip) {}

bool ResourceManager::allow_listed(const crypto::PeerId& peer,
                                   const boost::asio::ip::address& ip) const {
  if (std::find(policy_.allow_peers.begin(), policy_.allow_peers.end(), peer) !=
      policy_.allow_peers.end()) {
    return true;
  }
  return std::any_of(policy_.allow_cidrs.begin(), policy_.allow_cidrs.end(),
                     [&](const Cidr& cidr) { return cidr.contains(ip); });
}

const CircuitLimits& ResourceManager::limits_for(const Requester& who) const {
  return allow_listed(who.peer, who.ip) ? policy_.allowed_circuit : policy_.circuit;
}

std::optional<ResourceManager::Clock::time_point> ResourceManager::expiry(
    Clock::time_point now) const {
  if (policy_.reservation_ttl.count() == 0) return std::nullopt;
  return now + policy_.reservation_ttl;
}

std::size_t ResourceManager::count(const std::unordered_map<std::string, std::size_t>& m,
                                   const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

void ResourceManager::decrement(std::unordered_map<std::string, std::size_t>& m,
                                const std::string& key) {
  auto it = m.find(key);
  if (it == m.end()) return;
  if (--it->second == 0) m.erase(it);
}

void ResourceManager::erase_reservation(std::map<ReservationKey, ReservationEntry>::iterator it) {
  decrement(reservations_per_ip_, it->second.ip_key);
  reservations_.erase(it);
}

void ResourceManager::expire(Clock::time_point now) {
  for (auto it = reservations_.begin(); it != reservations_.end();) {
    auto next = std::next(it);
    if (it->second.expires && *it->second.expires <= now) erase_reservation(it);
    it = next;
  }
}

std::size_t ResourceManager::reservations_of(const crypto::PeerId& peer) const {
  std::size_t n = 0;
  for (auto it = reservations_.lower_bound({peer, 0});
       it != reservations_.end() && it->first.first == peer; ++it) {
    ++n;
  }
  return n;
}

std::size_t ResourceManager::circuits_of(const crypto::PeerId& peer) const {
  return count(circuits_per_peer_, peer_key(peer));
}

ResourceManager::ReserveOutcome ResourceManager::reserve(const Requester& who,
                                                         Clock::time_point now) {
  expire(now);
  ReserveOutcome out;
  const bool allowed = allow_listed(who.peer, who.ip);
  const std::string ip_key = ip_group_key(who.ip);
  out.limits = allowed ? policy_.allowed_circuit : policy_.circuit;

  // An existing slot to reuse: this connection's (renewal), or one of the same peer from the same
  // IP group on an older connection (reconnect).
  auto existing = reservations_.find({who.peer, who.connection});
  if (existing == reservations_.end()) {
    for (auto it = reservations_.lower_bound({who.peer, 0});
         it != reservations_.end() && it->first.first == who.peer; ++it) {
      if (it->second.ip_key == ip_key) {
        existing = it;
        break;
      }
    }
  }
  const bool reuse = existing != reservations_.end();

  if (!reuse) {
    if (over(reservations_.size(), policy_.max_reservations) ||
        (!allowed &&
         (over(reservations_of(who.peer), policy_.max_reservations_per_peer) ||
          over(count(reservations_per_ip_, ip_key), policy_.max_reservations_per_ip)))) {
      out.status = Status::resource_limit_exceeded;
      return out;
    }
  }
  // Rate limits apply to renewals too (rust consults them on every request); both limiters are
  // consulted so that each sees the request, as rust's `all()` does until the first refusal.
  if (!allowed && (!reservation_peer_rate_.try_take(peer_key(who.peer), now) ||
                   !reservation_ip_rate_.try_take(ip_key, now))) {
    out.status = Status::resource_limit_exceeded;
    return out;
  }

  if (reuse) {
    out.renewed = true;
    if (existing->first.second != who.connection) out.moved_from = existing->first.second;
    erase_reservation(existing);
  }
  ReservationEntry entry{who.ip, ip_key, expiry(now), next_sequence_++};
  out.expires = entry.expires;
  reservations_.emplace(ReservationKey{who.peer, who.connection}, std::move(entry));
  ++reservations_per_ip_[ip_key];
  return out;
}

std::optional<std::uint64_t> ResourceManager::reservation_connection(const crypto::PeerId& peer,
                                                                     Clock::time_point now) {
  expire(now);
  std::optional<std::uint64_t> best;
  std::uint64_t best_sequence = 0;
  for (auto it = reservations_.lower_bound({peer, 0});
       it != reservations_.end() && it->first.first == peer; ++it) {
    if (it->second.sequence > best_sequence) {
      best_sequence = it->second.sequence;
      best = it->first.second;
    }
  }
  return best;
}

ResourceManager::CircuitOutcome ResourceManager::open_circuit(const Requester& src,
                                                              const crypto::PeerId& dst,
                                                              const crypto::PeerId& relay,
                                                              Clock::time_point now) {
  CircuitOutcome out;
  if (dst == src.peer || dst == relay) {
    out.status = Status::permission_denied;
    return out;
  }
  auto dst_connection = reservation_connection(dst, now);
  if (!dst_connection) {
    out.status = Status::no_reservation;
    return out;
  }
  const auto& dst_entry = reservations_.at({dst, *dst_connection});
  const std::string src_ip = ip_group_key(src.ip);
  const bool src_allowed = allow_listed(src.peer, src.ip);
  // The target is judged by the connection its reservation came on.
  const bool dst_allowed = allow_listed(dst, dst_entry.ip);
  const bool allowed = src_allowed || dst_allowed;

  if (over(circuits_.size(), policy_.max_circuits)) {
    out.status = Status::resource_limit_exceeded;
    return out;
  }
  if (!allowed) {
    const std::size_t per_ip = policy_.max_circuits_per_ip;
    if (over(circuits_of(src.peer), policy_.max_circuits_per_peer) ||
        over(count(circuits_per_ip_, src_ip), per_ip) ||
        !circuit_peer_rate_.try_take(peer_key(src.peer), now) ||
        !circuit_ip_rate_.try_take(src_ip, now)) {
      out.status = Status::resource_limit_exceeded;
      return out;
    }
  }

  out.id = next_circuit_++;
  out.dst_connection = *dst_connection;
  out.limits = allowed ? policy_.allowed_circuit : policy_.circuit;
  ++circuits_per_peer_[peer_key(src.peer)];
  ++circuits_per_ip_[src_ip];
  circuits_.emplace(out.id, CircuitEntry{src.peer, dst, src_ip});
  return out;
}

void ResourceManager::close_circuit(std::uint64_t id) {
  auto it = circuits_.find(id);
  if (it == circuits_.end()) return;
  decrement(circuits_per_peer_, peer_key(it->second.src));
  decrement(circuits_per_ip_, it->second.src_ip);
  circuits_.erase(it);
}

void ResourceManager::connection_closed(const crypto::PeerId& peer, std::uint64_t connection,
                                        const std::optional<Requester>& successor) {
  auto it = reservations_.find({peer, connection});
  if (it == reservations_.end()) return;
  ReservationEntry entry = it->second;
  erase_reservation(it);
  if (!successor || successor->peer != peer || successor->connection == connection ||
      reservations_.contains({peer, successor->connection})) {
    return;
  }
  // Same slot, same expiry; only the connection (and so the IP it counts against) changes.
  entry.ip = successor->ip;
  entry.ip_key = ip_group_key(successor->ip);
  ++reservations_per_ip_[entry.ip_key];
  reservations_.emplace(ReservationKey{peer, successor->connection}, std::move(entry));
}

}  // namespace privstack::protocol::relay
