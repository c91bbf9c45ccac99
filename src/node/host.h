// The libp2p host: a QUIC endpoint, a table of protocol handlers that inbound streams are
// negotiated against (multistream-select), and the peer registry. Services (identify, ping, later
// kad and relay) register handlers and subscribe to connection events; the host owns no protocol.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include "common/result.h"
#include "crypto/ed25519.h"
#include "multiformats/multiaddr.h"
#include "node/peer_registry.h"
#include "protocol/multistream.h"
#include "transport/endpoint.h"

namespace privstack::node {

namespace asio = boost::asio;

struct HostConfig {
  std::vector<asio::ip::udp::endpoint> listen;
  transport::EndpointConfig transport;
  protocol::multistream::Limits multistream;
  /// Time a peer has to agree on a protocol for a new stream (rust's default substream timeout).
  std::chrono::milliseconds negotiation_timeout{10'000};
};

using ConnectionPtr = std::shared_ptr<transport::Connection>;
using StreamPtr = std::shared_ptr<transport::Stream>;

class Host : public std::enable_shared_from_this<Host> {
 public:
  /// Runs after negotiation; owns the stream until it returns.
  using StreamHandler = std::function<asio::awaitable<void>(StreamPtr, ConnectionPtr)>;
  using ConnectionObserver = std::function<void(const ConnectionPtr&)>;

  static Result<std::shared_ptr<Host>> create(asio::io_context& io, crypto::Ed25519Keypair keypair,
                                              HostConfig config);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  void set_handler(std::string protocol, StreamHandler handler);
  /// The protocols we answer, sorted; identify advertises exactly these.
  std::vector<std::string> protocols() const;
  /// Called for every new authenticated connection, inbound or outbound, after the registry saw it.
  void on_connection(ConnectionObserver observer) { observers_.push_back(std::move(observer)); }

  PeerRegistry& peers() { return peers_; }
  const PeerRegistry& peers() const { return peers_; }
  const crypto::Ed25519Keypair& keypair() const { return keypair_; }
  const crypto::PeerId& peer_id() const { return peer_id_; }
  asio::io_context& io() { return io_; }

  /// The bound UDP endpoints (wildcards as bound) and their concrete interface addresses.
  std::vector<asio::ip::udp::endpoint> bound_endpoints() const;
  std::vector<multiformats::Multiaddr> listen_addresses() const;
  /// The transport's connection and handshake counters, by direction (for metrics).
  transport::EndpointCounters transport_counters() const;

  /// Dials /ip4|ip6/.../udp/N/quic-v1/p2p/<id>; the /p2p/ part is required and checked.
  asio::awaitable<Result<ConnectionPtr>> dial(const multiformats::Multiaddr& address);
  /// An open connection to `peer` (the newest one), or null when none is open. Services use it to
  /// reach a connected peer without dialing (relay STOP streams, kad requests).
  ConnectionPtr connection_to(const crypto::PeerId& peer) const;
  /// Opens a stream and negotiates `protocol` on it.
  asio::awaitable<Result<StreamPtr>> new_stream(const ConnectionPtr& connection,
                                                std::string protocol);

  /// Closes every connection and the sockets.
  void close();

 private:
  Host(asio::io_context& io, crypto::Ed25519Keypair keypair, HostConfig config);
  void accept(const ConnectionPtr& connection);
  asio::awaitable<void> serve_stream(StreamPtr stream, ConnectionPtr connection);

  asio::io_context& io_;
  crypto::Ed25519Keypair keypair_;
  crypto::PeerId peer_id_;
  HostConfig config_;
  std::unique_ptr<transport::Endpoint> endpoint_;
  std::map<std::string, StreamHandler, std::less<>> handlers_;
  std::vector<ConnectionObserver> observers_;
  // Open connections by id (weak: the transport owns them; entries go in on_closed).
  std::unordered_map<std::uint64_t, std::weak_ptr<transport::Connection>> connections_;
  PeerRegistry peers_;
  bool closed_ = false;
};

}  // namespace privstack::node
