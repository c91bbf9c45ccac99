// Ping, `/ipfs/ping/1.0.0` (libp2p specs, ping/ping.md): the dialer writes 32 random bytes, the
// listener echoes them, repeated on one long-lived stream until the dialer closes its side (rust
// pings every 15 s on the same stream).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/bytes.h"
#include "common/result.h"
#include "protocol/stream_io.h"

namespace privstack::protocol::ping {

inline constexpr std::string_view kProtocolId = "/ipfs/ping/1.0.0";
inline constexpr std::size_t kPingSize = 32;

using Payload = std::array<std::uint8_t, kPingSize>;

struct ResponderLimits {
  /// Echoes answered on one stream before we close it; 0 means no limit. At rust's 15 s interval
  /// a day is ~5760 pings, so a limit mainly stops a peer using one stream as a bulk echo pipe.
  std::uint64_t max_pings = 0;
};

struct ResponderStats {
  std::uint64_t pings = 0;     // full 32-byte chunks echoed
  bool partial_chunk = false;  // the dialer ended with fewer than 32 bytes, which we dropped
  bool limit_reached = false;  // we stopped at ResponderLimits::max_pings
};

/// Fresh random payload for one ping (crypto::random_bytes).
Payload make_payload();

/// Responder: echo 32-byte chunks until EOF, then close our side. A partial chunk at EOF is not
/// echoed (the spec only defines 32-byte pings). Memory stays at one 32-byte buffer; the caller
/// owns timeouts (it can reset the stream).
template <AsyncStream S>
asio::awaitable<Result<ResponderStats>> respond(S& s, ResponderLimits limits = {}) {
  ResponderStats stats;
  Payload buffer{};
  for (;;) {
    if (limits.max_pings != 0 && stats.pings >= limits.max_pings) {
      stats.limit_reached = true;
      break;
    }
    auto [ec, n] = co_await asio::async_read(s, asio::buffer(buffer), kUseTuple);
    if (is_eof(ec)) {
      stats.partial_chunk = n != 0;
      break;
    }
    if (ec) co_return io_error("ping: read", ec);
    if (auto sent = co_await write_all(s, buffer, "ping: write echo"); !sent) {
      co_return sent.error();
    }
    ++stats.pings;
  }
  close_write(s);
  co_return stats;
}

/// Dialer: one ping on an already negotiated stream; returns the round-trip time. The stream
/// stays open for the next ping.
template <AsyncStream S>
asio::awaitable<Result<std::chrono::nanoseconds>> ping(S& s) {
  const Payload sent = make_payload();
  const auto start = std::chrono::steady_clock::now();
  if (auto ok = co_await write_all(s, sent, "ping: write"); !ok) co_return ok.error();
  Payload echo{};
  auto got = co_await read_exact(s, echo, "ping: read echo");
  if (!got) co_return got.error();
  if (*got == ReadExact::eof) co_return make_error("ping: stream closed before the echo");
  if (echo != sent) co_return make_error("ping: echo does not match the payload");
  co_return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                                 start);
}

}  // namespace privstack::protocol::ping
