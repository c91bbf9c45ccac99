// Signed envelopes (libp2p/specs RFC 0002): a payload, its type, and the signer's public key,
// signed under a domain string so a signature made for one purpose is useless for another.
#pragma once

#include <cstddef>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/ed25519.h"
#include "crypto/peer_id.h"
#include "crypto/public_key.h"

namespace privstack::crypto {

/// Largest envelope open() parses. Peer records and vouchers are a few hundred bytes; identify
/// frames that carry them are capped at 4-8 KiB by every implementation.
inline constexpr std::size_t kMaxEnvelopeSize = std::size_t{64} * 1024;

/// An envelope as decoded, signature not yet checked.
struct SignedEnvelope {
  PublicKey public_key;
  Bytes payload_type;
  Bytes payload;
  Bytes signature;

  /// Parses the protobuf (public_key = 1, payload_type = 2, payload = 3, signature = 5). Bounded by
  /// kMaxEnvelopeSize; public_key and signature must be present.
  static Result<SignedEnvelope> decode(ByteView bytes);
  /// True if `signature` is the key's signature over the envelope's fields under `domain`.
  bool verify(std::string_view domain) const;
};

/// A verified envelope.
struct OpenedEnvelope {
  PublicKey public_key;
  PeerId peer_id;  // of public_key
  Bytes payload_type;
  Bytes payload;
};

/// The bytes that are signed: uvarint(len) ‖ domain ‖ uvarint(len) ‖ payload_type ‖ uvarint(len) ‖
/// payload.
Bytes envelope_signing_bytes(std::string_view domain, ByteView payload_type, ByteView payload);

/// Signs and encodes an envelope (all four fields written).
Bytes seal(const Ed25519Keypair& keypair, std::string_view domain, ByteView payload_type,
           ByteView payload);

/// Decodes `bytes` and checks the signature under `expected_domain`.
Result<OpenedEnvelope> open(ByteView bytes, std::string_view expected_domain);

}  // namespace privstack::crypto
