// Identify, `/ipfs/id/1.0.0`, and identify push, `/ipfs/id/push/1.0.0` (libp2p/specs
// identify/README.md; wire-compat digest §4).
//
// Sending: ONE length-prefixed frame of at most 4096 bytes, then FIN. rust reads exactly one
// message with a 4096-byte limit, so we never split the message as go does; when it would not fit
// we drop the signed peer record first, then listen addresses from the end.
//
// Receiving: frames until EOF (at most 10, each at most 8 KiB, as go and js), merged with protobuf
// merge semantics (later singular fields win, repeated fields append — what go does), then
// decoded into IdentifyInfo. Bad entries are skipped and counted; a publicKey that is not the
// connection's peer is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/peer_id.h"
#include "crypto/peer_record.h"
#include "crypto/public_key.h"
#include "multiformats/multiaddr.h"
#include "protocol/length_prefixed.h"
#include "protocol/stream_io.h"

namespace privstack::protocol::identify {

inline constexpr std::string_view kProtocolId = "/ipfs/id/1.0.0";
inline constexpr std::string_view kPushProtocolId = "/ipfs/id/push/1.0.0";

/// rust's receive limit for the whole message; we keep the entire frame (prefix included) under
/// it so no reading of "frame size" can reject us.
inline constexpr std::size_t kMaxSendFrame = 4096;

struct ReceiveLimits {
  std::size_t max_message = std::size_t{8} * 1024;  // go and js: 8 KiB per message
  std::size_t max_messages = 10;                    // go and js: 10 messages per stream
  /// Protocol ids longer than this are skipped (js caps multistream ids at 1024 bytes).
  std::size_t max_protocol_length = 1024;
};

// ---- Sending (pure) ----------------------------------------------------------------------------

/// What we tell every peer. The signed record is built once per address change with
/// crypto::make_peer_record (go/js format: rust ignores records, js aborts identify on a
/// rust-format one), not per request.
struct LocalInfo {
  crypto::PublicKey public_key;  // always sent: js rejects identify without it
  std::string protocol_version;
  std::string agent_version;
  std::vector<multiformats::Multiaddr> listen_addrs;  // most preferred first: trimmed from the end
  std::vector<std::string> protocols;
  std::optional<Bytes> signed_peer_record;  // go/js-format envelope, or none
};

struct EncodedIdentify {
  Bytes body;                   // the protobuf, without the length prefix
  bool record_dropped = false;  // the signed record did not fit
  std::size_t addrs_dropped = 0;
};

/// Builds our Identify message for one connection (`observed` is that connection's remote
/// address). Fits the frame (prefix + body) into `max_frame` bytes by dropping the record, then
/// trailing listen addresses; fails only if the rest (protocols, versions, key) alone is too big.
Result<EncodedIdentify> encode_identify(const LocalInfo& local,
                                        const std::optional<multiformats::Multiaddr>& observed,
                                        std::size_t max_frame = kMaxSendFrame);

// ---- Receiving (pure) --------------------------------------------------------------------------

struct IdentifyInfo {
  std::optional<crypto::PublicKey> public_key;
  std::optional<crypto::PeerId> peer_id;  // derived from public_key
  /// The signed record's addresses when it verified for this peer, else the plain listenAddrs.
  std::vector<multiformats::Multiaddr> listen_addrs;
  std::optional<multiformats::Multiaddr> observed_addr;
  std::vector<std::string> protocols;
  std::string protocol_version;
  std::string agent_version;
  /// Set only if it verified (either format) and is the connection's peer's.
  std::optional<crypto::SignedPeerRecord> signed_record;

  // What was dropped, for logs and metrics.
  std::size_t skipped_addrs = 0;      // undecodable listenAddrs / observedAddr
  std::size_t skipped_protocols = 0;  // not UTF-8, control characters, no leading '/', too long
  bool record_rejected = false;       // a signedPeerRecord was present but unusable

  bool supports(std::string_view protocol) const;
};

/// Decodes and merges the received frames. `expected` is the peer the connection authenticated:
/// a publicKey that does not parse or belongs to another peer is an error; a missing publicKey is
/// tolerated (the transport already authenticated the key) and leaves public_key empty.
Result<IdentifyInfo> decode_identify(std::span<const Bytes> frames, const crypto::PeerId& expected,
                                     const ReceiveLimits& limits = {});

/// Applies a push to what we knew about the peer, with rust's merge rules: only fields present in
/// the push replace ours, and repeated fields only when non-empty. An empty string counts as
/// absent (a peer cannot usefully push an empty version).
void apply_push(IdentifyInfo& known, const IdentifyInfo& push);

// ---- Coroutine adapters ------------------------------------------------------------------------

// The adapters take their arguments by value: an awaitable may be started after the caller's
// temporaries are gone (co_spawn), so the coroutine frame owns what it uses. Only the stream is
// borrowed.

/// Responder (and pusher): writes the single frame and closes our side.
template <AsyncStream S>
asio::awaitable<Result<void>> respond_identify(S& s, Bytes body) {
  auto sent = co_await write_frame(s, body);
  if (!sent) co_return make_error("identify: {}", sent.error().message);
  close_write(s);
  co_return Result<void>{};
}

/// Reads identify frames until EOF within `limits`. More frames than max_messages is an error
/// (go's "too many parts"), as is a stream that ends without any frame.
template <AsyncStream S>
asio::awaitable<Result<std::vector<Bytes>>> read_identify_frames(S& s, ReceiveLimits limits = {}) {
  std::vector<Bytes> frames;
  for (;;) {
    auto frame = co_await read_frame(s, limits.max_message);
    if (!frame) co_return make_error("identify: {}", frame.error().message);
    if (!frame->has_value()) break;
    if (frames.size() == limits.max_messages) {
      co_return make_error("identify: more than {} messages", limits.max_messages);
    }
    frames.push_back(std::move(**frame));
  }
  if (frames.empty()) co_return make_error("identify: stream closed without a message");
  co_return frames;
}

/// Dialer of `/ipfs/id/1.0.0` (after multistream), or receiver of `/ipfs/id/push/1.0.0`.
template <AsyncStream S>
asio::awaitable<Result<IdentifyInfo>> read_identify(S& s, crypto::PeerId expected,
                                                    ReceiveLimits limits = {}) {
  auto frames = co_await read_identify_frames(s, limits);
  if (!frames) co_return frames.error();
  co_return decode_identify(*frames, expected, limits);
}

}  // namespace privstack::protocol::identify
