#include "protocol/kad/key.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace privstack::protocol::kad {
namespace {

TEST(KadKey, IsSha256OfTheBytes) {
  // sha256("abc")
  auto key = KadKey::from_bytes(as_bytes("abc"));
  EXPECT_EQ(to_hex(key.hash()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(KadKey, DistanceIsXorAndSymmetric) {
  auto a = KadKey::from_bytes(as_bytes("a"));
  auto b = KadKey::from_bytes(as_bytes("b"));
  EXPECT_EQ(a.distance(b), b.distance(a));
  EXPECT_TRUE(a.distance(a).is_zero());
  for (std::size_t i = 0; i < kKeyBytes; ++i)
    EXPECT_EQ(a.distance(b).bytes[i], a.hash()[i] ^ b.hash()[i]);
}

TEST(KadKey, BucketIndexIsTheHighestSetBit) {
  EXPECT_EQ(bucket_index(Distance{}), std::nullopt);
  EXPECT_EQ(bucket_index(Distance::power_of_two(0)), 0U);
  EXPECT_EQ(bucket_index(Distance::power_of_two(9)), 9U);
  EXPECT_EQ(bucket_index(Distance::power_of_two(255)), 255U);
  Distance d;
  d.bytes[0] = 0x80;
  d.bytes[31] = 0xff;
  EXPECT_EQ(bucket_index(d), 255U);
  EXPECT_EQ(d.leading_zeros(), 0U);
}

TEST(KadKey, BucketRangeCoversExactlyTheBucket) {
  for (std::size_t i : {0U, 7U, 8U, 100U, 255U}) {
    auto range = bucket_range(i);
    EXPECT_EQ(bucket_index(range.low), i);
    EXPECT_EQ(bucket_index(range.high), i);
    if (i > 0) {
      EXPECT_LT(range.low, range.high);
    }
  }
  EXPECT_EQ(bucket_range(0).low, bucket_range(0).high);
}

}  // namespace
}  // namespace privstack::protocol::kad
