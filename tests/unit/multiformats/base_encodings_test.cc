// Vectors: RFC 4648 §10 (base32, base64), multiformats/multibase tests/*.csv, the multihash README
// example section (sha1/sha2-256 of "multihash" in base58 and base32), and peer ids from
// rust-multiaddr's tests/lib.rs.
#include <gtest/gtest.h>

#include <string>

#include "multiformats/base32.h"
#include "multiformats/base58.h"
#include "multiformats/base64.h"
#include "multiformats/basex.h"
#include "multiformats/multibase.h"

namespace privstack::multiformats {
namespace {

Bytes text(std::string_view s) {
  return to_bytes(s);
}
const Bytes kYesMani = to_bytes("yes mani !");
const Bytes kYesManiZero = [] {
  Bytes b{0};
  b.insert(b.end(), kYesMani.begin(), kYesMani.end());
  return b;
}();
const Bytes kYesManiTwoZeros = [] {
  Bytes b{0, 0};
  b.insert(b.end(), kYesMani.begin(), kYesMani.end());
  return b;
}();

// --- base58btc -------------------------------------------------------------------------------

TEST(MfBase58, MultibaseCsvVectors) {
  EXPECT_EQ(base58btc_encode(kYesMani), "7paNL19xttacUY");
  EXPECT_EQ(base58btc_encode(kYesManiZero), "17paNL19xttacUY");
  EXPECT_EQ(base58btc_encode(kYesManiTwoZeros), "117paNL19xttacUY");
  EXPECT_EQ(base58btc_encode(text("Decentralize everything!!")),
            "UXE7GvtEk8XTXs1GF8HSGbVA9FCX9SEBPe");

  EXPECT_EQ(*base58btc_decode("7paNL19xttacUY"), kYesMani);
  EXPECT_EQ(*base58btc_decode("17paNL19xttacUY"), kYesManiZero);
  EXPECT_EQ(*base58btc_decode("117paNL19xttacUY"), kYesManiTwoZeros);
  EXPECT_EQ(*base58btc_decode("UXE7GvtEk8XTXs1GF8HSGbVA9FCX9SEBPe"),
            text("Decentralize everything!!"));
}

TEST(MfBase58, MultihashReadmeAndPeerIdVectors) {
  const struct {
    const char* b58;
    const char* hex;
  } vectors[] = {
      {"5dsgvJGnvAfiR3K6HCBc4hcokSfmjj", "111488c2f11fb2ce392acb5b2986e640211c4690073e"},
      {"QmYtUc4iTCbbfVSDNKvtQqrfyezPPnFvE33wFmutw9PBBk",
       "12209cbc07c3f991725836a3aa2a581ca2029198aa420b9d99bc0e131d9f3e2cbe47"},
      {"QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC",
       "1220d52ebb89d85b02a284948203a62ff28389c57c9f42beec4ec20db76a68911c0b"},
      {"QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN",
       "122006b3608aa000274049eb28ad8e793a26ff6fab281a7d3bd77cd18eb745dfaabb"},
  };
  for (const auto& v : vectors) {
    EXPECT_EQ(base58btc_encode(from_hex(v.hex)), v.b58);
    auto decoded = base58btc_decode(v.b58);
    ASSERT_TRUE(decoded.ok()) << v.b58;
    EXPECT_EQ(to_hex(*decoded), v.hex);
  }
}

TEST(MfBase58, EmptyAndAllZero) {
  EXPECT_EQ(base58btc_encode({}), "");
  EXPECT_TRUE(base58btc_decode("")->empty());
  EXPECT_EQ(base58btc_encode(Bytes{0, 0, 0}), "111");
  EXPECT_EQ(*base58btc_decode("111"), (Bytes{0, 0, 0}));
}

TEST(MfBase58, RejectsCharactersOutsideAlphabet) {
  for (const char* bad :
       {"0", "O", "I", "l", "7paNL19xtt0cUY", " 7pa", "7pa ", "+", "z\n", "\xc3\xa9"}) {
    EXPECT_FALSE(base58btc_decode(bad).ok()) << bad;
  }
  EXPECT_FALSE(base58btc_decode(std::string_view("12\0"
                                                 "3",
                                                 4))
                   .ok());
}

TEST(MfBase58, BoundsInputLength) {
  const std::string at_limit(detail::kMaxBaseXDecodeChars, 'z');
  EXPECT_TRUE(base58btc_decode(at_limit).ok());
  const std::string over_limit(detail::kMaxBaseXDecodeChars + 1, 'z');
  EXPECT_FALSE(base58btc_decode(over_limit).ok());
  EXPECT_FALSE(base58btc_decode(std::string(1'000'000, '1')).ok());
}

// --- base32 ---------------------------------------------------------------------------------

TEST(MfBase32, Rfc4648Vectors) {
  // RFC 4648 §10, lower-cased and without the '=' padding.
  const struct {
    const char* plain;
    const char* encoded;
  } vectors[] = {{"", ""},
                 {"f", "my"},
                 {"fo", "mzxq"},
                 {"foo", "mzxw6"},
                 {"foob", "mzxw6yq"},
                 {"fooba", "mzxw6ytb"},
                 {"foobar", "mzxw6ytboi"}};
  for (const auto& v : vectors) {
    EXPECT_EQ(base32_encode(text(v.plain)), v.encoded);
    auto decoded = base32_decode(v.encoded);
    ASSERT_TRUE(decoded.ok()) << v.encoded;
    EXPECT_EQ(*decoded, text(v.plain));
  }
  EXPECT_EQ(base32_encode_upper(text("foobar")), "MZXW6YTBOI");
}

TEST(MfBase32, DecodeIsCaseInsensitive) {
  EXPECT_EQ(*base32_decode("MZXW6YTBOI"), text("foobar"));
  EXPECT_EQ(*base32_decode("mZxW6yTbOi"), text("foobar"));
  // The multihash README's sha1("multihash") in (padded, upper-case) base32, padding removed.
  EXPECT_EQ(to_hex(*base32_decode("CEKIRQXRD6ZM4OJKZNNSTBXGIAQRYRUQA47A")),
            "111488c2f11fb2ce392acb5b2986e640211c4690073e");
}

TEST(MfBase32, RejectsMalformed) {
  for (const char* bad : {
           "my======",  // padding is not part of multibase 'b'
           "m",         // 5 bits: no whole byte
           "mzx",       // 15 bits: a spare character
           "mzxw6y",    // 30 bits: a spare character
           "mz",        // "f" is "my": the 2 unused bits of 'z' are not zero
           "mzxr",      // "fo" is "mzxq": non-zero trailing bit
           "m1",        // '1' is not in the RFC 4648 alphabet (base32hex would be)
           "m8",
           "m0",
           "my ",
           "m-y",
       }) {
    EXPECT_FALSE(base32_decode(bad).ok()) << bad;
  }
}

// --- base64url ------------------------------------------------------------------------------

TEST(MfBase64Url, Rfc4648Vectors) {
  // RFC 4648 §10 base64 vectors (no '+' or '/' occurs in them), padding removed.
  const struct {
    const char* plain;
    const char* encoded;
  } vectors[] = {{"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
                 {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& v : vectors) {
    EXPECT_EQ(base64url_encode(text(v.plain)), v.encoded);
    auto decoded = base64url_decode(v.encoded);
    ASSERT_TRUE(decoded.ok()) << v.encoded;
    EXPECT_EQ(*decoded, text(v.plain));
  }
}

TEST(MfBase64Url, RejectsMalformed) {
  for (const char* bad : {"Zg==", "Z", "Zh", "Zm9", "Zm+v", "Zm/v", "Zm9v Yg", "Zm9vY"}) {
    EXPECT_FALSE(base64url_decode(bad).ok()) << bad;
  }
}

// --- multibase ------------------------------------------------------------------------------

TEST(MfMultibase, BasicCsv) {
  // tests/basic.csv: "yes mani !"
  const struct {
    Multibase base;
    const char* encoded;
  } vectors[] = {
      {Multibase::base16, "f796573206d616e692021"},
      {Multibase::base16_upper, "F796573206D616E692021"},
      {Multibase::base32, "bpfsxgidnmfxgsibb"},
      {Multibase::base32_upper, "BPFSXGIDNMFXGSIBB"},
      {Multibase::base36, "k2lcpzo5yikidynfl"},
      {Multibase::base36_upper, "K2LCPZO5YIKIDYNFL"},
      {Multibase::base58btc, "z7paNL19xttacUY"},
      {Multibase::base64url, "ueWVzIG1hbmkgIQ"},
  };
  for (const auto& v : vectors) {
    EXPECT_EQ(multibase_encode(v.base, kYesMani), v.encoded);
    auto decoded = multibase_decode_detailed(v.encoded);
    ASSERT_TRUE(decoded.ok()) << v.encoded;
    EXPECT_EQ(decoded->data, kYesMani) << v.encoded;
    EXPECT_EQ(decoded->base, v.base) << v.encoded;
  }
}

TEST(MfMultibase, LeadingZeroCsvs) {
  // tests/leading_zero.csv and tests/two_leading_zeros.csv
  const struct {
    Multibase base;
    const char* one_zero;
    const char* two_zeros;
  } vectors[] = {
      {Multibase::base16, "f00796573206d616e692021", "f0000796573206d616e692021"},
      {Multibase::base32, "bab4wk4zanvqw42jaee", "baaahszltebwwc3tjeaqq"},
      {Multibase::base36, "k02lcpzo5yikidynfl", "k002lcpzo5yikidynfl"},
      {Multibase::base58btc, "z17paNL19xttacUY", "z117paNL19xttacUY"},
      {Multibase::base64url, "uAHllcyBtYW5pICE", "uAAB5ZXMgbWFuaSAh"},
  };
  for (const auto& v : vectors) {
    EXPECT_EQ(multibase_encode(v.base, kYesManiZero), v.one_zero);
    EXPECT_EQ(multibase_encode(v.base, kYesManiTwoZeros), v.two_zeros);
    EXPECT_EQ(*multibase_decode(v.one_zero), kYesManiZero) << v.one_zero;
    EXPECT_EQ(*multibase_decode(v.two_zeros), kYesManiTwoZeros) << v.two_zeros;
  }
}

TEST(MfMultibase, Test1Csv) {
  // tests/test1.csv: "Decentralize everything!!"
  const Bytes plain = text("Decentralize everything!!");
  EXPECT_EQ(multibase_encode(Multibase::base32, plain),
            "birswgzloorzgc3djpjssazlwmvzhs5dinfxgoijb");
  EXPECT_EQ(multibase_encode(Multibase::base36, plain), "k343ixo7d49hqj1ium15pgy1wzww5fxrid21td7l");
  EXPECT_EQ(multibase_encode(Multibase::base58btc, plain), "zUXE7GvtEk8XTXs1GF8HSGbVA9FCX9SEBPe");
  EXPECT_EQ(multibase_encode(Multibase::base64url, plain), "uRGVjZW50cmFsaXplIGV2ZXJ5dGhpbmchIQ");
  EXPECT_EQ(*multibase_decode("K343IXO7D49HQJ1IUM15PGY1WZWW5FXRID21TD7L"), plain);
}

TEST(MfMultibase, CaseInsensitivityCsv) {
  // tests/case_insensitivity.csv (its rows encode "hello world")
  const Bytes plain = text("hello world");
  for (const char* mixed :
       {"f68656c6c6f20776F726C64", "F68656c6c6f20776F726C64", "bnbswy3dpeB3W64TMMQ",
        "Bnbswy3dpeB3W64TMMQ", "kfUvrsIvVnfRbjWaJo", "KfUVrSIVVnFRbJWAJo"}) {
    auto decoded = multibase_decode(mixed);
    ASSERT_TRUE(decoded.ok()) << mixed;
    EXPECT_EQ(*decoded, plain) << mixed;
  }
}

TEST(MfMultibase, RejectsUnknownPrefixAndBadBodies) {
  for (const char* bad : {"", "m", "MeWVzIG1hbmkgIQ==", "?abc", "1abc", "Z7Pznk19XTTzBtx", "z0",
                          "b1", "bm", "uZg==", "f0", "fzz", "k!", "\x80"}) {
    EXPECT_FALSE(multibase_decode(bad).ok()) << bad;
  }
}

TEST(MfMultibase, EmptyPayload) {
  EXPECT_EQ(multibase_encode(Multibase::base32, {}), "b");
  auto decoded = multibase_decode("z");
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->empty());
}

}  // namespace
}  // namespace privstack::multiformats
