#include "common/distinct_counter.h"

#include <bit>
#include <cmath>

namespace privstack {
namespace {

// splitmix64's finaliser: a bijection, so distinct inputs stay distinct in the exact set, and
// every output bit depends on every input bit, as HyperLogLog's register index and rank need.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

DistinctCounter::DistinctCounter(std::size_t exact_limit) : exact_limit_(exact_limit) {}

void DistinctCounter::add(std::uint64_t digest) {
  const std::uint64_t mixed = mix(digest);
  if (!exact()) {
    add_to_registers(mixed);
    return;
  }
  exact_.insert(mixed);
  if (exact_.size() > exact_limit_) switch_to_estimate();
}

void DistinctCounter::add_to_registers(std::uint64_t mixed) {
  const std::size_t index = static_cast<std::size_t>(mixed >> (64 - kIndexBits));
  // The rank is the position of the first 1 bit in the remaining 50 bits (1-based); all zeros
  // rank 51.
  const std::uint64_t rest = mixed << kIndexBits;
  const auto rank =
      static_cast<std::uint8_t>(rest == 0 ? 64 - kIndexBits + 1 : std::countl_zero(rest) + 1);
  if (rank > registers_[index]) registers_[index] = rank;
}

void DistinctCounter::switch_to_estimate() {
  registers_.assign(kRegisters, 0);
  for (const std::uint64_t mixed : exact_)
    add_to_registers(mixed);
  // swap, not clear(): clear() keeps the bucket array, and freeing the memory is the point.
  std::unordered_set<std::uint64_t>().swap(exact_);
}

std::uint64_t DistinctCounter::count() const {
  if (exact()) return exact_.size();
  // Flajolet et al.'s estimator with the small-range (linear counting) correction. With 64-bit
  // digests the large-range correction of the 32-bit original is not needed.
  const double m = static_cast<double>(kRegisters);
  double sum = 0;
  std::size_t zeros = 0;
  for (const std::uint8_t r : registers_) {
    sum += std::ldexp(1.0, -static_cast<int>(r));
    if (r == 0) ++zeros;
  }
  const double alpha = 0.7213 / (1.0 + 1.079 / m);
  double estimate = alpha * m * m / sum;
  if (estimate <= 2.5 * m && zeros > 0) estimate = m * std::log(m / static_cast<double>(zeros));
  return static_cast<std::uint64_t>(std::llround(estimate));
}

}  // namespace privstack
