#include "node/identify_service.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "node/address.h"
#include "node/stream_deadline.h"
#include "protocol/ping.h"

namespace privstack::node {

namespace identify = protocol::identify;

std::shared_ptr<IdentifyService> IdentifyService::install(const std::shared_ptr<Host>& host,
                                                          IdentifyConfig config) {
  std::shared_ptr<IdentifyService> service(new IdentifyService(host, std::move(config)));
  std::weak_ptr<IdentifyService> weak = service;
  host->set_handler(std::string(identify::kProtocolId),
                    [weak](StreamPtr stream, ConnectionPtr connection) -> asio::awaitable<void> {
                      if (auto self = weak.lock()) {
                        co_await self->respond(std::move(stream), std::move(connection));
                      }
                    });
  host->set_handler(std::string(identify::kPushProtocolId),
                    [weak](StreamPtr stream, ConnectionPtr connection) -> asio::awaitable<void> {
                      if (auto self = weak.lock()) {
                        co_await self->receive_push(std::move(stream), std::move(connection));
                      }
                    });
  host->on_connection([weak](const ConnectionPtr& connection) {
    auto self = weak.lock();
    auto owner = self ? self->host_.lock() : nullptr;
    if (!owner) return;
    asio::co_spawn(owner->io(), self->request(connection), asio::detached);
  });
  return service;
}

IdentifyService::IdentifyService(std::shared_ptr<Host> host, IdentifyConfig config)
    : host_(host), config_(std::move(config)) {}

void IdentifyService::refresh() {
  auto host = host_.lock();
  if (!host) return;
  identify::LocalInfo info{.public_key = host->keypair().public_key(),
                           .protocol_version = config_.protocol_version,
                           .agent_version = config_.agent_version,
                           .listen_addrs = config_.announced_addresses.empty()
                                               ? host->listen_addresses()
                                               : config_.announced_addresses,
                           .protocols = host->protocols(),
                           .signed_peer_record = std::nullopt};
  // go and js order records by seq; milliseconds since the epoch grow across restarts.
  const auto seq =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  info.signed_peer_record = crypto::make_peer_record(host->keypair(), seq, info.listen_addrs);
  local_ = std::move(info);
}

const identify::LocalInfo& IdentifyService::local_info() {
  auto host = host_.lock();
  if (!local_ || (host && local_->protocols != host->protocols())) refresh();
  return *local_;
}

asio::awaitable<void> IdentifyService::respond(StreamPtr stream, ConnectionPtr connection) {
  auto self = shared_from_this();
  auto encoded =
      identify::encode_identify(local_info(), quic_multiaddr(connection->remote_endpoint()));
  if (!encoded) {
    spdlog::warn("identify: cannot encode our message: {}", encoded.error().message);
    stream->reset();
    co_return;
  }
  auto sent = co_await identify::respond_identify(*stream, encoded->body);
  if (!sent) {
    spdlog::debug("identify to {}: {}", connection->remote_peer(), sent.error().message);
    stream->reset();
  }
}

asio::awaitable<void> IdentifyService::request(ConnectionPtr connection) {
  auto self = shared_from_this();
  auto host = host_.lock();
  if (!host) co_return;
  const crypto::PeerId peer = connection->remote_peer();
  auto stream = co_await host->new_stream(connection, std::string(identify::kProtocolId));
  if (!stream) {
    spdlog::debug("identify {}: cannot open stream: {}", peer, stream.error().message);
    co_return;
  }
  auto deadline = reset_stream_after(host->io(), *stream, config_.request_timeout);
  auto info = co_await identify::read_identify(**stream, peer, config_.limits);
  deadline->cancel();
  if (!info) {
    spdlog::debug("identify {}: {}", peer, info.error().message);
    (*stream)->reset();
    co_return;
  }
  spdlog::debug("Identified peer {}: {} ({})", peer, info->agent_version, info->protocol_version);
  if (info->observed_addr && config_.on_observed_address)
    config_.on_observed_address(connection, *info->observed_addr);
  record(peer, *info);
}

asio::awaitable<void> IdentifyService::receive_push(StreamPtr stream, ConnectionPtr connection) {
  auto self = shared_from_this();
  auto host = host_.lock();
  if (!host) co_return;
  const crypto::PeerId peer = connection->remote_peer();
  auto deadline = reset_stream_after(host->io(), stream, config_.request_timeout);
  auto push = co_await identify::read_identify(*stream, peer, config_.limits);
  deadline->cancel();
  if (!push) {
    spdlog::debug("identify push from {}: {}", peer, push.error().message);
    stream->reset();
    co_return;
  }
  // Merge onto what we knew, with rust's rules (only present fields replace ours).
  identify::IdentifyInfo known;
  if (const PeerRecord* record = host->peers().find(peer)) {
    known.listen_addrs = record->listen_addresses;
    known.protocols = record->protocols;
    known.agent_version = record->agent_version;
    known.protocol_version = record->protocol_version;
  }
  identify::apply_push(known, *push);
  record(peer, known);
}

void IdentifyService::record(const crypto::PeerId& peer, const identify::IdentifyInfo& info) {
  auto host = host_.lock();
  if (!host) return;
  host->peers().update_identify(peer, IdentifyUpdate{.listen_addresses = info.listen_addrs,
                                                     .protocols = info.protocols,
                                                     .agent_version = info.agent_version,
                                                     .protocol_version = info.protocol_version});
}

void install_ping(Host& host) {
  host.set_handler(std::string(protocol::ping::kProtocolId),
                   [](StreamPtr stream, ConnectionPtr connection) -> asio::awaitable<void> {
                     auto result = co_await protocol::ping::respond(*stream);
                     if (!result) {
                       spdlog::debug("ping from {}: {}", connection->remote_peer(),
                                     result.error().message);
                       stream->reset();
                     }
                   });
}

}  // namespace privstack::node
