// Admission of AutoNAT dial-back requests, with rust-libp2p's server semantics
// (`v1/behaviour/as_server.rs`): every admitted request is remembered for `period`; a new one is
// refused while the peer already has a dial-back in progress, when `global_max` requests were
// admitted in the last period, or when this peer had `peer_max` of them. Only requests that pass
// every check (addresses included) are recorded, as in rust. 0 disables a limit. Pure: the
// caller passes the time.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <unordered_set>
#include <utility>

#include "crypto/peer_id.h"

namespace privstack::protocol::autonat {

struct ThrottleLimits {
  std::size_t global_max = 30;             // rust: throttle_clients_global_max
  std::size_t peer_max = 3;                // rust: throttle_clients_peer_max
  std::chrono::milliseconds period{1000};  // rust: throttle_clients_period
  bool operator==(const ThrottleLimits&) const = default;
};

enum class Admission { admitted, ongoing, global_limit, peer_limit };

class ClientThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ClientThrottle(ThrottleLimits limits) : limits_(limits) {}

  /// Whether a request from `peer` may go on now; records nothing.
  Admission check(const crypto::PeerId& peer, Clock::time_point now);
  /// Records an admitted request and marks its dial-back as in progress.
  void start(const crypto::PeerId& peer, Clock::time_point now);
  /// The dial-back of `peer` ended (answered, failed or abandoned).
  void finish(const crypto::PeerId& peer) { ongoing_.erase(peer); }

  /// Requests still counted (admitted in the last period), for tests and memory checks.
  std::size_t recent() const { return recent_.size(); }
  std::size_t ongoing() const { return ongoing_.size(); }

 private:
  void expire(Clock::time_point now);

  ThrottleLimits limits_;
  std::deque<std::pair<Clock::time_point, crypto::PeerId>> recent_;  // oldest first
  std::unordered_set<crypto::PeerId> ongoing_;
};

}  // namespace privstack::protocol::autonat
