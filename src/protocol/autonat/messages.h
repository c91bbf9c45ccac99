// AutoNAT v1 messages (libp2p/specs autonat/autonat-v1.md; wire-compat digest §8): a pure codec
// between our structs and the protobuf bodies, plus coroutine adapters that frame them.
//
// Encoding always writes `type` and `status` (OK is 0; rust's client requires both present) and
// writes `statusText` only when there is one. Decoding bounds everything by the 1024-byte frame
// rust uses, rejects a missing or wrong `type`, a missing `dial`/`peer`/`id` and an unparseable
// peer id, and skips (counts) unparseable multiaddrs as rust does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/peer_id.h"
#include "multiformats/multiaddr.h"
#include "protocol/length_prefixed.h"
#include "protocol/stream_io.h"

namespace privstack::protocol::autonat {

inline constexpr std::string_view kProtocolId = "/libp2p/autonat/1.0.0";
/// rust (`v1/protocol.rs`) reads at most 1024 bytes per message; we accept no more and never send
/// more.
inline constexpr std::size_t kMaxMessageSize = 1024;

enum class ResponseStatus : std::uint32_t {
  ok = 0,
  dial_error = 100,
  dial_refused = 101,
  bad_request = 200,
  internal_error = 300,
};
std::string_view to_string(ResponseStatus status);

/// A DIAL: the peer asks to be dialed back at `addrs`.
struct DialRequest {
  crypto::PeerId peer;
  std::vector<multiformats::Multiaddr> addrs;
  std::size_t skipped_addrs = 0;  // decode only: unparseable multiaddrs dropped
};

/// A DIAL_RESPONSE. `addr` is the address that worked (OK only).
struct DialResponse {
  ResponseStatus status = ResponseStatus::internal_error;
  std::string status_text;  // empty: not written
  std::optional<multiformats::Multiaddr> addr;
};

DialResponse ok_response(multiformats::Multiaddr addr);
DialResponse error_response(ResponseStatus status, std::string status_text);

/// Protobuf bodies (no length prefix). A response's status text is cut so the frame fits.
Bytes encode(const DialRequest& request);
Bytes encode(const DialResponse& response);

/// Errors mean E_BAD_REQUEST: over kMaxMessageSize, not protobuf, `type` not DIAL, no `dial`,
/// no `peer`, or a peer id that is missing or does not parse.
Result<DialRequest> decode_request(ByteView body);
/// For our own client side and tests: `type` must be DIAL_RESPONSE with a `dialResponse` whose
/// `status` is present and known; OK needs a parseable `addr`.
Result<DialResponse> decode_response(ByteView body);

// ---- Coroutine adapters ------------------------------------------------------------------------

/// Reads one AutoNAT frame (at most kMaxMessageSize); nullopt on a clean EOF before any byte.
template <AsyncStream S>
asio::awaitable<Result<std::optional<Bytes>>> read_message(S& s) {
  return read_frame(s, kMaxMessageSize);
}

template <AsyncStream S>
asio::awaitable<Result<void>> write_message(S& s, Bytes body) {
  co_return co_await write_frame(s, body);
}

}  // namespace privstack::protocol::autonat
