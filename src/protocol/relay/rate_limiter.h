// Token-bucket rate limiter with rust-libp2p's relay semantics (`behaviour/rate_limiter.rs`):
// every key starts with `burst` tokens, each request takes one, and one token comes back per
// `interval`. Keys that are full again are forgotten, so memory follows the active keys only.
// Pure: the caller passes the time.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>

namespace privstack::protocol::relay {

struct RateLimit {
  std::uint32_t burst = 0;  // 0: no rate limit
  std::chrono::seconds interval{0};
  bool enabled() const { return burst > 0 && interval.count() > 0; }
  bool operator==(const RateLimit&) const = default;
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}

  /// Takes a token for `key`; false when its bucket is empty. Always true when disabled.
  bool try_take(const std::string& key, Clock::time_point now);
  /// Keys currently tracked (not full), for tests and memory checks.
  std::size_t tracked() const { return buckets_.size(); }

 private:
  void refill(Clock::time_point now);

  RateLimit limit_;
  std::unordered_map<std::string, std::uint32_t> buckets_;  // key -> tokens left
  // (last refill, key), oldest first: only the front can be due.
  std::deque<std::pair<Clock::time_point, std::string>> schedule_;
};

}  // namespace privstack::protocol::relay
