// Signed peer records: a peer's listen addresses in a signed envelope. go and js use domain
// `libp2p-peer-record` with payload type 03 01; rust up to at least 0.56 writes domain
// `libp2p-routing-state` with payload type "/libp2p/routing-state-record" (rust-libp2p #6204).
// We write the go/js form and read both.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/ed25519.h"
#include "crypto/peer_id.h"
#include "crypto/public_key.h"
#include "multiformats/multiaddr.h"

namespace privstack::crypto {

inline constexpr std::string_view kPeerRecordDomain = "libp2p-peer-record";
/// Multicodec 0x0301 written as two raw bytes (not as a varint), as go and js do.
inline constexpr std::array<std::uint8_t, 2> kPeerRecordPayloadType = {0x03, 0x01};
inline constexpr std::string_view kLegacyPeerRecordDomain = "libp2p-routing-state";
inline constexpr std::string_view kLegacyPeerRecordPayloadType = "/libp2p/routing-state-record";

enum class PeerRecordFormat { standard, rust_legacy };

struct PeerRecord {
  PeerId peer_id;
  std::uint64_t seq = 0;
  std::vector<multiformats::Multiaddr> addresses;
};

struct SignedPeerRecord {
  PeerRecord record;
  PublicKey public_key;  // the signer; record.peer_id is checked to be its peer id
  PeerRecordFormat format = PeerRecordFormat::standard;
};

/// The record payload protobuf (peer_id = 1, seq = 2, addresses = 3 { multiaddr = 1 }).
Bytes encode_peer_record(const PeerId& peer_id, std::uint64_t seq,
                         std::span<const multiformats::Multiaddr> addresses);

/// A sealed go/js-format envelope for our own record. `seq` must grow with every new record
/// (go and js use the time in nanoseconds/milliseconds since the epoch).
Bytes make_peer_record(const Ed25519Keypair& keypair, std::uint64_t seq,
                       std::span<const multiformats::Multiaddr> addresses);

/// Opens either format, checks the signature and that the record's peer id is the signer's.
/// Addresses that do not decode (protocols we do not know) are skipped, as go does.
Result<SignedPeerRecord> open_peer_record(ByteView envelope);

}  // namespace privstack::crypto
