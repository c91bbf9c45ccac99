#include "node/relay/relay_service.h"

#include <variant>

#include <spdlog/spdlog.h>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>

#include "crypto/voucher.h"
#include "node/stream_deadline.h"
#include "protocol/multistream.h"

namespace privstack::node {

namespace {

namespace relay = protocol::relay;
namespace mf = multiformats;

// Metric label for how a circuit ended: one word each, unlike the log wording of to_string.
std::string_view close_reason(PipeResult::End end) {
  switch (end) {
    case PipeResult::End::closed:
      return "closed";
    case PipeResult::End::reset:
      return "reset";
    case PipeResult::End::data_limit:
      return "data_limit";
    case PipeResult::End::duration_limit:
      return "duration_limit";
  }
  return "unknown";
}

using relay::Status;

// A reservation without expiry (ttl 0) still needs an `expire` (rust requires it and renews at ¾
// of the remaining time): a year ahead.
constexpr std::string_view kNoAnswer = "stream ended without an answer";
constexpr std::string_view kNotAStatus = "answer is not a STATUS with a status";

constexpr std::chrono::seconds kUnlimitedTtlOnWire = std::chrono::hours(24 * 365);

std::uint64_t unix_seconds_after(std::chrono::seconds ttl) {
  const auto at = std::chrono::system_clock::now() + ttl;
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count());
}

relay::Requester requester(const transport::Connection& connection) {
  return relay::Requester{connection.remote_peer(), connection.id(),
                          connection.remote_endpoint().address()};
}

// Sends `message` and ends our side. Failures only matter for the log: the peer is gone.
asio::awaitable<bool> answer(StreamPtr stream, relay::HopMessage message) {
  auto sent = co_await relay::write_message(*stream, relay::encode(message));
  if (!sent) {
    spdlog::debug("relay hop to {}: {}", stream->connection().remote_peer(), sent.error().message);
    stream->reset();
    co_return false;
  }
  stream->close_write();
  co_return true;
}

}  // namespace

std::shared_ptr<RelayService> RelayService::install(const std::shared_ptr<Host>& host,
                                                    RelayConfig config) {
  std::shared_ptr<RelayService> service(new RelayService(host, std::move(config)));
  std::weak_ptr<RelayService> weak = service;
  host->set_handler(std::string(relay::kHopProtocolId),
                    [weak](StreamPtr stream, ConnectionPtr connection) -> asio::awaitable<void> {
                      if (auto self = weak.lock()) {
                        co_await self->serve_hop(std::move(stream), std::move(connection));
                      }
                    });
  host->peers().on_disconnected([weak](const PeerRecord& peer, const ConnectionRecord& closed) {
    auto self = weak.lock();
    auto owner = self ? self->host_.lock() : nullptr;
    if (!owner) return;
    const bool had_reservation = self->reserved_.erase(closed.id) > 0;
    if (!had_reservation) return;
    // The reservation outlives this connection while the peer has another one open.
    std::optional<relay::Requester> successor;
    if (auto next = owner->connection_to(peer.id)) {
      successor = requester(*next);
      self->reserved_.emplace(next->id(), next);
    }
    self->resources_.connection_closed(peer.id, closed.id, successor);
    if (successor &&
        !self->resources_.reservation_connection(peer.id, std::chrono::steady_clock::now())) {
      self->reserved_.erase(successor->connection);
    }
  });
  return service;
}

RelayService::RelayService(std::shared_ptr<Host> host, RelayConfig config)
    : host_(host), config_(std::move(config)), resources_(config_.policy) {}

bool RelayService::is_relayed(const transport::Connection&) {
  return false;  // QUIC only: a relayed connection (/p2p-circuit) cannot reach this host
}

std::vector<mf::Multiaddr> RelayService::reservation_addresses() const {
  auto host = host_.lock();
  if (!host) return {};
  std::vector<mf::Multiaddr> addresses;
  if (config_.advertised_addresses) addresses = config_.advertised_addresses();
  if (addresses.empty()) addresses = host->listen_addresses();
  for (auto& address : addresses) {
    const auto last = address.peer_id_bytes();
    if (!last) address = address.with(mf::Protocol::p2p, host->peer_id().bytes());
  }
  // An address naming another peer would make rust dial the wrong relay; drop it.
  std::erase_if(addresses, [&](const mf::Multiaddr& a) {
    return a.peer_id_bytes() != std::optional<Bytes>(host->peer_id().bytes());
  });
  return addresses;
}

asio::awaitable<void> RelayService::serve_hop(StreamPtr stream, ConnectionPtr connection) {
  auto self = shared_from_this();
  auto host = host_.lock();
  if (!host) co_return;
  const crypto::PeerId peer = connection->remote_peer();

  auto deadline = reset_stream_after(host->io(), stream, config_.request_timeout);
  auto frame = co_await relay::read_message(*stream);
  deadline->cancel();
  if (!frame) {
    ++counters_.bad_requests;
    spdlog::debug("relay hop from {}: {}", peer, frame.error().message);
    co_await answer(stream, relay::hop_status(Status::malformed_message));
    co_return;
  }
  if (!frame->has_value()) {
    spdlog::debug("relay hop from {}: stream ended without a request", peer);
    co_return;
  }
  auto request = relay::decode_hop(**frame);
  if (!request) {
    ++counters_.bad_requests;
    spdlog::debug("relay hop from {}: {}", peer, request.error().message);
    co_await answer(stream, relay::hop_status(Status::malformed_message));
    co_return;
  }
  if (is_relayed(*connection)) {
    spdlog::debug("relay hop from {}: refused over a relayed connection", peer);
    co_await answer(stream, relay::hop_status(Status::permission_denied));
    co_return;
  }
  switch (request->type) {
    case relay::HopType::reserve:
      co_await reserve(host, stream, connection);
      co_return;
    case relay::HopType::connect:
      co_await connect(host, stream, connection, std::move(*request));
      co_return;
    case relay::HopType::status:
      break;
  }
  ++counters_.bad_requests;
  spdlog::debug("relay hop from {}: unexpected STATUS message", peer);
  co_await answer(stream, relay::hop_status(Status::unexpected_message));
}

asio::awaitable<void> RelayService::reserve(std::shared_ptr<Host> host, StreamPtr stream,
                                            ConnectionPtr connection) {
  const crypto::PeerId peer = connection->remote_peer();
  auto addresses = reservation_addresses();
  if (addresses.empty()) {
    // Never send an empty list: rust would fail the reservation anyway, and it means we have no
    // address to give, which is a relay misconfiguration.
    ++counters_.reservations_refused;
    ++counters_.reservations_refused_by_reason["NO_ADDRESSES"];
    spdlog::warn("Relay reservation refused for {}: no dialable address to advertise", peer);
    co_await answer(stream, relay::hop_status(Status::reservation_refused));
    co_return;
  }
  auto outcome = resources_.reserve(requester(*connection), std::chrono::steady_clock::now());
  if (outcome.status != Status::ok) {
    ++counters_.reservations_refused;
    ++counters_.reservations_refused_by_reason[std::string(relay::to_string(outcome.status))];
    spdlog::debug("Relay reservation refused for {}: {} (reservations: {})", peer,
                  relay::to_string(outcome.status), resources_.reservations());
    co_await answer(stream, relay::hop_status(outcome.status));
    co_return;
  }
  if (outcome.moved_from) reserved_.erase(*outcome.moved_from);
  reserved_[connection->id()] = connection;

  const auto ttl = config_.policy.reservation_ttl.count() == 0 ? kUnlimitedTtlOnWire
                                                               : config_.policy.reservation_ttl;
  const std::uint64_t expire = unix_seconds_after(ttl);
  relay::HopMessage reply = relay::hop_status(Status::ok, outcome.limits.to_wire());
  reply.reservation =
      relay::Reservation{.expire = expire,
                         .addrs = std::move(addresses),
                         .voucher = crypto::make_voucher(host->keypair(), peer, expire)};
  if (const auto dropped = relay::fit_to_frame(reply); dropped > 0) {
    spdlog::debug("relay reservation for {}: {} addresses left out to fit 4096 bytes", peer,
                  dropped);
  }
  ++counters_.reservations_accepted;
  if (outcome.renewed) ++counters_.reservations_renewed;
  spdlog::info("Relay reservation {} for {} (active: {})", outcome.renewed ? "renewed" : "accepted",
               peer, resources_.reservations());
  co_await answer(stream, std::move(reply));
}

asio::awaitable<void> RelayService::connect(std::shared_ptr<Host> host, StreamPtr stream,
                                            ConnectionPtr connection, relay::HopMessage request) {
  const crypto::PeerId source = connection->remote_peer();
  if (!request.peer) {
    ++counters_.bad_requests;
    spdlog::debug("relay CONNECT from {} without a peer", source);
    co_await answer(stream, relay::hop_status(Status::malformed_message));
    co_return;
  }
  const crypto::PeerId target = request.peer->id;
  auto admitted = resources_.open_circuit(requester(*connection), target, host->peer_id(),
                                          std::chrono::steady_clock::now());
  if (admitted.status != Status::ok) {
    ++counters_.circuits_refused;
    ++counters_.circuits_refused_by_reason[std::string(relay::to_string(admitted.status))];
    spdlog::debug("Relay circuit refused: {} -> {}: {}", source, target,
                  relay::to_string(admitted.status));
    co_await answer(stream, relay::hop_status(admitted.status));
    co_return;
  }
  // From here the slot is ours: every path below frees it exactly once. (serve_hop holds a
  // shared_ptr to the service for the whole exchange, so `this` outlives every co_await here.)
  auto release = [this, circuit_id = admitted.id] { resources_.close_circuit(circuit_id); };

  const auto limit = admitted.limits.to_wire();
  ConnectionPtr target_connection;
  if (auto found = reserved_.find(admitted.dst_connection); found != reserved_.end()) {
    target_connection = found->second.lock();
  }
  StreamPtr stop;
  if (target_connection && target_connection->is_open()) {
    stop = co_await open_stop(host, target_connection, source, limit);
  }
  if (!stop) {
    release();
    ++counters_.circuits_failed;
    spdlog::debug("Relay circuit failed: {} -> {}: target unreachable", source, target);
    co_await answer(stream, relay::hop_status(Status::connection_failed));
    co_return;
  }
  auto accepted =
      co_await relay::write_message(*stream, relay::encode(relay::hop_status(Status::ok, limit)));
  if (!accepted) {
    release();
    ++counters_.circuits_failed;
    spdlog::debug("Relay circuit failed: {} -> {}: {}", source, target, accepted.error().message);
    stream->reset();
    stop->reset();
    co_return;
  }

  ++counters_.relayed_connections;
  ++counters_.circuits_active;
  spdlog::info("Relay circuit established: {} -> {} (total: {})", source, target,
               counters_.relayed_connections);
  const auto circuit_started = std::chrono::steady_clock::now();
  auto result =
      co_await run_circuit_pipe(host->io(), stream, stop, admitted.limits, config_.pipe_buffer);
  release();
  --counters_.circuits_active;
  counters_.bytes_relayed += result.bytes;
  ++counters_.circuits_closed_by_reason[std::string(close_reason(result.end))];
  counters_.circuit_duration.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - circuit_started).count());
  if (result.end == PipeResult::End::data_limit || result.end == PipeResult::End::duration_limit) {
    ++counters_.circuits_limited;
  }
  spdlog::debug("Relay circuit closed: {} -> {}: {} after {} bytes", source, target,
                to_string(result.end), result.bytes);
}

asio::awaitable<StreamPtr> RelayService::open_stop(std::shared_ptr<Host> host, ConnectionPtr target,
                                                   crypto::PeerId source,
                                                   std::optional<relay::Limit> limit) {
  // A target that never grants stream credit must not hold the circuit slot forever: opening
  // the stream is raced against the same deadline (the transport's wait is cancellable).
  using namespace asio::experimental::awaitable_operators;
  asio::steady_timer timer(host->io(), config_.request_timeout);
  auto raced = co_await (target->open_stream() || timer.async_wait(protocol::kUseTuple));
  if (raced.index() != 0) {
    spdlog::debug("relay stop to {}: no stream credit in time", target->remote_peer());
    co_return nullptr;
  }
  auto opened = std::get<0>(std::move(raced));
  if (!opened) {
    spdlog::debug("relay stop to {}: {}", target->remote_peer(), opened.error().message);
    co_return nullptr;
  }
  StreamPtr stop = *opened;
  // One deadline for the whole exchange: negotiation, our CONNECT and the target's answer.
  auto deadline = reset_stream_after(host->io(), stop, config_.request_timeout);
  auto failure = co_await stop_handshake(stop, std::move(source), std::move(limit));
  deadline->cancel();
  if (failure) {
    spdlog::debug("relay stop to {}: {}", target->remote_peer(), *failure);
    stop->reset();
    co_return nullptr;
  }
  co_return stop;
}

asio::awaitable<std::optional<std::string>> RelayService::stop_handshake(
    StreamPtr stop, crypto::PeerId source, std::optional<relay::Limit> limit) {
  // Built outside the co_await expression: GCC 12 fails on an initializer_list's backing array
  // inside one.
  std::vector<std::string> proposal(1, std::string(relay::kStopProtocolId));
  auto selected = co_await protocol::multistream::select(*stop, std::move(proposal));
  if (!selected) co_return selected.error().message;

  relay::StopMessage request;
  request.type = relay::StopType::connect;
  request.peer = relay::PeerInfo{std::move(source), {}};
  request.limit = std::move(limit);
  auto sent = co_await relay::write_message(*stop, relay::encode(request));
  if (!sent) co_return sent.error().message;
  auto frame = co_await relay::read_message(*stop);
  if (!frame) co_return frame.error().message;
  std::optional<std::string> failure;
  if (!frame->has_value()) {
    failure = std::string(kNoAnswer);
  } else if (auto reply = relay::decode_stop(**frame); !reply) {
    failure = reply.error().message;
  } else if (reply->type != relay::StopType::status || !reply->status) {
    failure = std::string(kNotAStatus);
  } else if (*reply->status != Status::ok) {
    failure = std::string(relay::to_string(*reply->status));
  }
  co_return failure;
}

}  // namespace privstack::node
