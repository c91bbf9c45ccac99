#include "transport/connection_limits.h"

#include <algorithm>
#include <cstring>

namespace privstack::transport {

SourceKey source_key(const boost::asio::ip::address& address) {
  SourceKey key;
  if (address.is_v4()) {
    const auto v4 = address.to_v4().to_bytes();
    std::copy(v4.begin(), v4.end(), key.bytes.begin());
    return key;
  }
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) {
    return source_key(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
  }
  const auto bytes = v6.to_bytes();
  std::copy(bytes.begin(), bytes.begin() + 8, key.bytes.begin());  // the /64 prefix
  key.v6 = true;
  return key;
}

std::size_t SourceKeyHash::operator()(const SourceKey& key) const {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::memcpy(&a, key.bytes.data(), 8);
  std::memcpy(&b, key.bytes.data() + 8, 8);
  // Sources are chosen by remote peers, but the table is bounded by max_connections, so a
  // simple mix suffices; the 64-bit multiply spreads IPv4 addresses that differ in low bits.
  const std::uint64_t mixed =
      (a ^ (b * 0x9e3779b97f4a7c15ull) ^ (key.v6 ? 1u : 0u)) * 0xff51afd7ed558ccdull;
  return static_cast<std::size_t>(mixed ^ (mixed >> 32));
}

std::size_t SourceCounts::count(const SourceKey& key) const {
  auto it = counts_.find(key);
  return it == counts_.end() ? 0 : it->second;
}

void SourceCounts::add(const SourceKey& key) {
  ++counts_[key];
  ++total_;
}

void SourceCounts::remove(const SourceKey& key) {
  auto it = counts_.find(key);
  if (it == counts_.end()) return;
  --total_;
  if (--it->second == 0) counts_.erase(it);
}

namespace {
bool reached(std::size_t value, std::size_t limit) {
  return limit != 0 && value >= limit;
}
}  // namespace

Admission admit_source(const AdmissionLimits& limits, std::size_t connections,
                       std::size_t from_source) {
  if (reached(connections, limits.max_connections)) return Admission::refuse_total;
  if (reached(from_source, limits.max_connections_per_ip)) return Admission::refuse_per_ip;
  return Admission::accept;
}

std::size_t effective_retry_threshold(const AdmissionLimits& limits) {
  if (limits.max_pending_handshakes == 0) return limits.retry_threshold;
  return std::min(limits.retry_threshold, limits.max_pending_handshakes);
}

Admission admit_handshake(const AdmissionLimits& limits, std::size_t handshaking,
                          bool address_validated) {
  // A tokenless Initial is answered with a Retry before the hard cap is considered: a Retry
  // costs no state, and the cap still holds when the client returns with its token.
  if (!address_validated && handshaking >= effective_retry_threshold(limits)) {
    return Admission::retry;
  }
  if (reached(handshaking, limits.max_pending_handshakes)) {
    return Admission::refuse_pending_handshakes;
  }
  return Admission::accept;
}

const char* refusal_reason(Admission admission) {
  switch (admission) {
    case Admission::refuse_total:
      return "connections";
    case Admission::refuse_per_ip:
      return "per_ip";
    case Admission::refuse_pending_handshakes:
      return "pending_handshakes";
    case Admission::accept:
    case Admission::retry:
      break;
  }
  return "";
}

}  // namespace privstack::transport
