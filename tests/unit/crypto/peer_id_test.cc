#include <gtest/gtest.h>

#include <map>
#include <string>
#include <unordered_set>

#include <fmt/format.h>

#include "crypto/ed25519.h"
#include "crypto/peer_id.h"
#include "multiformats/base64.h"
#include "test_util.h"
#include "vectors.h"

namespace privstack::crypto {
namespace {

using testing::hex;
namespace v = vectors;

PublicKey decode_key(std::string_view hex_key) {
  auto key = PublicKey::from_protobuf(hex(hex_key));
  EXPECT_TRUE(key.ok());
  return *key;
}

PeerId parse(std::string_view text) {
  auto id = PeerId::parse(text);
  EXPECT_TRUE(id.ok()) << text << ": " << (id.ok() ? "" : id.error().message);
  return id.ok() ? *id : PeerId::from_public_key(decode_key(v::kSpecEd25519PublicKey));
}

// --- Derivation from keys (published peer ids) ------------------------------------------------

TEST(PeerId, Ed25519KeyFromGoFixture) {
  // js-libp2p ed25519.spec.ts: the go fixture key prints as 12D3KooWLqLx...
  PeerId id = PeerId::from_public_key(decode_key(v::kGoEd25519PublicKey));
  EXPECT_EQ(id.to_base58(), v::kGoEd25519PeerId);
  EXPECT_EQ(to_hex(id.bytes()), "0024" + std::string(v::kGoEd25519PublicKey));  // identity
}

TEST(PeerId, SpecEd25519Key) {
  EXPECT_EQ(PeerId::from_public_key(decode_key(v::kSpecEd25519PublicKey)).to_base58(),
            v::kSpecEd25519PeerId);
}

TEST(PeerId, Secp256k1KeyFromJsFixture) {
  PeerId id = PeerId::from_public_key(decode_key(v::kJsSecp256k1PublicKey));
  EXPECT_EQ(id.to_base58(), v::kJsSecp256k1PeerId);
  EXPECT_EQ(id.bytes()[0], 0x00);  // 37-byte key: inlined
}

TEST(PeerId, RsaKeyFromJsSampleIdIsSha256) {
  // sample-id.ts gives the key in standard base64; base64url of the same bytes differs only in
  // the alphabet and padding.
  std::string base64(v::kJsSampleRsaPublicKeyBase64);
  for (char& c : base64)
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!base64.empty() && base64.back() == '=')
    base64.pop_back();
  auto key_bytes = multiformats::base64url_decode(base64);
  ASSERT_TRUE(key_bytes.ok());
  auto key = PublicKey::from_protobuf(*key_bytes);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(key->type(), KeyType::rsa);
  PeerId id = PeerId::from_public_key(*key);
  EXPECT_EQ(to_hex(id.bytes()), v::kJsSampleRsaPeerIdHex);
  EXPECT_FALSE(id.inline_public_key().has_value());
  EXPECT_TRUE(id.matches(*key));
}

TEST(PeerId, EcdsaKeysFromGoAreSha256) {
  EXPECT_EQ(PeerId::from_public_key(decode_key(v::kGoEcdsaP384PublicKey)).to_base58(),
            v::kGoEcdsaP384PeerId);
  EXPECT_EQ(PeerId::from_public_key(decode_key(v::kGoEcdsaP521PublicKey)).to_base58(),
            v::kGoEcdsaP521PeerId);
  // The spec's P-256 key encodes to 95 bytes, over the 42-byte inline limit.
  PeerId p256 = PeerId::from_public_key(decode_key(v::kSpecEcdsaPublicKey));
  EXPECT_EQ(p256.bytes().size(), 34u);
  EXPECT_EQ(p256.bytes()[0], 0x12);
  EXPECT_TRUE(p256.to_base58().starts_with("Qm"));
}

// --- Text forms -------------------------------------------------------------------------------

TEST(PeerId, SpecExamplesParseInBothForms) {
  PeerId from_cid = parse(v::kSpecSha256PeerIdCid);
  PeerId from_base58 = parse(v::kSpecSha256PeerIdBase58);
  EXPECT_EQ(from_cid, from_base58);
  EXPECT_EQ(from_cid.to_base58(), v::kSpecSha256PeerIdBase58);
  EXPECT_EQ(from_base58.to_cid(), v::kSpecSha256PeerIdCid);

  PeerId ed = parse(v::kSpecEd25519PeerIdExample);
  EXPECT_EQ(ed.to_base58(), v::kSpecEd25519PeerIdExample);
  ASSERT_TRUE(ed.inline_public_key().has_value());
  EXPECT_EQ(ed.inline_public_key()->type(), KeyType::ed25519);
  EXPECT_TRUE(ed.matches(*ed.inline_public_key()));
  EXPECT_TRUE(ed.to_cid().starts_with("bafz"));
  EXPECT_EQ(parse(ed.to_cid()), ed);
}

TEST(PeerId, Secp256k1RoundTripsThroughText) {
  PeerId id = parse(v::kJsSecp256k1PeerId);
  EXPECT_EQ(id.to_base58(), v::kJsSecp256k1PeerId);
  EXPECT_EQ(parse(id.to_cid()), id);
  EXPECT_EQ(*id.inline_public_key(), decode_key(v::kJsSecp256k1PublicKey));
  EXPECT_EQ(id.to_string(), id.to_base58());
  EXPECT_EQ(fmt::format("{}", id), v::kJsSecp256k1PeerId);
}

TEST(PeerId, RejectsBadText) {
  for (std::string_view bad : {
           "",
           "12D3KooW",                                         // too short to be a multihash
           "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5",    // one character short
           "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N0",  // '0' is not base58
           "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqx",  // truncated CID
           // CIDv1 raw (0x55) codec with the same multihash: not a libp2p-key.
           "bafkreie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe",
           "zQmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N",  // multibase of a bare multihash
           "not a peer id",
       }) {
    EXPECT_FALSE(PeerId::parse(bad).ok()) << bad;
  }
  EXPECT_FALSE(PeerId::parse(std::string(10000, '1')).ok());
  EXPECT_FALSE(PeerId::parse(std::string(10000, 'b')).ok());
}

// --- Binary form ------------------------------------------------------------------------------

TEST(PeerId, FromBytesAcceptsValidMultihashes) {
  auto sha = PeerId::from_bytes(hex(v::kJsSampleRsaPeerIdHex));
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(to_hex(sha->bytes()), v::kJsSampleRsaPeerIdHex);
  auto inline_key = PeerId::from_bytes(hex("0024" + std::string(v::kGoEd25519PublicKey)));
  ASSERT_TRUE(inline_key.ok());
  EXPECT_EQ(inline_key->to_base58(), v::kGoEd25519PeerId);
}

TEST(PeerId, FromBytesRejectsInvalidMultihashes) {
  const std::string digest32(64, 'a');
  for (const std::string& bad : {
           std::string(""),
           "1220" + digest32.substr(2),                  // declared 32, 31 present
           "121f" + digest32.substr(2),                  // sha2-256 with a 31-byte digest
           "1220" + digest32 + "00",                     // trailing byte
           "1320" + digest32,                            // sha2-512 code with 32 bytes
           "1e20" + digest32,                            // blake3
           "0020" + digest32,                            // identity over 32 bytes that are no key
           std::string("0000"),                          // identity over nothing
           "002b" + std::string(86, '0'),                // identity over 43 bytes (limit is 42)
           "0024" + std::string("08041220") + digest32,  // identity over an unknown key type
       }) {
    EXPECT_FALSE(PeerId::from_bytes(hex(bad)).ok()) << bad;
  }
  EXPECT_FALSE(PeerId::from_bytes(Bytes(100000, 0x12)).ok());
}

TEST(PeerId, OrderingEqualityAndHash) {
  PeerId a = parse(v::kGoEd25519PeerId);
  PeerId b = parse(v::kJsSecp256k1PeerId);
  PeerId c = parse(v::kSpecSha256PeerIdBase58);
  EXPECT_EQ(a, parse(v::kGoEd25519PeerId));
  EXPECT_NE(a, b);
  EXPECT_LT(a, c);  // byte order: 00 24 ... < 12 20 ...

  std::unordered_set<PeerId> set{a, b, c, parse(v::kGoEd25519PeerId)};
  EXPECT_EQ(set.size(), 3u);
  EXPECT_TRUE(set.contains(b));
  std::map<PeerId, int> ordered{{c, 3}, {a, 1}, {b, 2}};
  EXPECT_EQ(ordered.begin()->first, a);
  EXPECT_EQ(std::hash<PeerId>{}(a), std::hash<PeerId>{}(parse(v::kGoEd25519PeerId)));
}

TEST(PeerId, GeneratedKeysRoundTrip) {
  for (int i = 0; i < 8; ++i) {
    Ed25519Keypair keypair = Ed25519Keypair::generate();
    PeerId id = keypair.peer_id();
    EXPECT_TRUE(id.to_base58().starts_with("12D3KooW"));
    EXPECT_EQ(parse(id.to_base58()), id);
    EXPECT_EQ(parse(id.to_cid()), id);
    auto from_bytes = PeerId::from_bytes(id.bytes());
    ASSERT_TRUE(from_bytes.ok());
    EXPECT_EQ(*from_bytes, id);
    EXPECT_EQ(*id.inline_public_key(), keypair.public_key());
  }
}

}  // namespace
}  // namespace privstack::crypto
