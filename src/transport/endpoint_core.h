// The shared state behind an Endpoint (internal to the transport layer). Held by shared_ptr so
// that socket and timer completions arriving after Endpoint::close() find it, or find it gone.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <ngtcp2/ngtcp2.h>

#include "crypto/ed25519.h"
#include "transport/connection_id.h"
#include "transport/connection_limits.h"
#include "transport/endpoint.h"
#include "transport/endpoint_config.h"
#include "transport/tls_session.h"
#include "transport/udp_socket.h"

namespace privstack::transport {

/// Token bucket for stateless resets.
class RateLimiter {
 public:
  RateLimiter(double per_second, double burst) : rate_(per_second), burst_(burst), tokens_(burst) {}
  bool allow();

 private:
  double rate_;
  double burst_;
  double tokens_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

class EndpointCore : public std::enable_shared_from_this<EndpointCore> {
 public:
  EndpointCore(asio::io_context& io, const crypto::Ed25519Keypair& host_key, EndpointConfig config,
               std::shared_ptr<TlsContext> tls);
  ~EndpointCore() { close(); }

  Result<void> open_sockets();
  void close();

  // For connections.
  asio::io_context& io() { return io_; }
  const EndpointConfig& config() const { return config_; }
  const TlsContext& tls() const { return *tls_; }
  const std::array<std::uint8_t, 32>& static_secret() const { return static_secret_; }
  void associate(const ConnectionIdKey& cid, const std::shared_ptr<Connection>& connection);
  void dissociate(const ConnectionIdKey& cid);
  void handshake_finished(const std::shared_ptr<Connection>& connection, bool success);
  void connection_finished(Connection& connection);
  /// Scratch space for building one packet (single-threaded, never held across calls).
  std::span<std::uint8_t> packet_buffer() { return packet_buffer_; }

  // For Endpoint.
  Endpoint::ConnectionHandler connection_handler;
  Result<std::shared_ptr<Connection>> start_dial(const udp::endpoint& remote,
                                                 std::optional<crypto::PeerId> expected);
  std::vector<udp::endpoint> local_endpoints() const;
  const crypto::PeerId& local_peer() const { return local_peer_; }
  std::size_t connection_count() const { return connections_.size(); }
  std::size_t pending_handshake_count() const { return handshaking_.size(); }
  std::size_t inbound_tracked_count() const { return inbound_sources_.size(); }
  std::size_t inbound_source_count() const { return source_counts_.sources(); }
  EndpointCounters counters;
  /// Sums the sockets' UdpStats into counters' udp_* fields.
  void refresh_udp_counters();

 private:
  void on_datagram(UdpSocket& socket, ByteView datagram, const udp::endpoint& remote);
  void accept_initial(UdpSocket& socket, ByteView datagram, const udp::endpoint& remote);
  void send_version_negotiation(UdpSocket& socket, const ngtcp2_version_cid& vc,
                                const udp::endpoint& remote);
  void send_retry(UdpSocket& socket, const ngtcp2_pkt_hd& header, const udp::endpoint& remote,
                  std::size_t datagram_size);
  void send_stateless_close(UdpSocket& socket, const ngtcp2_pkt_hd& header,
                            const udp::endpoint& remote, std::uint64_t error_code);
  void refuse(UdpSocket& socket, const ngtcp2_pkt_hd& header, const udp::endpoint& remote,
              Admission why);
  void track_inbound(const Connection& connection, const udp::endpoint& remote);
  void send_stateless_reset(UdpSocket& socket, ByteView dcid, std::size_t datagram_size,
                            const udp::endpoint& remote);
  std::shared_ptr<UdpSocket> socket_for(UdpSocket& socket) const;

  asio::io_context& io_;
  EndpointConfig config_;
  std::shared_ptr<TlsContext> tls_;
  crypto::PeerId local_peer_;
  std::array<std::uint8_t, 32> static_secret_{};
  std::vector<std::shared_ptr<UdpSocket>> sockets_;
  UdpStats udp_closed_;  // totals of sockets already closed (counters stay monotonic)
  std::unordered_map<ConnectionIdKey, std::shared_ptr<Connection>, ConnectionIdHash> by_cid_;
  std::unordered_map<std::uint64_t, std::shared_ptr<Connection>> connections_;
  std::unordered_set<std::uint64_t> handshaking_;  // inbound connections mid-handshake
  AdmissionLimits limits_;
  // The source each inbound connection was counted under at accept time (its address may migrate
  // later; the count is released under the key it was taken with).
  std::unordered_map<std::uint64_t, SourceKey> inbound_sources_;
  SourceCounts source_counts_;
  RateLimiter reset_limiter_;
  std::vector<std::uint8_t> packet_buffer_;
  bool closed_ = false;
};

}  // namespace privstack::transport
