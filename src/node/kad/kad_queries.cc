#include "node/kad/kad_queries.h"

#include <algorithm>
#include <unordered_map>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include "protocol/stream_io.h"

namespace privstack::node {

namespace kadp = protocol::kad;
namespace mf = multiformats;
using Clock = std::chrono::steady_clock;

// One running lookup. The driver loop sleeps on `wake` until the next per-peer deadline or the
// query deadline; every answer cancels the timer so the loop re-evaluates at once.
struct KadQueries::Lookup {
  Lookup(asio::io_context& io, Bytes lookup_key, kadp::MessageType request_type,
         std::span<const crypto::PeerId> known, const crypto::PeerId& local,
         const kadp::ClosestPeersConfig& config)
      : key(std::move(lookup_key)),
        type(request_type),
        iterator(kadp::KadKey::from_bytes(key), known, local, config),
        wake(io),
        max_addressed_peers(2 * config.max_tracked_peers) {}

  Bytes key;
  kadp::MessageType type;
  kadp::ClosestPeersIterator iterator;
  asio::steady_timer wake;
  // Addresses learned for peers (routing table, seeds, closerPeers); bounded like the iterator.
  std::unordered_map<crypto::PeerId, std::vector<mf::Multiaddr>> addresses;
  std::size_t max_addressed_peers;
  std::optional<kadp::KadRecord> record;

  void learn(const crypto::PeerId& peer, const std::vector<mf::Multiaddr>& addrs) {
    if (addrs.empty()) return;
    auto found = addresses.find(peer);
    if (found != addresses.end()) {
      if (found->second.empty()) found->second = addrs;
      return;
    }
    if (addresses.size() < max_addressed_peers) addresses.emplace(peer, addrs);
  }
};

// The PUT_VALUE fan-out of put_record(): one request per peer, all at once (at most K).
struct KadQueries::PutBatch {
  explicit PutBatch(asio::io_context& io) : done(io) {}
  std::size_t pending = 0;
  std::vector<crypto::PeerId> stored_at;
  asio::steady_timer done;
};

std::shared_ptr<KadQueries> KadQueries::create(std::shared_ptr<KadService> service,
                                               KadQueryConfig config) {
  return std::shared_ptr<KadQueries>(new KadQueries(std::move(service), std::move(config)));
}

KadQueries::KadQueries(std::shared_ptr<KadService> service, KadQueryConfig config)
    : service_(std::move(service)), config_(std::move(config)) {}

void KadQueries::stop() {
  stopped_ = true;
  for (const auto& weak : running_) {
    if (auto lookup = weak.lock()) {
      lookup->iterator.finish();
      lookup->wake.cancel();
    }
  }
  running_.clear();
}

asio::awaitable<KadQueries::LookupOutcome> KadQueries::lookup(Bytes key, kadp::MessageType type,
                                                              std::vector<kadp::KadPeer> seeds) {
  auto self = shared_from_this();
  auto host = service_->host();
  if (!host || stopped_) co_return LookupOutcome{};
  const crypto::PeerId local = host->peer_id();

  const auto target = kadp::KadKey::from_bytes(key);
  std::vector<crypto::PeerId> known;
  const auto entries =
      service_->routing_table().closest(target, config_.lookup.num_results, &local);
  for (const auto& entry : entries)
    known.push_back(entry.peer);
  for (const auto& seed : seeds)
    known.push_back(seed.id);

  auto state =
      std::make_shared<Lookup>(host->io(), std::move(key), type, known, local, config_.lookup);
  for (const auto& entry : entries)
    state->learn(entry.peer, entry.addresses);
  for (const auto& seed : seeds)
    state->learn(seed.id, seed.addrs);
  std::erase_if(running_, [](const auto& weak) { return weak.expired(); });
  running_.push_back(state);

  const auto deadline = Clock::now() + config_.query_timeout;
  for (;;) {
    const auto now = Clock::now();
    if (now >= deadline && !state->iterator.finished()) {
      spdlog::debug("kad {} lookup: query timeout, ending with what answered",
                    kadp::to_string(type));
      state->iterator.finish();
    }
    auto step = state->iterator.next(now);
    if (step.action == kadp::ClosestPeersIterator::Action::finished) break;
    if (step.action == kadp::ClosestPeersIterator::Action::contact) {
      asio::co_spawn(host->io(), ask(state, std::move(*step.peer)), asio::detached);
      continue;
    }
    auto wake_at = deadline;
    if (auto peer_deadline = state->iterator.next_deadline())
      wake_at = std::min(wake_at, *peer_deadline);
    state->wake.expires_at(wake_at);
    co_await state->wake.async_wait(protocol::kUseTuple);
  }

  LookupOutcome outcome;
  for (auto& peer : state->iterator.result()) {
    auto found = state->addresses.find(peer);
    kadp::KadPeer entry{
        .id = peer,
        .addrs = found == state->addresses.end() ? std::vector<mf::Multiaddr>{} : found->second,
        .connection = host->connection_to(peer) ? kadp::ConnectionType::connected
                                                : kadp::ConnectionType::not_connected};
    outcome.closest.push_back(std::move(entry));
  }
  outcome.record = std::move(state->record);
  spdlog::debug("kad {} lookup: {} peers answered{}", kadp::to_string(type), outcome.closest.size(),
                outcome.record ? ", record found" : "");
  co_return outcome;
}

asio::awaitable<void> KadQueries::ask(std::shared_ptr<Lookup> state, crypto::PeerId peer) {
  auto self = shared_from_this();
  auto host = service_->host();
  if (!host) {
    state->iterator.on_failure(peer);
    state->wake.cancel();
    co_return;
  }
  std::vector<mf::Multiaddr> addresses;
  if (auto found = state->addresses.find(peer); found != state->addresses.end())
    addresses = found->second;
  kadp::KadMessage request{.type = state->type, .key = state->key};
  auto response =
      co_await send_request(*host, peer, std::move(addresses), std::move(request), config_.client);
  if (!response || !*response) {
    spdlog::debug("kad {} to {}: {}", kadp::to_string(state->type), peer,
                  response ? "no answer" : response.error().message);
    state->iterator.on_failure(peer);
    state->wake.cancel();
    co_return;
  }
  const kadp::KadMessage& answer = **response;
  std::vector<crypto::PeerId> closer;
  closer.reserve(answer.closer_peers.size());
  for (const auto& candidate : answer.closer_peers) {
    if (candidate.id == host->peer_id()) continue;
    closer.push_back(candidate.id);
    state->learn(candidate.id, candidate.addrs);
  }
  // rust takes any record in a GET_VALUE answer; we insist on the key we asked for.
  const bool found = state->type == kadp::MessageType::get_value && answer.record &&
                     answer.record->key == state->key;
  if (found && !state->record) state->record = answer.record;
  state->iterator.on_success(peer, closer);
  if (found) state->iterator.finish();
  state->wake.cancel();
}

asio::awaitable<std::vector<kadp::KadPeer>> KadQueries::get_closest_peers(
    Bytes key, std::vector<kadp::KadPeer> seeds) {
  auto outcome = co_await lookup(std::move(key), kadp::MessageType::find_node, std::move(seeds));
  co_return std::move(outcome.closest);
}

asio::awaitable<PutRecordResult> KadQueries::put_record(kadp::KadRecord record) {
  auto self = shared_from_this();
  // rust also walks towards the record key with FIND_NODE, then stores at what it found.
  auto outcome = co_await lookup(record.key, kadp::MessageType::find_node, {});
  PutRecordResult result;
  result.attempted = outcome.closest.size();
  auto host = service_->host();
  if (!host || outcome.closest.empty()) co_return result;

  auto batch = std::make_shared<PutBatch>(host->io());
  batch->pending = outcome.closest.size();
  kadp::KadMessage request{
      .type = kadp::MessageType::put_value, .key = record.key, .record = std::move(record)};
  for (auto& peer : outcome.closest)
    asio::co_spawn(host->io(), put_one(batch, std::move(peer), request), asio::detached);
  while (batch->pending > 0) {
    batch->done.expires_at(Clock::time_point::max());
    co_await batch->done.async_wait(protocol::kUseTuple);
  }
  result.stored_at = std::move(batch->stored_at);
  co_return result;
}

asio::awaitable<void> KadQueries::put_one(std::shared_ptr<PutBatch> batch, kadp::KadPeer peer,
                                          kadp::KadMessage request) {
  auto self = shared_from_this();
  if (auto host = service_->host()) {
    auto response = co_await send_request(*host, peer.id, std::move(peer.addrs), std::move(request),
                                          config_.client);
    // rust counts an answer that carries a record, whatever its key or value.
    if (response && *response && (*response)->record) {
      batch->stored_at.push_back(peer.id);
    } else {
      spdlog::debug("kad PUT_VALUE to {}: {}", peer.id,
                    response ? "answer without a record" : response.error().message);
    }
  }
  --batch->pending;
  batch->done.cancel();
}

asio::awaitable<std::optional<kadp::KadRecord>> KadQueries::get_record(Bytes key) {
  auto self = shared_from_this();
  const auto now = Clock::now();
  if (const auto* local = service_->records().get(key, now)) co_return kadp::to_wire(*local, now);
  auto outcome = co_await lookup(std::move(key), kadp::MessageType::get_value, {});
  co_return std::move(outcome.record);
}

}  // namespace privstack::node
