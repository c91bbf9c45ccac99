#include "protocol/kad/key.h"

#include <bit>

#include <fmt/format.h>

namespace privstack::protocol::kad {

bool Distance::is_zero() const {
  for (auto b : bytes)
    if (b != 0) return false;
  return true;
}

std::size_t Distance::leading_zeros() const {
  std::size_t zeros = 0;
  for (auto b : bytes) {
    if (b == 0) {
      zeros += 8;
      continue;
    }
    return zeros + static_cast<std::size_t>(std::countl_zero(b));
  }
  return zeros;
}

Distance Distance::power_of_two(std::size_t index) {
  Distance d;
  if (index >= kKeyBytes * 8) return d;
  const std::size_t byte = kKeyBytes - 1 - index / 8;
  d.bytes[byte] = static_cast<std::uint8_t>(1U << (index % 8));
  return d;
}

std::string Distance::to_hex() const {
  return privstack::to_hex(bytes);
}

KadKey KadKey::from_bytes(ByteView key) {
  return KadKey(crypto::sha256(key));
}

Distance KadKey::distance(const KadKey& other) const {
  Distance d;
  for (std::size_t i = 0; i < kKeyBytes; ++i)
    d.bytes[i] = static_cast<std::uint8_t>(hash_[i] ^ other.hash_[i]);
  return d;
}

std::optional<std::size_t> bucket_index(const Distance& distance) {
  const std::size_t zeros = distance.leading_zeros();
  if (zeros == kNumBuckets) return std::nullopt;
  return kNumBuckets - 1 - zeros;
}

BucketRange bucket_range(std::size_t index) {
  BucketRange range;
  range.low = Distance::power_of_two(index);
  // high = 2^(index+1) - 1: every bit at or below `index` set.
  for (std::size_t bit = 0; bit <= index && bit < kNumBuckets; ++bit) {
    const std::size_t byte = kKeyBytes - 1 - bit / 8;
    range.high.bytes[byte] = static_cast<std::uint8_t>(range.high.bytes[byte] | (1U << (bit % 8)));
  }
  return range;
}

}  // namespace privstack::protocol::kad
