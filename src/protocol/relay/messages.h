// Circuit relay v2 messages (libp2p/specs relay/circuit-v2.md; wire-compat digest §6): a pure codec
// between our structs and the protobuf bodies, plus coroutine adapters that frame them.
//
// Encoding always writes `type` (StopMessage CONNECT is 0) and writes a `Limit` only when the
// circuit is limited: go marks every circuit that carries a Limit as limited, even one of zeros.
// Decoding bounds everything by the 4096-byte frame rust and go use, rejects a missing or unknown
// `type` and an unparseable peer id, and skips (counts) unparseable multiaddrs as go does.
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
#include "protocol/length_prefixed.h"
#include "protocol/stream_io.h"

namespace privstack::protocol::relay {

inline constexpr std::string_view kHopProtocolId = "/libp2p/circuit/relay/0.2.0/hop";
inline constexpr std::string_view kStopProtocolId = "/libp2p/circuit/relay/0.2.0/stop";
/// rust (`protocol.rs`) and go (`maxMessageSize`) both cap a relay message at 4096 bytes.
inline constexpr std::size_t kMaxMessageSize = 4096;

enum class Status : std::uint32_t {
  ok = 100,
  reservation_refused = 200,
  resource_limit_exceeded = 201,
  permission_denied = 202,
  connection_failed = 203,
  no_reservation = 204,
  malformed_message = 400,
  unexpected_message = 401,
};
std::string_view to_string(Status status);

/// A circuit's limits as sent on the wire; an absent field is "no limit" of that kind.
struct Limit {
  std::optional<std::uint32_t> duration_seconds;
  std::optional<std::uint64_t> data_bytes;
  bool unlimited() const { return !duration_seconds && !data_bytes; }
  bool operator==(const Limit&) const = default;
};

struct PeerInfo {
  crypto::PeerId id;
  std::vector<multiformats::Multiaddr> addrs;
};

struct Reservation {
  std::uint64_t expire = 0;  // Unix seconds
  std::vector<multiformats::Multiaddr> addrs;
  std::optional<Bytes> voucher;
};

enum class HopType : std::uint32_t { reserve = 0, connect = 1, status = 2 };
enum class StopType : std::uint32_t { connect = 0, status = 1 };

struct HopMessage {
  HopType type = HopType::status;
  std::optional<PeerInfo> peer;
  std::optional<Reservation> reservation;
  std::optional<Limit> limit;  // nullopt, or a limited Limit (see encode)
  std::optional<Status> status;
  std::size_t skipped_addrs = 0;  // decode only: unparseable multiaddrs dropped
};

struct StopMessage {
  StopType type = StopType::status;
  std::optional<PeerInfo> peer;
  std::optional<Limit> limit;
  std::optional<Status> status;
  std::size_t skipped_addrs = 0;
};

/// Protobuf bodies (no length prefix). A `limit` that is unlimited() is not written.
Bytes encode(const HopMessage& message);
Bytes encode(const StopMessage& message);
HopMessage hop_status(Status status, std::optional<Limit> limit = std::nullopt);
/// Drops trailing reservation addresses (never the first) until the framed message fits in
/// kMaxMessageSize, which rust and go enforce on receipt; returns how many were dropped. A host
/// with very many interfaces would otherwise have its reservations rejected outright.
std::size_t fit_to_frame(HopMessage& message);
StopMessage stop_status(Status status);

/// Errors mean MALFORMED_MESSAGE: not protobuf, no or unknown `type`, a `peer` without a valid
/// id, a `reservation` without `expire`. An unknown `status` value reads as absent.
Result<HopMessage> decode_hop(ByteView body);
Result<StopMessage> decode_stop(ByteView body);

// ---- Coroutine adapters ------------------------------------------------------------------------

/// Reads one relay frame (at most kMaxMessageSize); nullopt on a clean EOF before any byte. Never
/// reads past the frame, so bytes a peer sent right behind its message stay in the stream for the
/// circuit that follows.
template <AsyncStream S>
asio::awaitable<Result<std::optional<Bytes>>> read_message(S& s) {
  return read_frame(s, kMaxMessageSize);
}

template <AsyncStream S>
asio::awaitable<Result<void>> write_message(S& s, Bytes body) {
  co_return co_await write_frame(s, body);
}

}  // namespace privstack::protocol::relay
