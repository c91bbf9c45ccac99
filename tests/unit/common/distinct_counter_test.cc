#include "common/distinct_counter.h"

#include <cmath>
#include <cstdint>

#include <gtest/gtest.h>

namespace privstack {
namespace {

TEST(DistinctCounterTest, ExactBelowTheLimitAndDuplicatesDoNotCount) {
  DistinctCounter counter(1000);
  for (std::uint64_t round = 0; round < 3; ++round)
    for (std::uint64_t v = 0; v < 1000; ++v)
      counter.add(v);
  EXPECT_TRUE(counter.exact());
  EXPECT_EQ(counter.count(), 1000u);
}

TEST(DistinctCounterTest, SwitchesToAnEstimateWithinOnePercentPastTheLimit) {
  DistinctCounter counter(1000);
  counter.add(7);
  EXPECT_EQ(counter.count(), 1u);
  const std::uint64_t n = 200'000;
  for (std::uint64_t v = 0; v < n; ++v)
    counter.add(v * 0x9e3779b97f4a7c15ULL);  // distinct values, not pre-mixed
  ASSERT_FALSE(counter.exact());
  const double error = std::abs(static_cast<double>(counter.count()) - static_cast<double>(n + 1)) /
                       static_cast<double>(n + 1);
  // Standard error is 0.8 %; 3 % is beyond 3.5 sigma, and the inputs are fixed, so the result is
  // deterministic anyway.
  EXPECT_LT(error, 0.03) << "estimate " << counter.count();
  // Adding the same values again changes nothing: registers only keep maxima.
  const std::uint64_t before = counter.count();
  for (std::uint64_t v = 0; v < n; ++v)
    counter.add(v * 0x9e3779b97f4a7c15ULL);
  EXPECT_EQ(counter.count(), before);
}

TEST(DistinctCounterTest, EstimateIsContinuousAtTheSwitch) {
  // Just past the limit the estimate (linear counting region) must still be close to exact, so
  // the exported counter does not jump when it switches.
  DistinctCounter counter(5000);
  for (std::uint64_t v = 0; v <= 5000; ++v)
    counter.add(v);
  ASSERT_FALSE(counter.exact());
  EXPECT_NEAR(static_cast<double>(counter.count()), 5001.0, 5001.0 * 0.03);
}

}  // namespace
}  // namespace privstack
