// The relay's identity key: an Ed25519 keypair on GnuTLS, with rust-libp2p's key-file encoding.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/peer_id.h"
#include "crypto/public_key.h"

namespace privstack::crypto {

class Ed25519Keypair {
 public:
  static constexpr std::size_t kSeedSize = 32;
  static constexpr std::size_t kPublicKeySize = 32;
  static constexpr std::size_t kSignatureSize = 64;
  /// `08 01 12 40` + seed + public key.
  static constexpr std::size_t kProtobufSize = 4 + kSeedSize + kPublicKeySize;

  /// A fresh key from GnuTLS's key generator. Aborts if GnuTLS cannot generate one.
  static Ed25519Keypair generate();
  /// The keypair of a 32-byte RFC 8032 secret seed; the public key is derived from it.
  static Result<Ed25519Keypair> from_seed(ByteView seed);
  /// Parses a libp2p `PrivateKey { Type = Ed25519, Data = seed ‖ public }` (what rust's
  /// Keypair::to_protobuf_encoding, go's MarshalPrivateKey and js's privateKeyToProtobuf write).
  /// Data must be exactly 64 bytes and its public half must be the seed's public key; the legacy
  /// 96-byte form is rejected, as rust does.
  static Result<Ed25519Keypair> from_protobuf(ByteView encoded);

  Ed25519Keypair(const Ed25519Keypair&) = default;
  Ed25519Keypair& operator=(const Ed25519Keypair&) = default;
  Ed25519Keypair(Ed25519Keypair&&) noexcept = default;
  Ed25519Keypair& operator=(Ed25519Keypair&&) noexcept = default;
  ~Ed25519Keypair();

  /// RFC 8032 signature (deterministic, 64 bytes).
  Bytes sign(ByteView message) const;
  PublicKey public_key() const;
  PeerId peer_id() const;
  const std::array<std::uint8_t, kPublicKeySize>& public_key_bytes() const { return public_; }
  /// `08 01 12 40 <seed ‖ public>`, 68 bytes: the identity key file contents.
  Bytes to_protobuf() const;

 private:
  struct Signer;  // the GnuTLS private key, shared by copies (it is only read after creation)

  Ed25519Keypair(const std::array<std::uint8_t, kSeedSize>& seed,
                 const std::array<std::uint8_t, kPublicKeySize>& public_key,
                 std::shared_ptr<const Signer> signer);

  std::array<std::uint8_t, kSeedSize> seed_{};
  std::array<std::uint8_t, kPublicKeySize> public_{};
  std::shared_ptr<const Signer> signer_;
};

}  // namespace privstack::crypto
