// Kademlia keys and XOR distance (libp2p/specs kad-dht; rust `kbucket/key.rs`): a KadKey is the
// SHA-256 of a key's bytes — the peer id multihash bytes for peers, the opaque record or provider
// key otherwise — and the distance of two keys is their 256-bit XOR, compared as a big-endian
// number. bucket_index() is the k-bucket a peer falls into relative to the local key.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "crypto/hash.h"
#include "crypto/peer_id.h"

namespace privstack::protocol::kad {

inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kNumBuckets = 256;

/// A 256-bit XOR distance, big-endian: bytes[0] is the most significant byte.
struct Distance {
  std::array<std::uint8_t, kKeyBytes> bytes{};

  auto operator<=>(const Distance&) const = default;
  bool is_zero() const;
  /// Number of leading zero bits (256 for the zero distance).
  std::size_t leading_zeros() const;
  /// Distance with only bit `index` set (index 0 = least significant): the lower bound of bucket
  /// `index`.
  static Distance power_of_two(std::size_t index);
  std::string to_hex() const;
};

class KadKey {
 public:
  /// SHA-256 of arbitrary key bytes (record keys, provider keys, FIND_NODE targets).
  static KadKey from_bytes(ByteView key);
  static KadKey from_peer(const crypto::PeerId& peer) { return from_bytes(peer.bytes()); }
  /// A key with this exact hash (for tests and refresh targets).
  static KadKey from_hash(const crypto::Sha256Digest& hash) { return KadKey(hash); }

  const crypto::Sha256Digest& hash() const { return hash_; }
  Distance distance(const KadKey& other) const;

  auto operator<=>(const KadKey&) const = default;

 private:
  explicit KadKey(const crypto::Sha256Digest& hash) : hash_(hash) {}
  crypto::Sha256Digest hash_{};
};

/// The k-bucket of a distance: 255 - leading_zeros, i.e. bucket i holds distances in
/// [2^i, 2^(i+1)). The zero distance (the local key itself) has no bucket.
std::optional<std::size_t> bucket_index(const Distance& distance);

/// Inclusive distance range [2^i, 2^(i+1) - 1] covered by bucket `index` (< kNumBuckets).
struct BucketRange {
  Distance low;
  Distance high;
};
BucketRange bucket_range(std::size_t index);

}  // namespace privstack::protocol::kad
