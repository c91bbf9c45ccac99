#include <gtest/gtest.h>

#include <array>
#include <set>

#include "crypto/hash.h"
#include "crypto/random.h"

namespace privstack::crypto {
namespace {

// FIPS 180-2 appendix B.1 ("abc") and the well-known digest of the empty string.
TEST(Sha256, KnownDigests) {
  EXPECT_EQ(to_hex(sha256(as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(sha256({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // FIPS 180-2 appendix B.2 (two-block message).
  EXPECT_EQ(to_hex(sha256(as_bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(RandomBytes, FillsAndDiffers) {
  std::set<std::array<std::uint8_t, 32>> seen;
  for (int i = 0; i < 16; ++i) {
    std::array<std::uint8_t, 32> buffer{};
    random_bytes(buffer);
    seen.insert(buffer);
  }
  // 16 draws of 256 bits: a repeat (or an all-zero buffer) means the generator is not used.
  EXPECT_EQ(seen.size(), 16u);
  EXPECT_FALSE(seen.contains(std::array<std::uint8_t, 32>{}));
  random_bytes({});  // empty span is fine
}

}  // namespace
}  // namespace privstack::crypto
