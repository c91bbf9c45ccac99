#include "protocol/kad/routing_table.h"

#include <algorithm>

namespace privstack::protocol::kad {

using multiformats::Multiaddr;
using multiformats::Protocol;

std::string_view to_string(UpsertOutcome outcome) {
  switch (outcome) {
    case UpsertOutcome::inserted:
      return "inserted";
    case UpsertOutcome::updated:
      return "updated";
    case UpsertOutcome::replaced_disconnected:
      return "replaced a disconnected entry";
    case UpsertOutcome::bucket_full:
      return "bucket full of connected peers";
    case UpsertOutcome::no_addresses:
      return "no advertisable address";
    case UpsertOutcome::self:
      return "local peer";
  }
  return "?";
}

bool is_advertisable(const Multiaddr& address) {
  if (address.empty()) return false;
  if (auto ip4 = address.value_for(Protocol::ip4)) {
    if (std::all_of(ip4->begin(), ip4->end(), [](std::uint8_t b) { return b == 0; })) return false;
  }
  if (auto ip6 = address.value_for(Protocol::ip6)) {
    if (std::all_of(ip6->begin(), ip6->end(), [](std::uint8_t b) { return b == 0; })) return false;
  }
  return true;
}

RoutingTable::RoutingTable(const crypto::PeerId& local, RoutingTableConfig config)
    : local_peer_(local),
      local_key_(KadKey::from_peer(local)),
      config_(config),
      buckets_(kNumBuckets) {}

std::vector<Multiaddr> RoutingTable::filter(std::vector<Multiaddr> in) const {
  std::vector<Multiaddr> out;
  for (auto& addr : in) {
    if (out.size() == config_.max_addresses) break;
    if (!is_advertisable(addr)) continue;
    if (std::find(out.begin(), out.end(), addr) != out.end()) continue;
    out.push_back(std::move(addr));
  }
  return out;
}

UpsertOutcome RoutingTable::upsert(const crypto::PeerId& peer, std::vector<Multiaddr> addresses,
                                   bool connected, Clock::time_point now) {
  if (peer == local_peer_) return UpsertOutcome::self;
  const KadKey key = KadKey::from_peer(peer);
  const auto index = bucket_index(local_key_.distance(key));
  if (!index) return UpsertOutcome::self;  // a sha256 collision with our own id
  auto& bucket = buckets_[*index];
  auto filtered = filter(std::move(addresses));

  auto existing = std::find_if(bucket.begin(), bucket.end(),
                               [&](const RoutingEntry& e) { return e.peer == peer; });
  if (existing != bucket.end()) {
    if (!filtered.empty()) existing->addresses = std::move(filtered);
    if (existing->connected != connected) {
      existing->connected = connected;
      existing->since = now;
    }
    return UpsertOutcome::updated;
  }
  if (filtered.empty()) return UpsertOutcome::no_addresses;
  RoutingEntry entry{.peer = peer,
                     .key = key,
                     .addresses = std::move(filtered),
                     .connected = connected,
                     .since = now};
  if (bucket.size() < config_.k) {
    bucket.push_back(std::move(entry));
    ++size_;
    return UpsertOutcome::inserted;
  }
  // Full: the longest-disconnected entry makes room, as rust's pending-replacement does.
  auto victim = bucket.end();
  for (auto it = bucket.begin(); it != bucket.end(); ++it) {
    if (it->connected) continue;
    if (victim == bucket.end() || it->since < victim->since) victim = it;
  }
  if (victim == bucket.end()) return UpsertOutcome::bucket_full;
  *victim = std::move(entry);
  return UpsertOutcome::replaced_disconnected;
}

bool RoutingTable::set_connected(const crypto::PeerId& peer, bool connected,
                                 Clock::time_point now) {
  const auto index = bucket_index(local_key_.distance(KadKey::from_peer(peer)));
  if (!index) return false;
  for (auto& entry : buckets_[*index]) {
    if (entry.peer != peer) continue;
    if (entry.connected != connected) {
      entry.connected = connected;
      entry.since = now;
    }
    return true;
  }
  return false;
}

bool RoutingTable::remove(const crypto::PeerId& peer) {
  const auto index = bucket_index(local_key_.distance(KadKey::from_peer(peer)));
  if (!index) return false;
  auto& bucket = buckets_[*index];
  auto it = std::find_if(bucket.begin(), bucket.end(),
                         [&](const RoutingEntry& e) { return e.peer == peer; });
  if (it == bucket.end()) return false;
  bucket.erase(it);
  --size_;
  return true;
}

const RoutingEntry* RoutingTable::find(const crypto::PeerId& peer) const {
  const auto index = bucket_index(local_key_.distance(KadKey::from_peer(peer)));
  if (!index) return nullptr;
  for (const auto& entry : buckets_[*index])
    if (entry.peer == peer) return &entry;
  return nullptr;
}

std::vector<RoutingEntry> RoutingTable::closest(const KadKey& target, std::size_t n,
                                                const crypto::PeerId* exclude) const {
  // A full scan: the table holds at most 256 * K entries, and a scan is simpler to get right
  // than walking buckets in distance order.
  std::vector<std::pair<Distance, const RoutingEntry*>> candidates;
  candidates.reserve(size_);
  for (const auto& bucket : buckets_) {
    for (const auto& entry : bucket) {
      if (exclude && entry.peer == *exclude) continue;
      candidates.emplace_back(entry.key.distance(target), &entry);
    }
  }
  const std::size_t count = std::min(n, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(count),
                    candidates.end(),
                    [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<RoutingEntry> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i)
    out.push_back(*candidates[i].second);
  return out;
}

std::size_t RoutingTable::count_closer_than_local(const KadKey& target) const {
  const Distance local = local_key_.distance(target);
  std::size_t count = 0;
  for (const auto& bucket : buckets_)
    for (const auto& entry : bucket)
      if (entry.key.distance(target) < local) ++count;
  return count;
}

std::size_t RoutingTable::evict_disconnected(Clock::time_point now) {
  if (config_.disconnected_ttl.count() == 0) return 0;
  std::size_t evicted = 0;
  for (auto& bucket : buckets_) {
    const auto before = bucket.size();
    std::erase_if(bucket, [&](const RoutingEntry& e) {
      return !e.connected && now - e.since >= config_.disconnected_ttl;
    });
    evicted += before - bucket.size();
  }
  size_ -= evicted;
  return evicted;
}

std::vector<std::size_t> RoutingTable::non_empty_buckets() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < buckets_.size(); ++i)
    if (!buckets_[i].empty()) out.push_back(i);
  return out;
}

}  // namespace privstack::protocol::kad
