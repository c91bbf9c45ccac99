// A libp2p public key: the `PublicKey { Type, Data }` protobuf of libp2p/specs peer-ids/peer-ids.md
// plus signature verification for the four key types.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/key_type.h"

namespace privstack::crypto {

class PublicKey {
 public:
  /// Upper bound on an encoded PublicKey we parse. An 8192-bit RSA SPKI is about 1.1 KiB; the
  /// bound keeps a hostile peer from making us parse megabytes.
  static constexpr std::size_t kMaxProtobufSize = std::size_t{8} * 1024;

  /// Parses `PublicKey { Type, Data }` and validates Data for its type: Ed25519 32 bytes,
  /// secp256k1 a 33-byte compressed point on the curve, ECDSA a DER SPKI on P-256/P-384/P-521,
  /// RSA a DER SPKI of 2048..8192 bits. Unknown types, missing fields and oversize input fail.
  static Result<PublicKey> from_protobuf(ByteView encoded);
  /// Validates `data` as from_protobuf does; for callers that already know the type.
  static Result<PublicKey> from_type_and_data(KeyType type, ByteView data);
  /// An Ed25519 key from its 32 raw bytes (not checked to be a curve point: verify() fails then).
  static PublicKey ed25519(std::span<const std::uint8_t, 32> raw);

  KeyType type() const { return type_; }
  const Bytes& data() const { return data_; }
  /// Deterministic encoding (fields in tag order, minimal varints, Type always written), the
  /// bytes peer ids are derived from: `08 <type> 12 <len> <data>`.
  Bytes to_protobuf() const;

  /// Checks `signature` over `message` as libp2p defines it for the key type: Ed25519 (RFC 8032),
  /// ECDSA and secp256k1 DER signatures over SHA-256(message), RSA PKCS#1 v1.5 with SHA-256.
  /// Malformed signatures are simply invalid.
  bool verify(ByteView message, ByteView signature) const;

  /// By type, then data bytes; lets keys be map keys.
  auto operator<=>(const PublicKey&) const =
      default;  // NOLINT(modernize-use-nullptr): tidy misreads the synthesized "<=> 0"

 private:
  PublicKey(KeyType type, Bytes data) : type_(type), data_(std::move(data)) {}

  KeyType type_;
  Bytes data_;
};

}  // namespace privstack::crypto
