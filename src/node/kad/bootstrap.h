// Joining the DHT through the operator's `--bootstrap` peers, and keeping the routing table fresh
// (rust-libp2p `bootstrap()` + its periodic bootstrap, go's `Bootstrap` / `RefreshRoutingTable`):
//  - every bootstrap address is dialed until it answers (exponential backoff, each miss logged at
//    info); a reached peer goes into the routing table with the dialed address (we dialed it, so
//    that address is routable — rust's add_address), then a FIND_NODE lookup of our own id fills
//    the buckets around us;
//  - every refresh_interval (rust: 5 min) the same self lookup runs again, plus one lookup of a
//    random key in each non-empty bucket's range, so far buckets learn peers too.
// Random keys are peer-id shaped (sha2-256 multihashes), drawn until sha256(key) lands in the
// bucket; buckets too close to us for refresh_key_attempts draws are skipped (the self lookup
// covers our neighbourhood).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/bytes.h"
#include "multiformats/multiaddr.h"
#include "node/kad/kad_queries.h"
#include "node/kad/kad_service.h"
#include "protocol/kad/key.h"

namespace privstack::node {

struct KadBootstrapConfig {
  /// Peers to join through, each /ip4|ip6/.../udp/N/quic-v1/p2p/<id>.
  std::vector<multiformats::Multiaddr> peers;
  /// Backoff between dials of an unreachable bootstrap peer: doubles from initial up to max.
  std::chrono::milliseconds retry_initial{1'000};
  std::chrono::milliseconds retry_max{60'000};
  /// Periodic self lookup + bucket refresh; zero disables it (rust: 5 min).
  std::chrono::milliseconds refresh_interval{5 * 60'000};
  /// Random keys drawn per bucket before giving up on it (bucket i needs ~2^(256-i) draws).
  std::size_t refresh_key_attempts = 4'096;
};

/// A peer-id-shaped key (sha2-256 multihash bytes) whose KadKey lies in bucket `bucket` of
/// `local`, or nullopt after `attempts` random draws.
std::optional<Bytes> random_key_in_bucket(const protocol::kad::KadKey& local, std::size_t bucket,
                                          std::size_t attempts);

class KadBootstrap : public std::enable_shared_from_this<KadBootstrap> {
 public:
  /// Starts dialing the bootstrap peers and the refresh timer.
  static std::shared_ptr<KadBootstrap> start(std::shared_ptr<KadService> service,
                                             std::shared_ptr<KadQueries> queries,
                                             KadBootstrapConfig config);

  /// Stops retrying and the refresh timer (running lookups end with KadQueries::stop()).
  void stop();
  /// One refresh round now: the self lookup, then one random key per non-empty bucket.
  asio::awaitable<void> refresh();

  /// Bootstrap peers reached so far, and refresh rounds completed (for tests and logs).
  std::size_t joined() const { return joined_; }
  std::size_t refreshes() const { return refreshes_; }

 private:
  KadBootstrap(std::shared_ptr<KadService> service, std::shared_ptr<KadQueries> queries,
               KadBootstrapConfig config);
  asio::awaitable<void> join(multiformats::Multiaddr address);
  asio::awaitable<void> refresh_loop();
  asio::awaitable<bool> sleep(std::chrono::milliseconds duration);

  std::shared_ptr<KadService> service_;
  std::shared_ptr<KadQueries> queries_;
  KadBootstrapConfig config_;
  // Every sleeping coroutine has its own timer; stop() cancels them all.
  std::vector<std::weak_ptr<asio::steady_timer>> timers_;
  bool stopped_ = false;
  std::size_t joined_ = 0;
  std::size_t refreshes_ = 0;
};

}  // namespace privstack::node
