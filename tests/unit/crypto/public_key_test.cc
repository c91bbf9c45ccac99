#include <gtest/gtest.h>

#include <string_view>

#include "crypto/public_key.h"
#include "test_util.h"
#include "vectors.h"

namespace privstack::crypto {
namespace {

using testing::flip_bit;
using testing::hex;
using testing::text;
namespace v = vectors;

PublicKey decode(std::string_view hex_key) {
  auto key = PublicKey::from_protobuf(hex(hex_key));
  EXPECT_TRUE(key.ok()) << (key.ok() ? "" : key.error().message);
  return key.ok() ? *key : PublicKey::ed25519(std::array<std::uint8_t, 32>{});
}

// --- Encoding ---------------------------------------------------------------------------------

TEST(PublicKey, SpecVectorsDecodeAndReencodeExactly) {
  struct Case {
    std::string_view hex_key;
    KeyType type;
  };
  for (const Case& c :
       {Case{v::kSpecEd25519PublicKey, KeyType::ed25519},
        Case{v::kSpecSecp256k1PublicKey, KeyType::secp256k1},
        Case{v::kSpecEcdsaPublicKey, KeyType::ecdsa}, Case{v::kSpecRsaPublicKey, KeyType::rsa}}) {
    SCOPED_TRACE(key_type_name(c.type));
    auto key = PublicKey::from_protobuf(hex(c.hex_key));
    ASSERT_TRUE(key.ok()) << key.error().message;
    EXPECT_EQ(key->type(), c.type);
    EXPECT_EQ(to_hex(key->to_protobuf()), c.hex_key);
  }
}

TEST(PublicKey, Ed25519FromRawBytes) {
  Bytes raw = hex(v::kSpecEd25519PublicKey);
  std::array<std::uint8_t, 32> data{};
  std::copy(raw.end() - 32, raw.end(), data.begin());
  PublicKey key = PublicKey::ed25519(data);
  EXPECT_EQ(key.type(), KeyType::ed25519);
  EXPECT_EQ(to_hex(key.to_protobuf()), v::kSpecEd25519PublicKey);
  EXPECT_EQ(key, decode(v::kSpecEd25519PublicKey));
}

TEST(PublicKey, FromTypeAndDataValidates) {
  Bytes spki = hex(v::kSpecEcdsaPublicKey);
  spki.erase(spki.begin(), spki.begin() + 4);  // drop 08 03 12 5b
  EXPECT_TRUE(PublicKey::from_type_and_data(KeyType::ecdsa, spki).ok());
  EXPECT_FALSE(PublicKey::from_type_and_data(KeyType::rsa, spki).ok());
  EXPECT_FALSE(PublicKey::from_type_and_data(KeyType::ed25519, spki).ok());
  EXPECT_FALSE(PublicKey::from_type_and_data(static_cast<KeyType>(7), spki).ok());
}

TEST(PublicKey, FieldOrderAndUnknownFieldsAreNormalised) {
  // Data before Type, plus an unknown field 3: decodes (protobuf semantics), re-encodes
  // canonically.
  Bytes reordered =
      hex("1220"
          "1ed1e8fae2c4a144b8be8fd4b47bf3d3b34b871c3cacf6010f0e42d474fce27e"
          "0801"
          "1801");
  auto key = PublicKey::from_protobuf(reordered);
  ASSERT_TRUE(key.ok()) << key.error().message;
  EXPECT_EQ(to_hex(key->to_protobuf()), v::kSpecEd25519PublicKey);
}

TEST(PublicKey, OrderingAndEquality) {
  PublicKey ed = decode(v::kSpecEd25519PublicKey);
  PublicKey secp = decode(v::kSpecSecp256k1PublicKey);
  PublicKey rsa = decode(v::kSpecRsaPublicKey);
  EXPECT_EQ(ed, decode(v::kSpecEd25519PublicKey));
  EXPECT_NE(ed, secp);
  EXPECT_LT(rsa, ed);   // by type first: RSA = 0 < Ed25519 = 1
  EXPECT_LT(ed, secp);  // Ed25519 = 1 < Secp256k1 = 2
}

// --- Malformed input --------------------------------------------------------------------------

TEST(PublicKey, RejectsEveryTruncation) {
  for (std::string_view vector : {v::kSpecEd25519PublicKey, v::kSpecSecp256k1PublicKey,
                                  v::kSpecEcdsaPublicKey, v::kSpecRsaPublicKey}) {
    Bytes full = hex(vector);
    for (std::size_t n = 0; n < full.size(); ++n) {
      EXPECT_FALSE(PublicKey::from_protobuf(ByteView(full).first(n)).ok())
          << vector.substr(0, 8) << " truncated to " << n;
    }
  }
}

TEST(PublicKey, RejectsUnknownTypeAndMissingFields) {
  const std::string data32 = "1220" + std::string(64, 'a');
  EXPECT_FALSE(PublicKey::from_protobuf(hex("0804" + data32)).ok());    // KeyType 4
  EXPECT_FALSE(PublicKey::from_protobuf(hex("08ff01" + data32)).ok());  // KeyType 255
  EXPECT_FALSE(PublicKey::from_protobuf(hex(data32)).ok());             // no Type
  EXPECT_FALSE(PublicKey::from_protobuf(hex("0801")).ok());             // no Data
  EXPECT_FALSE(PublicKey::from_protobuf({}).ok());
  EXPECT_FALSE(PublicKey::from_protobuf(hex("0801122041")).ok());  // Data length past the end
}

TEST(PublicKey, RejectsWrongEd25519Lengths) {
  EXPECT_FALSE(PublicKey::from_protobuf(hex("0801121f" + std::string(62, 'a'))).ok());   // 31
  EXPECT_FALSE(PublicKey::from_protobuf(hex("08011221" + std::string(66, 'a'))).ok());   // 33
  EXPECT_FALSE(PublicKey::from_protobuf(hex("08011240" + std::string(128, 'a'))).ok());  // 64
  EXPECT_FALSE(PublicKey::from_protobuf(hex("08011200")).ok());                          // 0
}

TEST(PublicKey, RejectsBadSecp256k1Keys) {
  // A 65-byte uncompressed-form key is not accepted (only the 33-byte compressed form is).
  EXPECT_FALSE(PublicKey::from_protobuf(hex("08021241"
                                            "04" +
                                            std::string(128, '1')))
                   .ok());
  // x = 2^256 - 1 is not a field element.
  EXPECT_FALSE(PublicKey::from_protobuf(hex("08021221"
                                            "02" +
                                            std::string(64, 'f')))
                   .ok());
  // Bad prefix byte on otherwise valid x.
  Bytes key = hex(v::kSpecSecp256k1PublicKey);
  key[4] = 0x05;
  EXPECT_FALSE(PublicKey::from_protobuf(key).ok());
  EXPECT_FALSE(PublicKey::from_protobuf(hex("08021220" + std::string(64, '3'))).ok());  // 32 bytes
}

TEST(PublicKey, RejectsSmallRsaKey) {
  // js-libp2p's 512-bit go-key-rsa fixture: well-formed, but below the 2048-bit minimum.
  auto key = PublicKey::from_protobuf(hex(v::kGoRsa512PublicKey));
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("512"), std::string::npos) << key.error().message;
}

TEST(PublicKey, RejectsMismatchedOrNonCanonicalSpki) {
  Bytes ecdsa_spki = hex(v::kSpecEcdsaPublicKey);
  ecdsa_spki.erase(ecdsa_spki.begin(), ecdsa_spki.begin() + 4);
  Bytes rsa_spki = hex(v::kGoRsaPublicKey);
  rsa_spki.erase(rsa_spki.begin(), rsa_spki.begin() + 5);  // 08 00 12 a6 02
  EXPECT_TRUE(PublicKey::from_type_and_data(KeyType::rsa, rsa_spki).ok());
  EXPECT_FALSE(PublicKey::from_type_and_data(KeyType::ecdsa, rsa_spki).ok());
  EXPECT_FALSE(PublicKey::from_type_and_data(KeyType::rsa, ecdsa_spki).ok());

  Bytes trailing = ecdsa_spki;
  trailing.push_back(0x00);
  EXPECT_FALSE(PublicKey::from_type_and_data(KeyType::ecdsa, trailing).ok());
  Bytes garbage = ecdsa_spki;
  garbage[10] ^= 0xff;  // inside the algorithm OID
  EXPECT_FALSE(PublicKey::from_type_and_data(KeyType::ecdsa, garbage).ok());
  EXPECT_FALSE(PublicKey::from_type_and_data(KeyType::ecdsa, {}).ok());
}

TEST(PublicKey, RejectsOversizeInput) {
  // A syntactically valid protobuf whose Data is 9000 bytes: refused before parsing.
  Bytes huge = hex("080012a846");
  huge.resize(huge.size() + 9000, 0x30);
  auto key = PublicKey::from_protobuf(huge);
  ASSERT_FALSE(key.ok());
  EXPECT_NE(key.error().message.find("too large"), std::string::npos);
  // Just under the bound but not a key.
  Bytes big = hex("080012f83f");
  big.resize(big.size() + 8184, 0x30);
  EXPECT_FALSE(PublicKey::from_protobuf(big).ok());
}

// --- Signatures from other implementations ----------------------------------------------------

TEST(PublicKeyVerify, Ed25519GoVector) {
  PublicKey key = decode(v::kGoEd25519PublicKey);
  const Bytes message = text(v::kJsFixtureMessage);
  const Bytes signature = hex(v::kGoEd25519Signature);
  EXPECT_TRUE(key.verify(message, signature));
  EXPECT_FALSE(
      key.verify(text("hello! and welcome to some awesome crypto primitives."), signature));
  EXPECT_FALSE(key.verify(message, flip_bit(signature, 0)));
  EXPECT_FALSE(key.verify(message, flip_bit(signature, 63, 0x80)));
  EXPECT_FALSE(key.verify(message, ByteView(signature).first(63)));
  Bytes longer = signature;
  longer.push_back(0);
  EXPECT_FALSE(key.verify(message, longer));
  EXPECT_FALSE(key.verify(message, {}));
  // Another Ed25519 key does not verify it.
  EXPECT_FALSE(decode(v::kSpecEd25519PublicKey).verify(message, signature));
}

TEST(PublicKeyVerify, RsaGoFixtures) {
  {
    SCOPED_TRACE("go-libp2p test_data/0");
    PublicKey key = decode(v::kGoRsaPublicKey);
    const Bytes signature = hex(v::kGoRsaSignature);
    EXPECT_TRUE(key.verify(text(v::kGoFixtureMessage), signature));
    EXPECT_FALSE(key.verify(text("Libp2p is the _best_?"), signature));
    EXPECT_FALSE(key.verify(text(v::kGoFixtureMessage), flip_bit(signature, 100)));
    EXPECT_FALSE(key.verify(text(v::kGoFixtureMessage), ByteView(signature).first(255)));
    EXPECT_FALSE(key.verify(text(v::kGoFixtureMessage), {}));
    Bytes oversize(2048, 0x01);
    EXPECT_FALSE(key.verify(text(v::kGoFixtureMessage), oversize));
  }
  {
    SCOPED_TRACE("js-libp2p go-key-rsa verify");
    PublicKey key = decode(v::kGoRsa2PublicKey);
    EXPECT_TRUE(key.verify(hex(v::kGoRsa2Data), hex(v::kGoRsa2Signature)));
    EXPECT_FALSE(key.verify(flip_bit(hex(v::kGoRsa2Data), 5), hex(v::kGoRsa2Signature)));
  }
}

TEST(PublicKeyVerify, Secp256k1GoAndJsVectors) {
  PublicKey go_key = decode(v::kGoSecp256k1PublicKey);
  const Bytes go_message = text(v::kGoFixtureMessage);
  const Bytes go_signature = hex(v::kGoSecp256k1Signature);
  EXPECT_TRUE(go_key.verify(go_message, go_signature));
  EXPECT_TRUE(go_key.verify(go_message, hex(v::kGoSecp256k1SignatureHighS)));
  EXPECT_FALSE(go_key.verify(text("Libp2p is the _worst_!"), go_signature));
  EXPECT_FALSE(go_key.verify(go_message, flip_bit(go_signature, 20)));
  EXPECT_FALSE(go_key.verify(go_message, ByteView(go_signature).first(go_signature.size() - 1)));
  EXPECT_FALSE(go_key.verify(go_message, {}));
  EXPECT_FALSE(go_key.verify(go_message, Bytes(64, 0x11)));  // compact, not DER

  PublicKey js_key = decode(v::kJsSecp256k1PublicKey);
  EXPECT_TRUE(js_key.verify(text(v::kJsFixtureMessage), hex(v::kJsSecp256k1Signature)));
  EXPECT_FALSE(js_key.verify(go_message, go_signature));
}

TEST(PublicKeyVerify, EcdsaGoVectors) {
  struct Case {
    std::string_view name, key, signature;
  };
  for (const Case& c : {Case{"P-256", v::kGoEcdsaPublicKey, v::kGoEcdsaSignature},
                        Case{"P-384", v::kGoEcdsaP384PublicKey, v::kGoEcdsaP384Signature},
                        Case{"P-521", v::kGoEcdsaP521PublicKey, v::kGoEcdsaP521Signature}}) {
    SCOPED_TRACE(c.name);
    PublicKey key = decode(c.key);
    const Bytes message = text(v::kGoFixtureMessage);
    const Bytes signature = hex(c.signature);
    EXPECT_TRUE(key.verify(message, signature));
    EXPECT_FALSE(key.verify(text("Libp2p is the _best_"), signature));
    EXPECT_FALSE(key.verify(message, flip_bit(signature, signature.size() - 1)));
    EXPECT_FALSE(key.verify(message, ByteView(signature).first(signature.size() - 1)));
    EXPECT_FALSE(key.verify(message, {}));
    EXPECT_FALSE(key.verify(message, Bytes(1000, 0x30)));
  }
}

TEST(PublicKeyVerify, SignatureOfOneTypeDoesNotVerifyUnderAnother) {
  const Bytes message = text(v::kGoFixtureMessage);
  EXPECT_FALSE(decode(v::kGoEcdsaPublicKey).verify(message, hex(v::kGoSecp256k1Signature)));
  EXPECT_FALSE(decode(v::kGoSecp256k1PublicKey).verify(message, hex(v::kGoEcdsaSignature)));
  EXPECT_FALSE(decode(v::kGoRsaPublicKey).verify(message, hex(v::kGoEcdsaSignature)));
}

}  // namespace
}  // namespace privstack::crypto
