#include <gtest/gtest.h>

#include <string>

#include "crypto/ed25519.h"
#include "test_util.h"
#include "vectors.h"

namespace privstack::crypto {
namespace {

using testing::flip_bit;
using testing::hex;
using testing::text;
namespace v = vectors;

Ed25519Keypair load(std::string_view hex_key) {
  auto keypair = Ed25519Keypair::from_protobuf(hex(hex_key));
  EXPECT_TRUE(keypair.ok()) << (keypair.ok() ? "" : keypair.error().message);
  return keypair.ok() ? std::move(*keypair) : Ed25519Keypair::generate();
}

TEST(Ed25519Keypair, SpecPrivateKeyVector) {
  // peer-ids.md: "Implementations SHOULD check that they can produce the provided public key from
  // the private key."
  Ed25519Keypair keypair = load(v::kSpecEd25519PrivateKey);
  EXPECT_EQ(to_hex(keypair.public_key().to_protobuf()), v::kSpecEd25519PublicKey);
  EXPECT_EQ(to_hex(keypair.to_protobuf()), v::kSpecEd25519PrivateKey);
  EXPECT_EQ(keypair.peer_id().to_base58(), v::kSpecEd25519PeerId);
}

TEST(Ed25519Keypair, SignaturesMatchGoByteForByte) {
  // Ed25519 signatures are deterministic, so signing go's fixture message with go's fixture key
  // must reproduce go's signature exactly.
  Ed25519Keypair keypair = load(v::kGoEd25519PrivateKey);
  EXPECT_EQ(to_hex(keypair.public_key().to_protobuf()), v::kGoEd25519PublicKey);
  EXPECT_EQ(keypair.peer_id().to_base58(), v::kGoEd25519PeerId);
  const Bytes signature = keypair.sign(text(v::kJsFixtureMessage));
  EXPECT_EQ(to_hex(signature), v::kGoEd25519Signature);
}

TEST(Ed25519Keypair, FromSeedDerivesThePublicKey) {
  const Bytes encoded = hex(v::kSpecEd25519PrivateKey);
  auto keypair = Ed25519Keypair::from_seed(ByteView(encoded).subspan(4, 32));
  ASSERT_TRUE(keypair.ok()) << keypair.error().message;
  EXPECT_EQ(to_hex(keypair->public_key_bytes()), to_hex(ByteView(encoded).subspan(36, 32)));
  EXPECT_FALSE(Ed25519Keypair::from_seed(ByteView(encoded).subspan(4, 31)).ok());
  EXPECT_FALSE(Ed25519Keypair::from_seed(ByteView(encoded).subspan(4, 33)).ok());
  EXPECT_FALSE(Ed25519Keypair::from_seed({}).ok());
}

TEST(Ed25519Keypair, GenerateSignVerifyRoundTrip) {
  Ed25519Keypair a = Ed25519Keypair::generate();
  Ed25519Keypair b = Ed25519Keypair::generate();
  EXPECT_NE(a.public_key(), b.public_key());

  const Bytes message = text("privstack relay");
  const Bytes signature = a.sign(message);
  ASSERT_EQ(signature.size(), Ed25519Keypair::kSignatureSize);
  EXPECT_TRUE(a.public_key().verify(message, signature));
  EXPECT_FALSE(b.public_key().verify(message, signature));
  EXPECT_FALSE(a.public_key().verify(text("privstack relay!"), signature));
  EXPECT_TRUE(a.public_key().verify({}, a.sign({})));

  const Bytes encoded = a.to_protobuf();
  ASSERT_EQ(encoded.size(), Ed25519Keypair::kProtobufSize);
  EXPECT_EQ(to_hex(ByteView(encoded).first(4)), "08011240");
  auto reloaded = Ed25519Keypair::from_protobuf(encoded);
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  EXPECT_EQ(reloaded->peer_id(), a.peer_id());
  EXPECT_EQ(reloaded->sign(message), signature);  // deterministic, same key
}

TEST(Ed25519Keypair, CopiesShareTheKey) {
  Ed25519Keypair original = load(v::kSpecEd25519PrivateKey);
  Ed25519Keypair copy = original;
  Ed25519Keypair moved = std::move(copy);
  EXPECT_EQ(moved.peer_id(), original.peer_id());
  EXPECT_EQ(moved.sign(text("x")), original.sign(text("x")));
  Ed25519Keypair assigned = Ed25519Keypair::generate();
  assigned = original;
  EXPECT_EQ(assigned.to_protobuf(), original.to_protobuf());
}

TEST(Ed25519Keypair, RejectsWrongDataLengths) {
  const Bytes spec = hex(v::kSpecEd25519PrivateKey);
  Bytes short_data{0x08, 0x01, 0x12, 0x3f};  // 63 bytes
  short_data.insert(short_data.end(), spec.begin() + 4, spec.end() - 1);
  EXPECT_FALSE(Ed25519Keypair::from_protobuf(short_data).ok());
  Bytes long_data{0x08, 0x01, 0x12, 0x41};  // 65 bytes
  long_data.insert(long_data.end(), spec.begin() + 4, spec.end());
  long_data.push_back(0x00);
  EXPECT_FALSE(Ed25519Keypair::from_protobuf(long_data).ok());
  Bytes seed_only{0x08, 0x01, 0x12, 0x20};  // 32 bytes
  seed_only.insert(seed_only.end(), spec.begin() + 4, spec.begin() + 36);
  EXPECT_FALSE(Ed25519Keypair::from_protobuf(seed_only).ok());
}

TEST(Ed25519Keypair, RejectsLegacy96ByteForm) {
  // js-libp2p's go-key-ed25519 `redundantPubKey` (seed‖pub‖pub): rust refuses it, and so do we.
  auto keypair = Ed25519Keypair::from_protobuf(hex(v::kGoEd25519RedundantPrivateKey));
  ASSERT_FALSE(keypair.ok());
  EXPECT_NE(keypair.error().message.find("96"), std::string::npos) << keypair.error().message;
}

TEST(Ed25519Keypair, RejectsMismatchedPublicHalf) {
  for (std::size_t index : {36u, 50u, 67u}) {
    auto keypair = Ed25519Keypair::from_protobuf(flip_bit(hex(v::kSpecEd25519PrivateKey), index));
    ASSERT_FALSE(keypair.ok()) << index;
    EXPECT_NE(keypair.error().message.find("does not match"), std::string::npos);
  }
  // A changed seed no longer matches the stored public key either.
  EXPECT_FALSE(Ed25519Keypair::from_protobuf(flip_bit(hex(v::kSpecEd25519PrivateKey), 4)).ok());
}

TEST(Ed25519Keypair, RejectsOtherKeyTypesAndGarbage) {
  EXPECT_FALSE(Ed25519Keypair::from_protobuf(hex(v::kSpecSecp256k1PrivateKey)).ok());
  EXPECT_FALSE(Ed25519Keypair::from_protobuf(hex(v::kSpecEcdsaPrivateKey)).ok());
  EXPECT_FALSE(Ed25519Keypair::from_protobuf(hex(v::kSpecEd25519PublicKey)).ok());  // 32 bytes
  // Type field says secp256k1 but Data has the Ed25519 layout.
  Bytes wrong_type = hex(v::kSpecEd25519PrivateKey);
  wrong_type[1] = 0x02;
  EXPECT_FALSE(Ed25519Keypair::from_protobuf(wrong_type).ok());
  const Bytes spec = hex(v::kSpecEd25519PrivateKey);
  for (std::size_t n = 0; n < spec.size(); ++n) {
    EXPECT_FALSE(Ed25519Keypair::from_protobuf(ByteView(spec).first(n)).ok()) << n;
  }
  EXPECT_FALSE(Ed25519Keypair::from_protobuf(Bytes(1 << 20, 0x08)).ok());
}

}  // namespace
}  // namespace privstack::crypto
