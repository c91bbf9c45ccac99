// Per-key-type parsing and verification behind PublicKey. Internal to the crypto layer.
#pragma once

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/key_type.h"

namespace privstack::crypto::detail {

inline constexpr std::size_t kEd25519KeySize = 32;
inline constexpr std::size_t kEd25519SignatureSize = 64;
inline constexpr std::size_t kSecp256k1KeySize = 33;
inline constexpr unsigned kMinRsaBits = 2048;
inline constexpr unsigned kMaxRsaBits = 8192;
/// A DER ECDSA signature on P-521 is at most 139 bytes; anything much longer is not one.
inline constexpr std::size_t kMaxDerEcdsaSignatureSize = 160;

/// ECDSA or RSA: `der` must be a DER SubjectPublicKeyInfo of that algorithm that GnuTLS re-encodes
/// to the same bytes (so trailing data and non-canonical DER are rejected, as go does).
Result<void> validate_spki(KeyType type, ByteView der);
bool verify_ed25519(ByteView key, ByteView message, ByteView signature);
bool verify_spki(KeyType type, ByteView der, ByteView message, ByteView signature);

Result<void> validate_secp256k1(ByteView key);
bool verify_secp256k1(ByteView key, ByteView message, ByteView signature);

}  // namespace privstack::crypto::detail
