// The byte pipe of an established circuit: copies both ways between the source's hop stream and
// the target's stop stream until both directions ended.
//
// - Backpressure: one bounded buffer per direction; a direction reads again only after its last
//   chunk was accepted by the other stream's bounded send buffer, so a slow reader slows the
//   writer through QUIC flow control and nothing queues up in the relay.
// - Half-close: EOF on one side becomes close_write() (FIN) on the other; the other direction
//   keeps flowing.
// - Reset: a reset or error on either stream resets both, also when no direction is reading that
//   stream at the moment (both parked on the other side): each stream's peer abort is watched.
// - Limits: bytes are counted over both directions together (as rust's CopyFuture). Exactly
//   `bytes` may pass; the first byte beyond resets both streams, and so does the end of
//   `duration`. We reset rather than half-close (go's choice for the data limit) because the spec
//   says so and rust drops both streams; the peers see RESET_STREAM, not a clean end.
#pragma once

#include <cstddef>
#include <cstdint>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "node/host.h"
#include "protocol/relay/resource_manager.h"

namespace privstack::node {

struct PipeResult {
  enum class End { closed, reset, data_limit, duration_limit };
  End end = End::closed;
  std::uint64_t bytes = 0;  // passed to the other side (both directions summed)
};

std::string_view to_string(PipeResult::End end);

/// Runs until both directions are done. `buffer_size` is per direction (at least 1).
asio::awaitable<PipeResult> run_circuit_pipe(asio::io_context& io, StreamPtr a, StreamPtr b,
                                             protocol::relay::CircuitLimits limits,
                                             std::size_t buffer_size);

}  // namespace privstack::node
