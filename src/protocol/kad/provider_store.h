// In-memory provider records with rust-libp2p MemoryStore semantics: at most max_provided_keys
// keys (a new key beyond it is an error, which the server logs: ADD_PROVIDER has no answer), at
// most max_providers_per_key providers per key (a new provider for a full key is ignored, rust's
// Sybil mitigation; a known provider refreshes its entry in place), each with at most
// max_addrs_per_provider advertisable addresses, expiring provider_ttl (48 h) after its last
// announcement. Expired entries are never returned and sweep() removes them.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/peer_id.h"
#include "multiformats/multiaddr.h"
#include "protocol/kad/routing_table.h"

namespace privstack::protocol::kad {

struct ProviderStoreLimits {
  std::size_t max_provided_keys = 1024;    // rust default; 0 = no limit
  std::size_t max_providers_per_key = kK;  // rust default (K_VALUE = 20); 0 = no limit
  std::size_t max_addrs_per_provider = 8;
  std::chrono::seconds provider_ttl{48 * 3600};  // rust PROVIDER_RECORD_TTL default
};

struct ProviderRecord {
  crypto::PeerId provider;
  std::vector<multiformats::Multiaddr> addresses;  // may be empty (rust clients without
                                                   // confirmed external addresses send none)
  Clock::time_point expires{};
};

enum class AddProviderOutcome { added, refreshed, ignored_key_full };

class ProviderStore {
 public:
  explicit ProviderStore(ProviderStoreLimits limits = {}) : limits_(limits) {}

  Result<AddProviderOutcome> add(ByteView key, const crypto::PeerId& provider,
                                 std::vector<multiformats::Multiaddr> addresses,
                                 Clock::time_point now);
  /// Live providers of `key`, in announcement order.
  std::vector<ProviderRecord> providers(ByteView key, Clock::time_point now) const;
  /// Removes expired providers and keys left without any; returns the providers removed.
  std::size_t sweep(Clock::time_point now);

  std::size_t key_count() const { return keys_.size(); }
  std::size_t provider_count() const;
  const ProviderStoreLimits& limits() const { return limits_; }

  /// visit(key bytes, const ProviderRecord&) for every stored provider (expired ones included
  /// until the next sweep).
  template <typename Visitor>
  void for_each(Visitor&& visit) const {
    for (const auto& [key, list] : keys_)
      for (const auto& record : list)
        visit(as_bytes(key), record);
  }

 private:
  ProviderStoreLimits limits_;
  std::unordered_map<std::string, std::vector<ProviderRecord>> keys_;
};

}  // namespace privstack::protocol::kad
