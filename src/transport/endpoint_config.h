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
  /// QUIC flow control enforces it: a peer cannot open stream N+1 before one of N has closed.
  std::uint64_t max_streams_bidi = 256;
  /// Flow-control windows we advertise. The receive buffers never exceed them: the window is only
  /// extended by what the application has read, so a slow reader throttles the sender.
  std::uint64_t stream_receive_window = 10'000'000;
  std::uint64_t connection_receive_window = 15'000'000;
  /// Bytes a stream buffers for sending (unsent + unacknowledged); writers wait beyond that.
  std::size_t stream_send_buffer = 256 * 1024;

  /// Connections of any state, inbound and outbound; further Initials are refused with a
  /// stateless CONNECTION_REFUSED and dials fail. 0 = unlimited. The relay sets its own default
  /// from the measured memory per idle connection (see README, --max-connections).
  std::size_t max_connections = 4096;
  /// Inbound connections of any state from one IPv4 address or one IPv6 /64 (connection_limits.h
  /// says why /64); over it the Initial gets CONNECTION_REFUSED. 0 = unlimited.
  /// Why 256 and not go-libp2p's 8 per IPv4 address: go's limit is tuned for DHT/bitswap nodes
  /// where one peer per address is the norm; a relay's clients are phones and desktops, many of
  /// them behind one carrier-grade NAT address (hundreds of subscribers share one CGNAT IPv4),
  /// and rust-libp2p's connection-limits has no per-IP cap at all. 256 keeps one address from
  /// taking more than a few percent of the default total while a busy CGNAT still fits.
  std::size_t max_connections_per_ip = 256;
  /// Hard cap on inbound handshakes in progress, even for Initials that carry a valid Retry token
  /// (a token proves the address, not good intent). Over it: CONNECTION_REFUSED. 0 = unlimited.
  /// Handshakes that never finish are reaped at handshake_timeout, releasing their slot.
  std::size_t max_pending_handshakes = 1024;
  /// When this many inbound handshakes are in progress, new Initials without a token get a Retry
  /// (address validation before we spend a TLS handshake on them). 0 = always Retry. Clamped to
  /// max_pending_handshakes when that is lower (and not 0).
  std::size_t retry_threshold = 128;
  /// Stateless resets for unknown short-header packets: sustained rate and burst.
  double stateless_resets_per_second = 100.0;
  double stateless_reset_burst = 200.0;

  /// UDP data-path offloads (Linux; udp_socket.h). Each turns itself off when the kernel or NIC
  /// refuses it, so they are safe to leave on; off is for benchmarks' before/after runs.
  bool udp_gso = true;   // UDP_SEGMENT: a pass of equal-size packets in one sendmsg
  bool udp_gro = true;   // UDP_GRO: a train of datagrams in one receive
  bool udp_mmsg = true;  // recvmmsg/sendmmsg: many datagrams per syscall
  /// The write passes of all connections on a socket in one event-loop turn share one flush
  /// (udp_socket.h, flush_soon): one sendmmsg per turn instead of one syscall per connection.
  bool udp_shared_flush = true;
  /// Path MTU discovery (ngtcp2's probes, up to 1452-byte packets; quinn does the same). Off keeps
  /// every packet at the 1200 bytes QUIC guarantees; off is for benchmarks' before/after runs.
  bool quic_pmtud = true;
  /// Offer AES-GCM first when the CPU has AES instructions (tls_session.cc says why); false keeps
  /// ChaCha20-Poly1305 first. Only the dialling side's order counts (servers follow the client).
  bool tls_prefer_aes_gcm = true;
};

}  // namespace privstack::transport
