// The relay's bookkeeping and policy, pure (the caller passes the time): which peers hold a
// reservation on which connection, which circuits are open, and whether a new reservation or
// circuit fits the limits. Defaults are rust-libp2p's relay defaults (`behaviour.rs` Config); `0`
// disables any numeric limit. Everything the node layer decides about admission is here, so it is
// unit-tested without a network.
//
// Rules, where we differ from rust on purpose:
// - Exactly `max_reservations_per_peer` reservations per peer (rust's `>` lets one more through).
// - A reservation belongs to a connection. RESERVE again on the same connection renews it; RESERVE
//   from the same peer and IP group on a new connection (a reconnect the relay has not noticed the
//   end of yet) moves the reservation to the new connection. Neither takes a new slot. When its
//   connection closes while the peer has another one open, it moves there; it goes with the
//   peer's last connection.
// - Per-IP caps (IPv4 /32, IPv6 /56) on concurrent reservations and circuits, on top of rust's
//   rate limiters.
// - Per-peer and per-IP circuit caps count the circuits a peer (or IP group) *opened*, as rust's
//   per-peer check does: counting targets too (go's way) would let any four strangers make a
//   reserved peer unreachable. The target is protected by the global cap and its own STOP handler.
// - Circuit checks: self-relay first (PERMISSION_DENIED), then the target's reservation
//   (NO_RESERVATION) and only then the caps and rate limits (RESOURCE_LIMIT_EXCEEDED), so a
//   request that cannot succeed does not spend the source's rate tokens.
// - Allow-listed peers (by peer id, or by the IP of the connection) skip the per-peer and per-IP
//   caps and the rate limits (not the global caps), and their circuits get `allowed_circuit`
//   limits. A circuit is allow-listed when its source or its target is.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "crypto/peer_id.h"
#include "protocol/relay/ip_prefix.h"
#include "protocol/relay/messages.h"
#include "protocol/relay/rate_limiter.h"

namespace privstack::protocol::relay {

/// Per-circuit limits; 0 is "no limit" of that kind.
struct CircuitLimits {
  std::chrono::seconds duration{0};
  std::uint64_t bytes = 0;  // both directions summed, as rust's CopyFuture counts
  /// The wire Limit: nullopt when nothing is limited, so the field is omitted entirely.
  std::optional<Limit> to_wire() const;
  bool operator==(const CircuitLimits&) const = default;
};

struct RelayPolicy {
  std::size_t max_reservations = 128;
  std::size_t max_reservations_per_peer = 4;
  std::size_t max_reservations_per_ip = 32;
  std::chrono::seconds reservation_ttl{3600};
  // rust: per peer 30 tokens, one back every 2 min; per IP 60 tokens, one back every minute.
  RateLimit reservation_rate_per_peer{30, std::chrono::seconds(120)};
  RateLimit reservation_rate_per_ip{60, std::chrono::seconds(60)};

  std::size_t max_circuits = 16;
  std::size_t max_circuits_per_peer = 4;  // circuits the peer opened (as source), as rust
  std::size_t max_circuits_per_ip = 8;    // circuits opened from one IP group
  CircuitLimits circuit{std::chrono::seconds(120), std::uint64_t{128} * 1024};
  RateLimit circuit_rate_per_peer{30, std::chrono::seconds(120)};
  RateLimit circuit_rate_per_ip{60, std::chrono::seconds(60)};

  std::vector<crypto::PeerId> allow_peers;
  std::vector<Cidr> allow_cidrs;
  CircuitLimits allowed_circuit{};  // unlimited by default
};

/// Who is asking: the peer, the connection the request came on, and that connection's IP.
struct Requester {
  crypto::PeerId peer;
  std::uint64_t connection = 0;
  boost::asio::ip::address ip;
};

class ResourceManager {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ResourceManager(RelayPolicy policy);

  const RelayPolicy& policy() const { return policy_; }
  bool allow_listed(const crypto::PeerId& peer, const boost::asio::ip::address& ip) const;
  /// The limits a circuit to or from this peer gets (what its reservation answer advertises).
  const CircuitLimits& limits_for(const Requester& who) const;

  struct ReserveOutcome {
    Status status = Status::ok;
    bool renewed = false;
    /// Set when the reservation moved here from another connection of the same peer and IP.
    std::optional<std::uint64_t> moved_from;
    std::optional<Clock::time_point> expires;  // nullopt: never (ttl 0)
    CircuitLimits limits;
  };
  ReserveOutcome reserve(const Requester& who, Clock::time_point now);

  /// The connection of the peer's live reservation (the most recently made), if any.
  std::optional<std::uint64_t> reservation_connection(const crypto::PeerId& peer,
                                                      Clock::time_point now);

  struct CircuitOutcome {
    Status status = Status::ok;
    std::uint64_t id = 0;              // for close_circuit
    std::uint64_t dst_connection = 0;  // where to open the stop stream
    CircuitLimits limits;
  };
  /// Admits (and counts) a circuit from `src` to `dst`; `relay` is our own id.
  CircuitOutcome open_circuit(const Requester& src, const crypto::PeerId& dst,
                              const crypto::PeerId& relay, Clock::time_point now);
  /// Frees a circuit's slot; unknown ids are ignored, so closing twice is harmless.
  void close_circuit(std::uint64_t id);

  /// The connection closed (circuits end with their streams). Its reservation moves to
  /// `successor`, another open connection of the same peer, when one is given and holds none yet;
  /// otherwise it goes. So a reservation lasts until the peer's last connection closes.
  void connection_closed(const crypto::PeerId& peer, std::uint64_t connection,
                         const std::optional<Requester>& successor = std::nullopt);

  std::size_t reservations() const { return reservations_.size(); }
  std::size_t circuits() const { return circuits_.size(); }
  std::size_t reservations_of(const crypto::PeerId& peer) const;
  std::size_t circuits_of(const crypto::PeerId& peer) const;

 private:
  struct ReservationEntry {
    boost::asio::ip::address ip;
    std::string ip_key;
    std::optional<Clock::time_point> expires;
    std::uint64_t sequence = 0;  // higher = made later
  };
  struct CircuitEntry {
    crypto::PeerId src;
    crypto::PeerId dst;
    std::string src_ip;  // per-peer and per-IP circuit caps count sources only
  };
  using ReservationKey = std::pair<crypto::PeerId, std::uint64_t>;

  void expire(Clock::time_point now);
  void erase_reservation(std::map<ReservationKey, ReservationEntry>::iterator it);
  std::optional<Clock::time_point> expiry(Clock::time_point now) const;
  static bool over(std::size_t count, std::size_t cap) { return cap != 0 && count >= cap; }
  static std::size_t count(const std::unordered_map<std::string, std::size_t>& m,
                           const std::string& key);
  static void decrement(std::unordered_map<std::string, std::size_t>& m, const std::string& key);

  RelayPolicy policy_;
  std::map<ReservationKey, ReservationEntry> reservations_;
  std::unordered_map<std::string, std::size_t> reservations_per_ip_;
  std::unordered_map<std::uint64_t, CircuitEntry> circuits_;
  std::unordered_map<std::string, std::size_t> circuits_per_peer_;  // key: peer id bytes
  std::unordered_map<std::string, std::size_t> circuits_per_ip_;
  RateLimiter reservation_peer_rate_;
  RateLimiter reservation_ip_rate_;
  RateLimiter circuit_peer_rate_;
  RateLimiter circuit_ip_rate_;
  std::uint64_t next_sequence_ = 1;
  std::uint64_t next_circuit_ = 1;
};

}  // namespace privstack::protocol::relay
