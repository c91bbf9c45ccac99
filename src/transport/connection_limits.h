// Admission control for inbound QUIC connections: who may start a handshake, who must prove its
// address with a Retry first, and who is refused. Pure bookkeeping and decisions, no I/O, so that
// the endpoint stays a thin caller and the rules are unit-tested without sockets.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include <boost/asio/ip/address.hpp>

namespace privstack::transport {

/// The unit a per-IP limit counts: one IPv4 address, or the /64 prefix of an IPv6 address.
/// Why /64: it is the smallest prefix an IPv6 link is given (SLAAC needs it), so one host can
/// rotate through 2^64 source addresses of its own (privacy extensions do so routinely); counting
/// single IPv6 addresses would let any host bypass the limit. v4-mapped IPv6 counts as IPv4.
struct SourceKey {
  std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes, or the IPv6 /64 prefix
  bool v6 = false;
  bool operator==(const SourceKey&) const = default;
};

SourceKey source_key(const boost::asio::ip::address& address);

struct SourceKeyHash {
  std::size_t operator()(const SourceKey& key) const;
};

/// Connections per source; entries disappear when their count drops to zero, so the table is
/// bounded by the number of connections.
class SourceCounts {
 public:
  std::size_t count(const SourceKey& key) const;
  void add(const SourceKey& key);
  /// Removing a key that is not counted is a no-op (never underflows).
  void remove(const SourceKey& key);
  /// Distinct sources with at least one connection.
  std::size_t sources() const { return counts_.size(); }
  /// Connections counted over all sources.
  std::size_t total() const { return total_; }
  void clear() {
    counts_.clear();
    total_ = 0;
  }

 private:
  std::unordered_map<SourceKey, std::size_t, SourceKeyHash> counts_;
  std::size_t total_ = 0;
};

/// The limits, as in EndpointConfig. For every limit except retry_threshold, 0 means unlimited.
struct AdmissionLimits {
  std::size_t max_connections = 0;
  std::size_t max_connections_per_ip = 0;
  std::size_t max_pending_handshakes = 0;
  /// Handshakes in progress at which tokenless Initials get a Retry; 0 = always Retry. Never
  /// above max_pending_handshakes (effective_retry_threshold clamps it).
  std::size_t retry_threshold = 0;
};

enum class Admission {
  accept,
  retry,                      // answer with a Retry packet (address validation)
  refuse_total,               // CONNECTION_REFUSED: max_connections reached
  refuse_per_ip,              // CONNECTION_REFUSED: max_connections_per_ip reached for the source
  refuse_pending_handshakes,  // CONNECTION_REFUSED: max_pending_handshakes reached
};

/// The cheap checks, done before any token is verified: the total and the per-source caps.
/// `connections` counts every state (handshaking, established, closing); `from_source` the
/// inbound ones from the Initial's source. Returns accept when neither cap is reached.
Admission admit_source(const AdmissionLimits& limits, std::size_t connections,
                       std::size_t from_source);

/// After the token check: a tokenless Initial beyond the retry threshold gets a Retry; any Initial,
/// validated or not, beyond max_pending_handshakes is refused (a Retry token proves the address,
/// not good intent, so it must not open the door past the hard cap).
Admission admit_handshake(const AdmissionLimits& limits, std::size_t handshaking,
                          bool address_validated);

std::size_t effective_retry_threshold(const AdmissionLimits& limits);

/// "connections", "per_ip", "pending_handshakes": the metric label of a refusal.
const char* refusal_reason(Admission admission);

}  // namespace privstack::transport
