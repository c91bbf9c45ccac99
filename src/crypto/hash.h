// SHA-256, the only hash libp2p identities need (peer ids of large keys, ECDSA/secp256k1 digests).
#pragma once

#include <array>
#include <cstdint>

#include "common/bytes.h"

namespace privstack::crypto {

inline constexpr std::size_t kSha256Size = 32;
using Sha256Digest = std::array<std::uint8_t, kSha256Size>;

Sha256Digest sha256(ByteView data);

}  // namespace privstack::crypto
