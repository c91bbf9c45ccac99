#include "node/kad/bootstrap.h"

#include <algorithm>
#include <array>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "node/address.h"
#include "protocol/stream_io.h"

namespace privstack::node {

namespace kadp = protocol::kad;
namespace mf = multiformats;
using Clock = std::chrono::steady_clock;

std::optional<Bytes> random_key_in_bucket(const kadp::KadKey& local, std::size_t bucket,
                                          std::size_t attempts) {
  // One random seed, then sha256(seed ‖ counter) per draw: cheaper than asking GnuTLS each time,
  // and as unpredictable to other peers.
  std::array<std::uint8_t, 40> input{};
  crypto::random_bytes(std::span<std::uint8_t>(input.data(), 32));
  for (std::uint64_t i = 0; i < attempts; ++i) {
    for (std::size_t b = 0; b < 8; ++b)
      input[32 + b] = static_cast<std::uint8_t>(i >> (8 * b));
    const auto digest = crypto::sha256(ByteView(input.data(), input.size()));
    Bytes key{0x12, 0x20};  // sha2-256 multihash: a well-formed peer id for go's FIND_NODE
    key.insert(key.end(), digest.begin(), digest.end());
    if (kadp::bucket_index(kadp::KadKey::from_bytes(key).distance(local)) == bucket) return key;
  }
  return std::nullopt;
}

std::shared_ptr<KadBootstrap> KadBootstrap::start(std::shared_ptr<KadService> service,
                                                  std::shared_ptr<KadQueries> queries,
                                                  KadBootstrapConfig config) {
  std::shared_ptr<KadBootstrap> self(
      new KadBootstrap(std::move(service), std::move(queries), std::move(config)));
  auto host = self->service_->host();
  if (!host) return self;
  for (const auto& address : self->config_.peers)
    asio::co_spawn(host->io(), self->join(address), asio::detached);
  if (self->config_.refresh_interval.count() > 0)
    asio::co_spawn(host->io(), self->refresh_loop(), asio::detached);
  return self;
}

KadBootstrap::KadBootstrap(std::shared_ptr<KadService> service, std::shared_ptr<KadQueries> queries,
                           KadBootstrapConfig config)
    : service_(std::move(service)), queries_(std::move(queries)), config_(std::move(config)) {}

void KadBootstrap::stop() {
  stopped_ = true;
  for (const auto& weak : timers_) {
    if (auto timer = weak.lock()) timer->cancel();
  }
  timers_.clear();
}

asio::awaitable<bool> KadBootstrap::sleep(std::chrono::milliseconds duration) {
  auto host = service_->host();
  if (!host || stopped_) co_return false;
  auto timer = std::make_shared<asio::steady_timer>(host->io(), duration);
  std::erase_if(timers_, [](const auto& weak) { return weak.expired(); });
  timers_.push_back(timer);
  co_await timer->async_wait(protocol::kUseTuple);
  co_return !stopped_;
}

asio::awaitable<void> KadBootstrap::join(mf::Multiaddr address) {
  auto self = shared_from_this();
  const auto peer_bytes = address.peer_id_bytes();
  auto peer = peer_bytes ? crypto::PeerId::from_bytes(*peer_bytes)
                         : Result<crypto::PeerId>(make_error("no /p2p/"));
  if (!peer) {
    spdlog::warn("bootstrap {}: not usable ({}); skipped", address.to_string(),
                 peer.error().message);
    co_return;
  }
  if (!quic_endpoint(address)) {
    // Retrying cannot help: the host dials /ip4|ip6/<ip>/udp/<port>/quic-v1 only (no DNS yet).
    spdlog::warn("bootstrap {}: not an /ip4|ip6/.../udp/N/quic-v1 address; skipped",
                 address.to_string());
    co_return;
  }
  auto backoff = config_.retry_initial;
  for (;;) {
    auto host = service_->host();
    if (!host || stopped_) co_return;
    if (*peer == host->peer_id()) {
      spdlog::info("bootstrap {}: that is us; skipped", address.to_string());
      co_return;
    }
    auto connection = co_await host->dial(address);
    if (connection) break;
    spdlog::info("bootstrap {} unreachable ({}); retrying in {} s", address.to_string(),
                 connection.error().message,
                 std::chrono::duration_cast<std::chrono::seconds>(backoff).count());
    if (!co_await sleep(backoff)) co_return;
    backoff = std::min(backoff * 2, config_.retry_max);
  }

  // We dialed it, so the dialed address is routable (rust's add_address for bootstrap nodes).
  // Identify will confirm kad support and the service keeps the entry in step from then on.
  const std::vector<mf::Multiaddr> dialed{address.decapsulate_p2p()};
  auto outcome = service_->routing_table().upsert(*peer, dialed, true, Clock::now());
  ++joined_;
  spdlog::info("bootstrap: connected to {} (routing table: {})", *peer, kadp::to_string(outcome));

  // Seed the self lookup with it explicitly: identify may not have run yet.
  std::vector<kadp::KadPeer> seeds{kadp::KadPeer{.id = *peer, .addrs = dialed}};
  auto host = service_->host();
  if (!host || stopped_) co_return;
  auto found = co_await queries_->get_closest_peers(host->peer_id().bytes(), std::move(seeds));
  spdlog::info("bootstrap via {}: self lookup found {} peers; routing table holds {}", *peer,
               found.size(), service_->routing_table().size());
}

asio::awaitable<void> KadBootstrap::refresh() {
  auto self = shared_from_this();
  auto host = service_->host();
  if (!host || stopped_) co_return;
  co_await queries_->get_closest_peers(host->peer_id().bytes());
  const auto& table = service_->routing_table();
  for (std::size_t bucket : table.non_empty_buckets()) {
    if (stopped_) co_return;
    auto key = random_key_in_bucket(table.local_key(), bucket, config_.refresh_key_attempts);
    if (!key) continue;
    co_await queries_->get_closest_peers(std::move(*key));
  }
  ++refreshes_;
  spdlog::debug("kad refresh done: routing table holds {}", table.size());
}

asio::awaitable<void> KadBootstrap::refresh_loop() {
  auto self = shared_from_this();
  while (co_await sleep(config_.refresh_interval))
    co_await refresh();
}

}  // namespace privstack::node
