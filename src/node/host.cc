#include "node/host.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "node/address.h"
#include "node/interface_addresses.h"
#include "node/stream_deadline.h"

namespace privstack::node {

namespace mf = multiformats;

Result<std::shared_ptr<Host>> Host::create(asio::io_context& io, crypto::Ed25519Keypair keypair,
                                           HostConfig config) {
  std::shared_ptr<Host> host(new Host(io, std::move(keypair), std::move(config)));
  auto transport_config = host->config_.transport;
  transport_config.listen = host->config_.listen;
  auto endpoint = transport::Endpoint::create(io, host->keypair_, transport_config);
  if (!endpoint) return endpoint.error();
  host->endpoint_ = std::move(*endpoint);
  std::weak_ptr<Host> weak = host;
  host->endpoint_->set_connection_handler([weak](const ConnectionPtr& connection) {
    if (auto self = weak.lock()) self->accept(connection);
  });
  return host;
}

Host::Host(asio::io_context& io, crypto::Ed25519Keypair keypair, HostConfig config)
    : io_(io),
      keypair_(std::move(keypair)),
      peer_id_(keypair_.peer_id()),
      config_(std::move(config)) {}

Host::~Host() {
  close();
}

void Host::set_handler(std::string protocol, StreamHandler handler) {
  handlers_[std::move(protocol)] = std::move(handler);
}

std::vector<std::string> Host::protocols() const {
  std::vector<std::string> result;
  result.reserve(handlers_.size());
  for (const auto& [protocol, handler] : handlers_)
    result.push_back(protocol);
  return result;
}

std::vector<asio::ip::udp::endpoint> Host::bound_endpoints() const {
  return endpoint_ ? endpoint_->local_endpoints() : std::vector<asio::ip::udp::endpoint>{};
}

transport::EndpointCounters Host::transport_counters() const {
  return endpoint_ ? endpoint_->counters() : transport::EndpointCounters{};
}

std::vector<mf::Multiaddr> Host::listen_addresses() const {
  std::vector<mf::Multiaddr> result;
  for (const auto& endpoint : expand_wildcards(bound_endpoints())) {
    result.push_back(quic_multiaddr(endpoint));
  }
  return result;
}

void Host::accept(const ConnectionPtr& connection) {
  if (closed_) {
    connection->close(0, "shutting down");
    return;
  }
  const crypto::PeerId peer = connection->remote_peer();
  const std::uint64_t id = connection->id();
  const bool inbound = connection->direction() == transport::Direction::inbound;
  peers_.add_connection(
      peer, ConnectionRecord{.id = id,
                             .remote_address = quic_multiaddr(connection->remote_endpoint()),
                             .inbound = inbound,
                             .since = std::chrono::steady_clock::now()});
  connections_[id] = connection;
  spdlog::info("Peer connected: {} (total served: {})", peer, peers_.peers_served());

  std::weak_ptr<Host> weak = shared_from_this();
  connection->on_closed([weak, peer, id](const std::string& reason) {
    auto self = weak.lock();
    if (!self) return;
    spdlog::debug("Peer disconnected: {} ({})", peer, reason);
    self->connections_.erase(id);
    self->peers_.remove_connection(peer, id);
  });
  std::weak_ptr<transport::Connection> weak_connection = connection;
  connection->set_stream_handler([weak, weak_connection](StreamPtr stream) {
    auto self = weak.lock();
    auto owner = weak_connection.lock();
    if (!self || !owner) {
      stream->reset();
      return;
    }
    asio::co_spawn(self->io_, self->serve_stream(std::move(stream), std::move(owner)),
                   asio::detached);
  });
  for (const auto& observer : observers_)
    observer(connection);
}

asio::awaitable<void> Host::serve_stream(StreamPtr stream, ConnectionPtr connection) {
  auto self = shared_from_this();
  // A peer that opens a stream and never finishes negotiating would hold it forever.
  auto deadline = reset_stream_after(io_, stream, config_.negotiation_timeout);
  auto protocol = co_await protocol::multistream::listen(
      *stream, [this](std::string_view name) { return handlers_.contains(name); },
      config_.multistream);
  deadline->cancel();
  if (!protocol) {
    spdlog::debug("stream from {}: negotiation failed: {}", connection->remote_peer(),
                  protocol.error().message);
    stream->reset();
    co_return;
  }
  auto handler = handlers_.find(*protocol);
  if (handler == handlers_.end()) {  // removed while negotiating
    stream->reset();
    co_return;
  }
  co_await handler->second(std::move(stream), std::move(connection));
}

asio::awaitable<Result<ConnectionPtr>> Host::dial(const mf::Multiaddr& address) {
  auto target = quic_endpoint(address);
  if (!target) co_return make_error("cannot dial {}: not a QUIC address", address.to_string());
  auto peer_bytes = address.peer_id_bytes();
  if (!peer_bytes) co_return make_error("cannot dial {}: no /p2p/ peer id", address.to_string());
  auto peer = crypto::PeerId::from_bytes(*peer_bytes);
  if (!peer) co_return peer.error();
  auto connection = co_await endpoint_->dial(*target, *peer);
  if (!connection) co_return connection.error();
  accept(*connection);
  co_return *connection;
}

asio::awaitable<Result<StreamPtr>> Host::new_stream(const ConnectionPtr& connection,
                                                    std::string protocol) {
  auto stream = co_await connection->open_stream();
  if (!stream) co_return stream.error();
  auto selected = co_await protocol::multistream::select(**stream, protocol, config_.multistream);
  if (!selected) {
    (*stream)->reset();
    co_return selected.error();
  }
  co_return *stream;
}

void Host::close() {
  if (closed_) return;
  closed_ = true;
  if (endpoint_) endpoint_->close();
}

ConnectionPtr Host::connection_to(const crypto::PeerId& peer) const {
  const PeerRecord* record = peers_.find(peer);
  if (!record) return nullptr;
  // Newest first: an older connection may be the one that is about to close.
  for (auto it = record->connections.rbegin(); it != record->connections.rend(); ++it) {
    auto found = connections_.find(it->id);
    if (found == connections_.end()) continue;
    if (auto connection = found->second.lock(); connection && connection->is_open())
      return connection;
  }
  return nullptr;
}

}  // namespace privstack::node
