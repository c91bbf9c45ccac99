// Content identifiers. libp2p uses CIDv1 with codec libp2p-key (0x72) as the newer text form of a
// peer id ("bafz..."); CIDv0 (a bare sha2-256 multihash, "Qm..." in base58btc) is recognised too.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "multiformats/multibase.h"
#include "multiformats/multihash.h"
#include "multiformats/varint.h"

namespace privstack::multiformats {

/// Binary CIDs longer than this cannot hold a multihash we accept (version + codec + code +
/// length varints + kMaxDigestLength digest), so they are refused before any decoding.
inline constexpr std::size_t kMaxCidBytes = 4 * kMaxVarintBytes + kMaxDigestLength;
/// Text bound for Cid::parse; generous for base16 of kMaxCidBytes plus a prefix.
inline constexpr std::size_t kMaxCidTextLength = 2 * kMaxCidBytes + 1;

struct Cid {
  std::uint64_t codec = multicodec::libp2p_key;
  Multihash hash;
  /// 1, or 0 for a CIDv0 (codec is then always dag-pb and hash a sha2-256).
  std::uint64_t version = 1;

  /// v1: <varint 1><varint codec><multihash>; v0: the bare multihash.
  Bytes encode() const;
  /// v1: multibase base32 ('b...'); v0: plain base58btc ('Qm...').
  std::string to_string() const;
  /// v1 in the given multibase; v0 always prints as plain base58btc.
  std::string to_string(Multibase base) const;

  /// Binary CID per the CID spec's decoding rules: 0x12 0x20 first means CIDv0, otherwise a
  /// version varint that must be 1. The multihash must use up the rest of the input.
  static Result<Cid> decode(ByteView in);
  /// Text CID: a 46-character "Qm..." string is CIDv0 in base58btc; anything else is multibase.
  static Result<Cid> parse(std::string_view text);

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy misreads the synthesized "<=> 0".
  auto operator<=>(const Cid&) const = default;
};

}  // namespace privstack::multiformats
