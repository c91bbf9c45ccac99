#include "protocol/relay/rate_limiter.h"

#include <limits>

namespace privstack::protocol::relay {

bool RateLimiter::try_take(const std::string& key, Clock::time_point now) {
  if (!limit_.enabled()) return true;
  refill(now);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    // An unknown key has a full bucket: take one token and start tracking it.
    buckets_.emplace(key, limit_.burst - 1);
    schedule_.emplace_back(now, key);
    return true;
  }
  if (it->second == 0) return false;
  --it->second;
  return true;
}

void RateLimiter::refill(Clock::time_point now) {
  const auto interval = std::chrono::duration_cast<Clock::duration>(limit_.interval);
  while (!schedule_.empty() && now - schedule_.front().first >= interval) {
    auto [last, key] = std::move(schedule_.front());
    schedule_.pop_front();
    auto it = buckets_.find(key);
    if (it == buckets_.end()) continue;
    const auto periods = static_cast<std::uint64_t>((now - last) / interval);
    const std::uint64_t balance = std::uint64_t{it->second} + periods;
    if (balance < limit_.burst) {
      it->second = static_cast<std::uint32_t>(balance);
      schedule_.emplace_back(now, std::move(key));
    } else {
      buckets_.erase(it);  // full again: equivalent to an untracked key
    }
  }
}

}  // namespace privstack::protocol::relay
