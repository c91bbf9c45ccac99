// A QUIC endpoint: the UDP sockets we listen on, every connection over them, and dialing.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "common/result.h"
#include "crypto/ed25519.h"
#include "crypto/peer_id.h"
#include "transport/asio_fwd.h"
#include "transport/endpoint_config.h"
#include "transport/quic_connection.h"
#include "transport/quic_stream.h"
#include "transport/tls_session.h"

namespace privstack::transport {

class EndpointCore;

/// What the endpoint has done, for metrics (issue 6). Plain numbers on the io_context thread.
/// A handshake failure is a connection that never got established: TLS or certificate failure,
/// timeout, or the peer giving up; for dials also a wrong peer id.
struct EndpointCounters {
  std::uint64_t inbound_established = 0;
  std::uint64_t outbound_established = 0;
  std::uint64_t inbound_handshake_failures = 0;
  std::uint64_t outbound_handshake_failures = 0;
  /// Initials refused with CONNECTION_REFUSED, by the limit that refused them.
  std::uint64_t refused_connection_limit = 0;
  std::uint64_t refused_per_ip_limit = 0;
  std::uint64_t refused_pending_handshakes = 0;
  /// Retry packets sent (address validation under handshake load).
  std::uint64_t retries_sent = 0;
  /// Most inbound handshakes ever in progress at once (proves max_pending_handshakes holds).
  std::uint64_t pending_handshakes_peak = 0;

  /// Data-path work, for benchmarks (packets, syscalls and timers per MiB; bench/perf/PROFILE.md).
  /// Connection write passes, the QUIC packets they built, those among them that carried no
  /// stream data (ACK/control only), and timer wake-ups (OS timer or next-turn pacing expiry).
  std::uint64_t write_passes = 0;
  std::uint64_t packets_written = 0;
  std::uint64_t packets_without_stream_data = 0;
  std::uint64_t stream_bytes_written = 0;
  std::uint64_t timer_wakeups = 0;
  /// UDP totals over the endpoint's sockets (UdpStats), refreshed when counters() is read.
  std::uint64_t udp_send_calls = 0;
  std::uint64_t udp_datagrams_sent = 0;
  std::uint64_t udp_receive_calls = 0;
  std::uint64_t udp_datagrams_received = 0;
};

class Endpoint {
 public:
  using ConnectionHandler = std::function<void(std::shared_ptr<Connection>)>;

  /// Binds every address in config.listen (all must succeed) and starts receiving.
  static Result<std::unique_ptr<Endpoint>> create(asio::io_context& io,
                                                  const crypto::Ed25519Keypair& host_key,
                                                  EndpointConfig config);
  /// The same with a prepared TLS context (tests use it to present unusual certificates).
  static Result<std::unique_ptr<Endpoint>> create(asio::io_context& io,
                                                  const crypto::Ed25519Keypair& host_key,
                                                  EndpointConfig config,
                                                  std::shared_ptr<TlsContext> tls);
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;
  /// Closes everything (see close()).
  ~Endpoint();

  /// Called for each inbound connection once its handshake completed and the client's libp2p
  /// certificate verified.
  void set_connection_handler(ConnectionHandler handler);

  /// Dials `remote`. Fails if the handshake fails or times out, or if `expected` is set and the
  /// certificate proves another peer id (checked during the handshake, as go does).
  asio::awaitable<Result<std::shared_ptr<Connection>>> dial(
      udp::endpoint remote, std::optional<crypto::PeerId> expected = std::nullopt);

  /// The bound addresses, with the actual ports when 0 was asked for.
  std::vector<udp::endpoint> local_endpoints() const;
  const crypto::PeerId& local_peer() const;
  /// Connections in any state, including those still handshaking or closing.
  std::size_t connection_count() const;
  /// Inbound connections still handshaking (what max_pending_handshakes caps).
  std::size_t pending_handshake_count() const;
  /// Inbound connections counted against max_connections_per_ip, and their distinct sources
  /// (tests check that every close path releases them).
  std::size_t inbound_tracked_count() const;
  std::size_t inbound_source_count() const;
  /// Connections established and handshakes failed so far, by direction.
  const EndpointCounters& counters() const;

  /// Application-closes every connection (error 0), releases them and closes the sockets.
  /// Connections the application still holds stay valid objects that report themselves closed.
  void close();

  explicit Endpoint(std::shared_ptr<EndpointCore> core);

 private:
  std::shared_ptr<EndpointCore> core_;
};

}  // namespace privstack::transport
