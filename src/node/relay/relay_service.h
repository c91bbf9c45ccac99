// Circuit relay v2 server on top of the host: answers `/libp2p/circuit/relay/0.2.0/hop`
// (RESERVE and CONNECT), opens `/libp2p/circuit/relay/0.2.0/stop` to reserved targets, and pipes
// established circuits. Admission is the pure protocol::relay::ResourceManager; this file is the
// I/O around it. Wire behaviour follows the wire-compat digest §6:
//
// - RESERVE: answered with STATUS OK, a reservation (expiry, our dialable addresses, each ending
//   in /p2p/<our id> — rust fails the whole reservation on one bad entry — and a voucher signed
//   with our key) and the circuit Limit when there is one; then our side closes. The rust client
//   half-closes after its request: that FIN is the normal case, not an abort.
// - The reservation belongs to the connection it came on; when that one closes it moves to another
//   open connection of the peer, and it goes with the peer's last connection.
// - CONNECT: the target must hold a reservation; the STOP CONNECT carries the source's id and the
//   same Limit as the reservation answer and the CONNECT OK. Then bytes flow (circuit_pipe.h).
// - Relayed connections: we only run QUIC, so no connection is ever relayed; is_relayed() is the
//   hook that would refuse hop on one (PERMISSION_DENIED, like go).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "multiformats/multiaddr.h"
#include "node/host.h"
#include "node/relay/circuit_pipe.h"
#include "node/relay/relay_counters.h"
#include "protocol/relay/messages.h"
#include "protocol/relay/resource_manager.h"

namespace privstack::node {

struct RelayConfig {
  protocol::relay::RelayPolicy policy;
  /// Time a peer has to send its hop request, and a target to accept a stop stream.
  std::chrono::milliseconds request_timeout{10'000};
  /// Per direction per circuit (bounded; see circuit_pipe.h).
  std::size_t pipe_buffer = std::size_t{64} * 1024;
  /// The addresses reservations advertise (issue 6: --announce). Empty function or empty result:
  /// the host's concrete listen addresses. /p2p/<relay id> is appended where missing.
  std::function<std::vector<multiformats::Multiaddr>()> advertised_addresses;
};

class RelayService : public std::enable_shared_from_this<RelayService> {
 public:
  /// Registers the hop handler and the disconnect hook; call before identify is installed (or
  /// refresh identify) so the hop protocol is advertised.
  static std::shared_ptr<RelayService> install(const std::shared_ptr<Host>& host,
                                               RelayConfig config);

  const RelayCounters& counters() const { return counters_; }
  const protocol::relay::ResourceManager& resources() const { return resources_; }
  /// What a reservation answer lists now (each address ends in /p2p/<relay id>).
  std::vector<multiformats::Multiaddr> reservation_addresses() const;

 private:
  RelayService(std::shared_ptr<Host> host, RelayConfig config);
  asio::awaitable<void> serve_hop(StreamPtr stream, ConnectionPtr connection);
  asio::awaitable<void> reserve(std::shared_ptr<Host> host, StreamPtr stream,
                                ConnectionPtr connection);
  asio::awaitable<void> connect(std::shared_ptr<Host> host, StreamPtr stream,
                                ConnectionPtr connection, protocol::relay::HopMessage request);
  /// Opens stop on `target` and asks it to accept a circuit from `source`; the accepted stream,
  /// or null (the reason is logged).
  asio::awaitable<StreamPtr> open_stop(std::shared_ptr<Host> host, ConnectionPtr target,
                                       crypto::PeerId source,
                                       std::optional<protocol::relay::Limit> limit);
  /// Negotiates stop and exchanges CONNECT / STATUS; the failure reason, or nullopt on OK.
  asio::awaitable<std::optional<std::string>> stop_handshake(
      StreamPtr stop, crypto::PeerId source, std::optional<protocol::relay::Limit> limit);
  static bool is_relayed(const transport::Connection& connection);

  std::weak_ptr<Host> host_;
  RelayConfig config_;
  protocol::relay::ResourceManager resources_;
  RelayCounters counters_;
  // Connections that hold a reservation, by id: where stop streams are opened.
  std::unordered_map<std::uint64_t, std::weak_ptr<transport::Connection>> reserved_;
};

}  // namespace privstack::node
