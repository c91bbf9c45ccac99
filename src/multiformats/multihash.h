// Multihash: <varint hash-function code><varint digest length><digest>.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>

#include "common/bytes.h"
#include "common/result.h"
#include "multiformats/multicodec.h"

namespace privstack::multiformats {

/// No digest we handle is longer (sha2-512 is 64); the bound keeps a hostile length from mattering.
inline constexpr std::size_t kMaxDigestLength = 128;

struct Multihash {
  std::uint64_t code = multicodec::identity;
  Bytes digest;

  Bytes encode() const;
  /// The whole input must be exactly one multihash: the declared length must match the bytes
  /// that follow, be at most kMaxDigestLength, and be 32 for sha2-256.
  static Result<Multihash> decode(ByteView in);

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy misreads the synthesized "<=> 0".
  auto operator<=>(const Multihash&) const = default;
};

}  // namespace privstack::multiformats
