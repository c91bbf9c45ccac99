#include "node/kad/kad_service.h"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "node/stream_deadline.h"
#include "protocol/kad/message.h"
#include "protocol/length_prefixed.h"

namespace privstack::node {

namespace kad = protocol::kad;

std::shared_ptr<KadService> KadService::install(const std::shared_ptr<Host>& host,
                                                KadConfig config) {
  std::shared_ptr<KadService> service(new KadService(host, std::move(config)));
  std::weak_ptr<KadService> weak = service;
  host->set_handler(std::string(kad::kProtocolId),
                    [weak](StreamPtr stream, ConnectionPtr connection) -> asio::awaitable<void> {
                      if (auto self = weak.lock()) {
                        co_await self->serve(std::move(stream), std::move(connection));
                      } else {
                        stream->reset();
                      }
                    });
  service->subscribe(*host);
  service->start_sweeper();
  return service;
}

KadService::KadService(const std::shared_ptr<Host>& host, KadConfig config)
    : host_(host),
      config_(std::move(config)),
      routing_(host->peer_id(), config_.routing),
      records_(config_.records),
      providers_(config_.providers),
      handler_(
          routing_, records_, providers_, config_.requests,
          [this](const crypto::PeerId& peer) { return lookup_addresses(peer); },
          [this](const crypto::PeerId& peer) { return is_connected(peer); }) {}

KadService::~KadService() {
  if (sweep_timer_) sweep_timer_->cancel();
}

void KadService::stop() {
  stopped_ = true;
  if (sweep_timer_) sweep_timer_->cancel();
}

void KadService::sweep() {
  const auto now = kad::Clock::now();
  const auto records = records_.sweep(now);
  const auto providers = providers_.sweep(now);
  const auto entries = routing_.evict_disconnected(now);
  if (records + providers + entries > 0) {
    spdlog::debug("kad: swept {} expired records, {} providers, {} stale routing entries", records,
                  providers, entries);
  }
}

void KadService::start_sweeper() {
  auto host = host_.lock();
  if (!host || config_.sweep_interval.count() <= 0) return;
  sweep_timer_ = std::make_shared<asio::steady_timer>(host->io());
  asio::co_spawn(
      host->io(),
      [timer = sweep_timer_, weak = weak_from_this(),
       interval = config_.sweep_interval]() -> asio::awaitable<void> {
        for (;;) {
          if (auto self = weak.lock(); !self || self->stopped_) co_return;
          timer->expires_after(interval);
          auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
          if (ec) co_return;
          auto self = weak.lock();
          if (!self || self->stopped_) co_return;
          self->sweep();
        }
      },
      asio::detached);
}

void KadService::subscribe(Host& host) {
  std::weak_ptr<KadService> weak = weak_from_this();
  host.peers().on_connected([weak](const PeerRecord& peer, const ConnectionRecord&) {
    if (auto self = weak.lock()) self->consider(peer);
  });
  host.peers().on_identified([weak](const PeerRecord& peer) {
    if (auto self = weak.lock()) self->consider(peer);
  });
  host.peers().on_disconnected([weak](const PeerRecord& peer, const ConnectionRecord&) {
    auto self = weak.lock();
    if (!self || !peer.connections.empty()) return;
    self->kad_stream_peers_.erase(peer.id);
    self->routing_.set_connected(peer.id, false, kad::Clock::now());
  });
}

void KadService::consider(const PeerRecord& peer) {
  const auto now = kad::Clock::now();
  const bool connected = !peer.connections.empty();
  const bool supported = peer.supports(kad::kProtocolId) || kad_stream_peers_.contains(peer.id);
  if (!supported) {
    if (peer.identified) {
      if (routing_.remove(peer.id)) {
        spdlog::debug("kad: {} no longer advertises {}; removed from the routing table", peer.id,
                      kad::kProtocolId);
      }
    } else {
      // Reconnected before identify: a known entry is alive again.
      routing_.set_connected(peer.id, connected, now);
    }
    return;
  }
  std::vector<multiformats::Multiaddr> addresses = peer.listen_addresses;
  for (const auto& connection : peer.connections) {
    if (!connection.inbound) addresses.push_back(connection.remote_address);  // we dialed it
  }
  const auto outcome = routing_.upsert(peer.id, std::move(addresses), connected, now);
  if (outcome != kad::UpsertOutcome::updated) {
    spdlog::debug("kad: routing table {}: {} ({} entries)", peer.id, kad::to_string(outcome),
                  routing_.size());
  }
}

std::vector<multiformats::Multiaddr> KadService::lookup_addresses(
    const crypto::PeerId& peer) const {
  auto host = host_.lock();
  if (!host) return {};
  if (peer == host->peer_id()) return host->listen_addresses();
  if (const PeerRecord* record = host->peers().find(peer)) return record->listen_addresses;
  return {};
}

bool KadService::is_connected(const crypto::PeerId& peer) const {
  auto host = host_.lock();
  return host && host->peers().find(peer) != nullptr;
}

asio::awaitable<void> KadService::serve(StreamPtr stream, ConnectionPtr connection) {
  auto self = shared_from_this();
  auto host = host_.lock();
  if (!host) {
    stream->reset();
    co_return;
  }
  const crypto::PeerId peer = connection->remote_peer();
  const std::uint64_t connection_id = connection->id();
  auto& open = inbound_streams_[connection_id];
  if (config_.max_inbound_streams_per_connection != 0 &&
      open >= config_.max_inbound_streams_per_connection) {
    spdlog::debug("kad: {} opened more than {} kad streams on one connection; resetting", peer,
                  config_.max_inbound_streams_per_connection);
    stream->reset();
    co_return;
  }
  ++open;
  ++inbound_streams_total_;

  // It negotiated kad, so it speaks it: a routing-table candidate (rust's ProtocolConfirmed).
  // Only while the registry knows it: its disconnect event is what forgets the mark.
  if (const PeerRecord* record = host->peers().find(peer)) {
    if (kad_stream_peers_.insert(peer).second) consider(*record);
  }

  co_await serve_requests(*host, stream, peer);

  --inbound_streams_total_;
  auto it = inbound_streams_.find(connection_id);
  if (it != inbound_streams_.end() && --it->second == 0) inbound_streams_.erase(it);
}

asio::awaitable<void> KadService::serve_requests(Host& host, StreamPtr shared_stream,
                                                 crypto::PeerId peer) {
  transport::Stream& stream = *shared_stream;
  for (;;) {
    // One deadline per request round: reading the request and writing its answer. A client
    // that goes quiet, or stops reading our answer, loses the stream, not our memory.
    auto deadline = reset_stream_after(host.io(), shared_stream, config_.stream_idle_timeout);
    auto frame = co_await protocol::read_frame(stream, config_.max_message_bytes);
    if (!frame) {
      deadline->cancel();
      ++counters_.requests[{"UNKNOWN", "read_error"}];
      spdlog::debug("kad: bad frame from {}: {}", peer, frame.error().message);
      stream.reset();
      co_return;
    }
    if (!frame->has_value()) {  // clean EOF between requests: the client is done
      deadline->cancel();
      protocol::close_write(stream);
      co_return;
    }
    kad::DecodeStats decode_stats;
    auto request = kad::decode_message(**frame, config_.decode, &decode_stats);
    if (!request) {
      deadline->cancel();
      ++counters_.requests[{"UNKNOWN", "malformed"}];
      spdlog::debug("kad: bad request from {}: {}", peer, request.error().message);
      stream.reset();
      co_return;
    }
    kad::HandleStats stats;
    auto response = handler_.handle(*request, peer, kad::Clock::now(), &stats);
    if (stats.forged_providers > 0) {
      spdlog::debug("kad: dropped {} ADD_PROVIDER entries from {} naming another peer",
                    stats.forged_providers, peer);
    }
    if (!stats.note.empty()) {
      spdlog::debug("kad: {} from {}: {}", kad::to_string(request->type), peer, stats.note);
    }
    const std::string type_label(kad::to_string(request->type));
    if (!response) {
      deadline->cancel();
      ++counters_.requests[{type_label, "refused"}];
      spdlog::debug("kad: {} from {} refused: {}", kad::to_string(request->type), peer,
                    response.error().message);
      stream.reset();
      co_return;
    }
    if (!response->has_value()) {  // ADD_PROVIDER: no answer
      deadline->cancel();
      ++counters_.requests[{type_label, "ok"}];
      continue;
    }
    auto fitted = kad::encode_fitting(std::move(**response), config_.max_response_frame,
                                      config_.max_addrs_per_peer_sent);
    if (!fitted.fits) {
      spdlog::debug("kad: {} answer to {} is {} bytes, over the {}-byte frame limit",
                    kad::to_string(request->type), peer, fitted.body.size(),
                    config_.max_response_frame);
    }
    auto sent = co_await protocol::write_frame(stream, fitted.body);
    deadline->cancel();
    ++counters_.requests[{type_label, sent ? "ok" : "error"}];
    if (!sent) {
      spdlog::debug("kad: cannot answer {}: {}", peer, sent.error().message);
      stream.reset();
      co_return;
    }
  }
}

}  // namespace privstack::node
