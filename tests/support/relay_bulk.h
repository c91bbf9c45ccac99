// Pieces the bulk-relaying checks share (tests/unit/relay_alloc and bench/circuit_throughput): a
// relay policy with every limit lifted, and the target side of a bulk transfer.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>

#include "node/host.h"
#include "protocol/relay/resource_manager.h"
#include "protocol/stream_io.h"

namespace privstack::test {

/// Every reservation, circuit and rate limit lifted (0 = unlimited), as an operator would for
/// trusted peers.
inline protocol::relay::RelayPolicy unlimited_relay_policy() {
  protocol::relay::RelayPolicy p;
  p.max_reservations = p.max_reservations_per_peer = p.max_reservations_per_ip = 0;
  p.max_circuits = p.max_circuits_per_peer = p.max_circuits_per_ip = 0;
  p.reservation_rate_per_peer = p.reservation_rate_per_ip = {};
  p.circuit_rate_per_peer = p.circuit_rate_per_ip = {};
  p.circuit = protocol::relay::CircuitLimits{std::chrono::seconds(0), 0};
  return p;
}

/// Target side: reads everything; at EOF half-closes back, so the source knows all arrived.
inline boost::asio::awaitable<void> sink_until_eof(node::StreamPtr stream) {
  std::vector<std::uint8_t> buffer(64 * 1024);
  for (;;) {
    auto [ec, n] =
        co_await stream->async_read_some(boost::asio::buffer(buffer), protocol::kUseTuple);
    if (ec) {
      if (protocol::is_eof(ec)) stream->close_write();
      co_return;
    }
  }
}

}  // namespace privstack::test
