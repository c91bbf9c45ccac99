// Kademlia wire messages (`/ipfs/kad/1.0.0`, wire-compat digest §7): our own structs KadMessage,
// KadPeer and KadRecord, and their bounded protobuf codec. Pure: no I/O.
//
// Decoding is lenient where every implementation is (a peer with an invalid id is skipped, as rust
// does; an undecodable address is skipped; lists beyond the limits are truncated and counted) and
// strict where rust is (an unknown `type`; a non-empty `publisher` that is not a peer id). An
// absent `type` is PUT_VALUE: rust's proto3 encoder omits the zero value.
// Encoding always writes `type` (PUT_VALUE is 0). encode_fitting() keeps a response under a frame
// limit (rust reads at most 16 KiB) by trimming addresses per peer, then peers from the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/peer_id.h"
#include "multiformats/multiaddr.h"

namespace privstack::protocol::kad {

inline constexpr std::string_view kProtocolId = "/ipfs/kad/1.0.0";
/// K: bucket size, replication factor and the number of closer peers returned (rust K_VALUE).
inline constexpr std::size_t kK = 20;
/// rust's DEFAULT_MAX_PACKET_SIZE: it rejects any frame body above this.
inline constexpr std::size_t kRustMaxFrame = 16 * 1024;

enum class MessageType : std::int32_t {
  put_value = 0,
  get_value = 1,
  add_provider = 2,
  get_providers = 3,
  find_node = 4,
  ping = 5,
};
std::string_view to_string(MessageType type);

enum class ConnectionType : std::int32_t {
  not_connected = 0,
  connected = 1,
  can_connect = 2,
  cannot_connect = 3,
};

struct KadPeer {
  crypto::PeerId id;
  std::vector<multiformats::Multiaddr> addrs = {};
  ConnectionType connection = ConnectionType::not_connected;

  bool operator==(const KadPeer&) const = default;
};

struct KadRecord {
  Bytes key = {};
  Bytes value = {};
  /// rust field 666; absent (or empty on the wire) = none.
  std::optional<crypto::PeerId> publisher = std::nullopt;
  /// rust field 777: remaining seconds; 0 = no expiry (also when absent).
  std::uint32_t ttl = 0;
  /// go's RFC 3339 receive time, kept verbatim (unused by us).
  Bytes time_received = {};

  bool operator==(const KadRecord&) const = default;
};

// Every member has a default, so designated initializers may name only what they set.
struct KadMessage {
  MessageType type = MessageType::ping;
  Bytes key = {};
  std::optional<KadRecord> record = std::nullopt;
  std::vector<KadPeer> closer_peers = {};
  std::vector<KadPeer> provider_peers = {};
  /// Deprecated clusterLevelRaw; decoded for completeness, never acted on. Not written if unset.
  std::optional<std::int32_t> cluster_level = std::nullopt;

  bool operator==(const KadMessage&) const = default;
};

struct DecodeLimits {
  /// Peers kept per list (closerPeers, providerPeers); the rest are dropped and counted.
  std::size_t max_peers = 64;
  /// Addresses kept per peer.
  std::size_t max_addrs_per_peer = 32;
};

/// What decode_message() left out, for debug logs.
struct DecodeStats {
  std::size_t invalid_peers = 0;  // id missing or not a peer id
  std::size_t invalid_addrs = 0;  // not a multiaddr, or /p2p/ of another peer
  std::size_t dropped_peers = 0;  // beyond max_peers
  std::size_t dropped_addrs = 0;  // beyond max_addrs_per_peer
};

/// Decodes one message body (without its length prefix). The caller bounds `body` (frame limit).
Result<KadMessage> decode_message(ByteView body, const DecodeLimits& limits = {},
                                  DecodeStats* stats = nullptr);

/// Encodes a message body (without length prefix). Never fails: every field is representable.
Bytes encode_message(const KadMessage& message);

struct FitResult {
  Bytes body;
  /// frame_size(body.size()) <= max_frame; false only when even the message without any peer
  /// (e.g. a GET_VALUE record over 16 KiB) is too big — it is then sent anyway (go and js accept
  /// up to 4 MiB), and a rust peer will reject it.
  bool fits = true;
  std::size_t dropped_peers = 0;
  std::size_t dropped_addrs = 0;
};

/// Encodes `message` with at most `max_addrs_per_peer` addresses per peer, then, while the frame
/// (prefix included) exceeds `max_frame`: halves the address cap (down to 1), then drops closer
/// peers from the end (the farthest), then provider peers from the end.
FitResult encode_fitting(KadMessage message, std::size_t max_frame = kRustMaxFrame,
                         std::size_t max_addrs_per_peer = 8);

}  // namespace privstack::protocol::kad
