// Vectors: multiformats/unsigned-varint README ("Examples" and the minimal-encoding note).
#include "multiformats/varint.h"

#include <gtest/gtest.h>

namespace privstack::multiformats {
namespace {

struct Vector {
  std::uint64_t value;
  const char* hex;
};

constexpr Vector kSpecVectors[] = {
    {1, "01"}, {127, "7f"}, {128, "8001"}, {255, "ff01"}, {300, "ac02"}, {16384, "808001"},
};

TEST(MfVarint, EncodesSpecExamples) {
  for (const auto& v : kSpecVectors) {
    EXPECT_EQ(to_hex(encode_uvarint(v.value)), v.hex) << v.value;
    EXPECT_EQ(uvarint_size(v.value), std::string_view(v.hex).size() / 2) << v.value;
  }
}

TEST(MfVarint, DecodesSpecExamples) {
  for (const auto& v : kSpecVectors) {
    const Bytes in = from_hex(v.hex);
    const VarintRead read = read_uvarint(in);
    EXPECT_EQ(read.status, VarintStatus::ok) << v.hex;
    EXPECT_EQ(read.value, v.value) << v.hex;
    EXPECT_EQ(read.length, in.size()) << v.hex;
  }
}

TEST(MfVarint, ZeroIsOneByte) {
  EXPECT_EQ(to_hex(encode_uvarint(0)), "00");
  const Bytes in = {0x00};
  const VarintRead read = read_uvarint(in);
  EXPECT_EQ(read.status, VarintStatus::ok);
  EXPECT_EQ(read.value, 0u);
  EXPECT_EQ(read.length, 1u);
}

TEST(MfVarint, LargestValueUsesNineBytes) {
  const Bytes encoded = encode_uvarint(kMaxVarintValue);
  EXPECT_EQ(to_hex(encoded), "ffffffffffffffff7f");
  const VarintRead read = read_uvarint(encoded);
  EXPECT_EQ(read.status, VarintStatus::ok);
  EXPECT_EQ(read.value, kMaxVarintValue);
  EXPECT_EQ(read.length, 9u);
}

TEST(MfVarint, ReadsOnlyThePrefix) {
  const Bytes in = from_hex("ac02ff");
  const VarintRead read = read_uvarint(in);
  EXPECT_EQ(read.status, VarintStatus::ok);
  EXPECT_EQ(read.value, 300u);
  EXPECT_EQ(read.length, 2u);
}

TEST(MfVarint, IncompleteWhenContinuationRunsOut) {
  EXPECT_EQ(read_uvarint(ByteView{}).status, VarintStatus::incomplete);
  EXPECT_EQ(read_uvarint(from_hex("80")).status, VarintStatus::incomplete);
  EXPECT_EQ(read_uvarint(from_hex("ffffffffffffffff")).status, VarintStatus::incomplete);
}

TEST(MfVarint, RejectsNonMinimal) {
  // The README's example: 0x81 0x00 is a valid Go varint for 1 but not a minimal one.
  EXPECT_EQ(read_uvarint(from_hex("8100")).status, VarintStatus::non_minimal);
  EXPECT_EQ(read_uvarint(from_hex("8000")).status, VarintStatus::non_minimal);
  EXPECT_EQ(read_uvarint(from_hex("ac8000")).status, VarintStatus::non_minimal);
}

TEST(MfVarint, RejectsMoreThanNineBytes) {
  EXPECT_EQ(read_uvarint(from_hex("ffffffffffffffffff01")).status, VarintStatus::overflow);
  // The 9th byte already has the continuation bit: can never complete within the bound.
  EXPECT_EQ(read_uvarint(from_hex("ffffffffffffffffff")).status, VarintStatus::overflow);
  // 2^63 needs a 10th byte.
  EXPECT_EQ(read_uvarint(encode_uvarint(kMaxVarintValue + 1)).status, VarintStatus::overflow);
}

TEST(MfVarint, HonoursCallerBound) {
  const Bytes in = from_hex("808001");  // 16384, three bytes
  EXPECT_EQ(read_uvarint(in, 2).status, VarintStatus::overflow);
  EXPECT_EQ(read_uvarint(in, 3).status, VarintStatus::ok);
  EXPECT_EQ(read_uvarint(from_hex("80"), 2).status, VarintStatus::incomplete);
  EXPECT_EQ(read_uvarint(from_hex("8080"), 2).status, VarintStatus::overflow);
}

TEST(MfVarint, ConsumeAdvancesAndReportsErrors) {
  const Bytes buffer = from_hex("ac0201");
  ByteView in = buffer;
  auto first = consume_uvarint(in);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 300u);
  auto second = consume_uvarint(in);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 1u);
  EXPECT_TRUE(in.empty());
  EXPECT_FALSE(consume_uvarint(in).ok());

  const Bytes truncated = from_hex("ac");
  ByteView t = truncated;
  auto r = consume_uvarint(t);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(t.size(), 1u);  // nothing consumed on error
}

}  // namespace
}  // namespace privstack::multiformats
