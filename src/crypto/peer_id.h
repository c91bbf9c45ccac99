// libp2p peer id: a multihash of the encoded public key (libp2p/specs peer-ids/peer-ids.md).
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/public_key.h"

namespace privstack::crypto {

class PeerId {
 public:
  /// Encoded keys up to this size are inlined with the identity multihash; larger ones hashed.
  static constexpr std::size_t kMaxInlineKeyLength = 42;

  /// identity multihash of key.to_protobuf() when it is <= 42 bytes (Ed25519, secp256k1), else
  /// sha2-256 of it (ECDSA, RSA).
  static PeerId from_public_key(const PublicKey& key);
  /// The binary form used in protobufs: a multihash that is either sha2-256 (32-byte digest) or
  /// identity over a decodable PublicKey of at most 42 bytes. Anything else is an error.
  static Result<PeerId> from_bytes(ByteView multihash);
  /// Text form: legacy base58btc multihash (`12D3KooW…`, `Qm…`, `16Uiu2…`) or a CIDv1 with the
  /// libp2p-key codec in any multibase the multiformats layer knows (`bafz…`).
  static Result<PeerId> parse(std::string_view text);

  const Bytes& bytes() const { return bytes_; }
  /// The legacy form every implementation displays and rust requires.
  std::string to_base58() const;
  std::string to_string() const { return to_base58(); }
  /// CIDv1, codec libp2p-key (0x72), base32 (`bafz…`).
  std::string to_cid() const;

  /// The key inside an identity multihash; nullopt for hashed peer ids.
  std::optional<PublicKey> inline_public_key() const;
  /// True if `key` is the key this peer id was derived from.
  bool matches(const PublicKey& key) const { return from_public_key(key) == *this; }

  auto operator<=>(const PeerId&) const =
      default;  // NOLINT(modernize-use-nullptr): tidy misreads the synthesized "<=> 0"

 private:
  explicit PeerId(Bytes bytes) : bytes_(std::move(bytes)) {}

  Bytes bytes_;
};

}  // namespace privstack::crypto

template <>
struct std::hash<privstack::crypto::PeerId> {
  std::size_t operator()(const privstack::crypto::PeerId& id) const noexcept {
    return std::hash<std::string_view>{}(privstack::as_chars(id.bytes()));
  }
};

/// Formats as the base58 text, so `fmt::format("{}", peer_id)` works in log lines.
template <>
struct fmt::formatter<privstack::crypto::PeerId> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const privstack::crypto::PeerId& id, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(id.to_base58(), ctx);
  }
};
