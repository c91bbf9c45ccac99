// Vectors: multihash README (sha1/sha2-256 of "multihash") and tests/values/test_cases.csv, the CID
// README (its zb2rhe5P... example and decoding algorithm), the libp2p peer-ids spec (bafzbeie5...
// and QmYyQSo1... are the same peer id), and peer ids from go-multiaddr's multiaddr_test.go.
#include <gtest/gtest.h>

#include <string>

#include "multiformats/base58.h"
#include "multiformats/cid.h"
#include "multiformats/multihash.h"

namespace privstack::multiformats {
namespace {

// --- multihash ------------------------------------------------------------------------------

TEST(MfMultihash, DecodesReadmeExamples) {
  auto sha1 = Multihash::decode(from_hex("111488c2f11fb2ce392acb5b2986e640211c4690073e"));
  ASSERT_TRUE(sha1.ok());
  EXPECT_EQ(sha1->code, 0x11u);
  EXPECT_EQ(to_hex(sha1->digest), "88c2f11fb2ce392acb5b2986e640211c4690073e");

  const char* sha256_hex = "12209cbc07c3f991725836a3aa2a581ca2029198aa420b9d99bc0e131d9f3e2cbe47";
  auto sha256 = Multihash::decode(from_hex(sha256_hex));
  ASSERT_TRUE(sha256.ok());
  EXPECT_EQ(sha256->code, multicodec::sha2_256);
  EXPECT_EQ(sha256->digest.size(), 32u);
  EXPECT_EQ(to_hex(sha256->encode()), sha256_hex);
}

TEST(MfMultihash, DecodesTestCasesCsv) {
  // Full-length rows of tests/values/test_cases.csv (sha1-160, sha2-256-256, sha2-512-512).
  for (const char* hex :
       {"1114e861e452cfd84dca9a176258c3d06e020a0c93d8",
        "1220ffb31f07aa15348368c90c73a834dbf9f8710365860fa0fd4ddce9ac2782cc17",
        "1340abffa1926b038a2f1833092d93859ba2ee56e07a86b158200fc7d4d5d1eaf350b0f0e511ea6f5043a9f4a7"
        "c7886f93355652114709d75b2db4c33741124fd4fe"}) {
    auto mh = Multihash::decode(from_hex(hex));
    ASSERT_TRUE(mh.ok()) << hex << ": " << mh.error().message;
    EXPECT_EQ(to_hex(mh->encode()), hex);
  }
}

TEST(MfMultihash, IdentityPeerId) {
  // 12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA from the peer-ids spec: an identity
  // multihash of the 36-byte protobuf-encoded Ed25519 public key.
  auto bytes = base58btc_decode("12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA");
  ASSERT_TRUE(bytes.ok());
  auto mh = Multihash::decode(*bytes);
  ASSERT_TRUE(mh.ok());
  EXPECT_EQ(mh->code, multicodec::identity);
  EXPECT_EQ(mh->digest.size(), 36u);
  EXPECT_EQ(to_hex(Bytes(mh->digest.begin(), mh->digest.begin() + 4)), "08011220");
  EXPECT_EQ(mh->encode(), *bytes);
}

TEST(MfMultihash, RejectsMalformed) {
  const std::string good = "1220ffb31f07aa15348368c90c73a834dbf9f8710365860fa0fd4ddce9ac2782cc17";
  const struct {
    std::string hex;
    const char* why;
  } cases[] = {
      {"", "empty"},
      {"12", "no length"},
      {good + "00", "trailing byte"},
      {good.substr(0, good.size() - 2), "truncated digest"},
      // test_cases.csv has truncated sha2-256 digests; peer ids and certhashes never use them.
      {"120affb31f07aa15348368c9", "sha2-256 truncated to 80 bits"},
      {"1221" + std::string(66, 'f'), "sha2-256 with 33-byte digest (go-multiaddr QmxoHT6...)"},
      {"800000", "non-minimal code"},
      {"008000", "non-minimal length"},
      {"00ffffffffffffffffff01", "length varint too long"},
      {"008101" + std::string(258, 'a'), "identity digest over 128 bytes"},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(Multihash::decode(from_hex(c.hex)).ok()) << c.why;
  }
  EXPECT_FALSE(Multihash::decode(ByteView{}).ok());
}

TEST(MfMultihash, AcceptsIdentityUpToBound) {
  const Multihash mh{multicodec::identity, Bytes(kMaxDigestLength, 0xab)};
  auto back = Multihash::decode(mh.encode());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, mh);
}

// --- CID -------------------------------------------------------------------------------------

TEST(MfCid, PeerIdsSpecExample) {
  const char* v1 = "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe";
  const char* legacy = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";
  auto cid = Cid::parse(v1);
  ASSERT_TRUE(cid.ok()) << cid.error().message;
  EXPECT_EQ(cid->version, 1u);
  EXPECT_EQ(cid->codec, multicodec::libp2p_key);
  EXPECT_EQ(cid->hash.code, multicodec::sha2_256);
  EXPECT_EQ(base58btc_encode(cid->hash.encode()), legacy);
  EXPECT_EQ(cid->to_string(), v1);

  // And back: the legacy multihash wrapped as a libp2p-key CIDv1.
  auto hash = Multihash::decode(*base58btc_decode(legacy));
  ASSERT_TRUE(hash.ok());
  const Cid built{multicodec::libp2p_key, *hash};
  EXPECT_EQ(built.to_string(), v1);
  EXPECT_EQ(built, *cid);
}

TEST(MfCid, GoMultiaddrPeerIdCids) {
  // go-multiaddr lists these /p2p/ values as valid; each is the CID form of a listed base58 id.
  const struct {
    const char* cid;
    const char* legacy;
  } pairs[] = {
      {"bafzbeigvf25ytwc3akrijfecaotc74udrhcxzh2cx3we5qqnw5vgrei4bm",
       "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC"},
      {"bafzaajaiaejcalj543iwv2d7pkjt7ykvefrkfu7qjfi6sduakhso4lay6abn2d5u",
       "12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV"},
      {"k2k4r8oqamigqdo6o7hsbfwd45y70oyynp98usk7zmyfrzpqxh1pohl7",
       "QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC"},
      {"k51qzi5uqu5dhb6l8spkdx7yxafegfkee5by8h7lmjh2ehc2sgg34z7c15vzqs",
       "12D3KooWCryG7Mon9orvQxcS1rYZjotPgpwoJNHHKcLLfE4Hf5mV"},
  };
  for (const auto& p : pairs) {
    auto cid = Cid::parse(p.cid);
    ASSERT_TRUE(cid.ok()) << p.cid << ": " << cid.error().message;
    EXPECT_EQ(cid->codec, multicodec::libp2p_key);
    EXPECT_EQ(base58btc_encode(cid->hash.encode()), p.legacy);
    if (p.cid[0] == 'k') {
      EXPECT_EQ(cid->to_string(Multibase::base36), p.cid);
    } else {
      EXPECT_EQ(cid->to_string(), p.cid);
    }
  }
}

TEST(MfCid, CidReadmeExample) {
  // "base58btc - cidv1 - raw - sha2-256-256-6e6ff795..."
  auto cid = Cid::parse("zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA");
  ASSERT_TRUE(cid.ok()) << cid.error().message;
  EXPECT_EQ(cid->version, 1u);
  EXPECT_EQ(cid->codec, multicodec::raw);
  EXPECT_EQ(cid->hash.code, multicodec::sha2_256);
  EXPECT_EQ(to_hex(cid->hash.digest),
            "6e6ff7950a36187a801613426e858dce686cd7d7e3c0fc42ee0330072d245c95");
  EXPECT_EQ(cid->to_string(Multibase::base58btc),
            "zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA");
}

TEST(MfCid, CidV0) {
  const char* v0 = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";
  auto cid = Cid::parse(v0);
  ASSERT_TRUE(cid.ok()) << cid.error().message;
  EXPECT_EQ(cid->version, 0u);
  EXPECT_EQ(cid->codec, multicodec::dag_pb);
  EXPECT_EQ(cid->to_string(), v0);
  EXPECT_EQ(cid->encode(), *base58btc_decode(v0));

  auto binary = Cid::decode(cid->encode());
  ASSERT_TRUE(binary.ok());
  EXPECT_EQ(*binary, *cid);
}

TEST(MfCid, BinaryRoundTrip) {
  auto cid = Cid::parse("bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe");
  ASSERT_TRUE(cid.ok());
  const Bytes encoded = cid->encode();
  EXPECT_EQ(to_hex(encoded).substr(0, 8), "01721220");
  auto back = Cid::decode(encoded);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *cid);
}

TEST(MfCid, RejectsMalformed) {
  for (const char* bad : {
           "",
           "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqx",    // truncated
           "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxea",  // extra char
           "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqx1",   // bad char
           "mAXASIA",                                        // unsupported multibase (base64)
           "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5",  // 45 chars: not CIDv0
           // CID spec: a multibase-decoded CID starting 0x12 is an error (no CIDv0 in multibase).
           "zQmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N",
       }) {
    EXPECT_FALSE(Cid::parse(bad).ok()) << bad;
  }
  EXPECT_FALSE(Cid::parse(std::string(kMaxCidTextLength + 1, 'b')).ok());

  for (const char* hex : {
           "",            // empty
           "02721220",    // reserved version 2
           "00721220",    // explicit version 0
           "0172",        // no multihash
           "01721220ff",  // truncated digest
           "8001721220",  // non-minimal version
           "0172122000",  // sha2-256 with wrong length
       }) {
    EXPECT_FALSE(Cid::decode(from_hex(hex)).ok()) << hex;
  }
  EXPECT_FALSE(Cid::decode(Bytes(kMaxCidBytes + 1, 0x01)).ok());
}

}  // namespace
}  // namespace privstack::multiformats
