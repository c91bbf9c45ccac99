// Tunables of a QUIC endpoint. Defaults follow rust-libp2p's QUIC config (quinn) where it has one,
// so that idle timeouts, keep-alives and stream limits agree with the peers we talk to most.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "transport/asio_fwd.h"

namespace privstack::transport {

struct EndpointConfig {
  /// Addresses to listen on, e.g. 0.0.0.0:P and [::]:P. Port 0 picks an ephemeral port. When empty,
  /// the endpoint binds 0.0.0.0:0 and [::]:0 so that it can still dial.
  std::vector<udp::endpoint> listen;

  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds max_idle_timeout{10000};
  /// PING after this much silence so NATs and the peer's idle timer stay happy; 0 disables.
  std::chrono::milliseconds keep_alive_interval{5000};

  /// Concurrent bidirectional streams the peer may open (QUIC grants more as streams close).
  std::uint64_t max_streams_bidi = 256;
  /// Flow-control windows we advertise. The receive buffers never exceed them: the window is only
  /// extended by what the application has read, so a slow reader throttles the sender.
  std::uint64_t stream_receive_window = 10'000'000;
  std::uint64_t connection_receive_window = 15'000'000;
  /// Bytes a stream buffers for sending (unsent + unacknowledged); writers wait beyond that.
  std::size_t stream_send_buffer = 256 * 1024;

  /// Connections of any state; further Initials are refused with CONNECTION_REFUSED.
  std::size_t max_connections = 4096;
  /// When this many inbound handshakes are in progress, new Initials without a token get a Retry
  /// (address validation before we spend a TLS handshake on them). 0 = always Retry.
  std::size_t retry_threshold = 128;
  /// Stateless resets for unknown short-header packets: sustained rate and burst.
  double stateless_resets_per_second = 100.0;
  double stateless_reset_burst = 200.0;
};

}  // namespace privstack::transport
