#include "protocol/kad/provider_store.h"

#include <algorithm>

namespace privstack::protocol::kad {

using multiformats::Multiaddr;

namespace {

std::vector<Multiaddr> keep_advertisable(std::vector<Multiaddr> in, std::size_t cap) {
  std::vector<Multiaddr> out;
  for (auto& addr : in) {
    if (out.size() == cap) break;
    if (!is_advertisable(addr)) continue;
    if (std::find(out.begin(), out.end(), addr) != out.end()) continue;
    out.push_back(std::move(addr));
  }
  return out;
}

}  // namespace

Result<AddProviderOutcome> ProviderStore::add(ByteView key, const crypto::PeerId& provider,
                                              std::vector<Multiaddr> addresses,
                                              Clock::time_point now) {
  std::string k(as_chars(key));
  auto it = keys_.find(k);
  if (it == keys_.end()) {
    if (limits_.max_provided_keys != 0 && keys_.size() >= limits_.max_provided_keys) {
      return make_error("provider store full ({} keys)", limits_.max_provided_keys);
    }
    it = keys_.emplace(std::move(k), std::vector<ProviderRecord>{}).first;
  }
  auto& list = it->second;
  ProviderRecord record{
      .provider = provider,
      .addresses = keep_advertisable(std::move(addresses), limits_.max_addrs_per_provider),
      .expires = now + limits_.provider_ttl};
  for (auto& existing : list) {
    if (existing.provider == provider) {
      existing = std::move(record);
      return AddProviderOutcome::refreshed;
    }
  }
  // Expired entries do not hold a slot.
  std::erase_if(list, [&](const ProviderRecord& r) { return r.expires <= now; });
  if (limits_.max_providers_per_key != 0 && list.size() >= limits_.max_providers_per_key) {
    return AddProviderOutcome::ignored_key_full;
  }
  list.push_back(std::move(record));
  return AddProviderOutcome::added;
}

std::vector<ProviderRecord> ProviderStore::providers(ByteView key, Clock::time_point now) const {
  std::vector<ProviderRecord> out;
  auto it = keys_.find(std::string(as_chars(key)));
  if (it == keys_.end()) return out;
  for (const auto& record : it->second)
    if (record.expires > now) out.push_back(record);
  return out;
}

std::size_t ProviderStore::sweep(Clock::time_point now) {
  std::size_t removed = 0;
  for (auto it = keys_.begin(); it != keys_.end();) {
    removed += std::erase_if(it->second, [&](const ProviderRecord& r) { return r.expires <= now; });
    it = it->second.empty() ? keys_.erase(it) : std::next(it);
  }
  return removed;
}

std::size_t ProviderStore::provider_count() const {
  std::size_t n = 0;
  for (const auto& [key, list] : keys_)
    n += list.size();
  return n;
}

}  // namespace privstack::protocol::kad
