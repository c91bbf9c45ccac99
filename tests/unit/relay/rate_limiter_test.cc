// The token bucket, with rust-libp2p's rate_limiter.rs cases: burst, refill per interval,
// forgetting full buckets.
#include "protocol/relay/rate_limiter.h"

#include <gtest/gtest.h>

namespace privstack::protocol::relay {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

TEST(RelayRateLimiter, BurstThenRefusal) {
  RateLimiter limiter({10, 1s});
  const auto now = Clock::now();
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(limiter.try_take("a", now));
  EXPECT_FALSE(limiter.try_take("a", now));
  EXPECT_TRUE(limiter.try_take("b", now));  // keys are independent
}

TEST(RelayRateLimiter, OneTokenPerInterval) {
  RateLimiter limiter({10, 1s});
  auto now = Clock::now();
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(limiter.try_take("a", now));
  now += 1s;
  EXPECT_TRUE(limiter.try_take("a", now));
  EXPECT_FALSE(limiter.try_take("a", now));
  now += 10s;
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(limiter.try_take("a", now));
}

TEST(RelayRateLimiter, HalfIntervalsDoNotCount) {
  RateLimiter limiter({1, 2s});
  auto now = Clock::now();
  EXPECT_TRUE(limiter.try_take("a", now));
  EXPECT_FALSE(limiter.try_take("a", now));
  now += 1s;
  EXPECT_FALSE(limiter.try_take("a", now));
  now += 1s;
  EXPECT_TRUE(limiter.try_take("a", now));
}

TEST(RelayRateLimiter, FullBucketsAreForgotten) {
  RateLimiter limiter({1, 1s});
  auto now = Clock::now();
  EXPECT_TRUE(limiter.try_take("a", now));
  now += 1s;
  EXPECT_TRUE(limiter.try_take("b", now));
  EXPECT_EQ(limiter.tracked(), 1U);
}

TEST(RelayRateLimiter, DisabledAlwaysAllows) {
  RateLimiter limiter({0, 1s});
  const auto now = Clock::now();
  for (int i = 0; i < 1000; ++i)
    EXPECT_TRUE(limiter.try_take("a", now));
  EXPECT_EQ(limiter.tracked(), 0U);
}

}  // namespace
}  // namespace privstack::protocol::relay
