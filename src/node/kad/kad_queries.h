// Iterative Kademlia lookups on top of the kad service's routing table, driven by the pure
// protocol::kad::ClosestPeersIterator (α = 3 in flight, K = 20 results, 10 s per peer) under the
// spec's 60 s query timeout:
//   get_closest_peers(key)  FIND_NODE walk towards sha256(key);
//   put_record(record)      that walk on record.key, then PUT_VALUE to the K closest that answered
//                           (rust `put_record`: success = an answer carrying a record);
//   get_record(key)         our own store first, else a GET_VALUE walk that stops at the first
//                           record whose key matches.
//
// Peers learned from closerPeers are only asked, never inserted here: once a request dials one,
// the kad service sees the connection and its identify, and inserts it by the server's rule
// (connected, advertises /ipfs/kad/1.0.0, has an advertisable address). Peers that never answer
// cost one dial attempt and nothing else.
//
// Lifetime: every coroutine holds the KadQueries and the KadService it works on; stop() makes
// running lookups finish at their next step (answers still in flight are then ignored).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "common/bytes.h"
#include "crypto/peer_id.h"
#include "node/kad/kad_client.h"
#include "node/kad/kad_service.h"
#include "protocol/kad/closest_peers_iterator.h"
#include "protocol/kad/message.h"

namespace privstack::node {

struct KadQueryConfig {
  /// α, K and the per-peer timeout (rust: 3, 20, 10 s).
  protocol::kad::ClosestPeersConfig lookup;
  /// A lookup ends after this, with whatever answered (spec: 60 s, rust's default too).
  std::chrono::milliseconds query_timeout{60'000};
  KadClientConfig client;
};

struct PutRecordResult {
  /// Peers that acknowledged the PUT_VALUE.
  std::vector<crypto::PeerId> stored_at;
  /// Peers the record was sent to (the closest found).
  std::size_t attempted = 0;
};

class KadQueries : public std::enable_shared_from_this<KadQueries> {
 public:
  static std::shared_ptr<KadQueries> create(std::shared_ptr<KadService> service,
                                            KadQueryConfig config = {});

  /// The closest peers to sha256(key) that answered, closest first, with the addresses we know.
  /// `seeds` are asked along with the routing table's closest (bootstrap peers not yet in it).
  asio::awaitable<std::vector<protocol::kad::KadPeer>> get_closest_peers(
      Bytes key, std::vector<protocol::kad::KadPeer> seeds = {});
  /// Stores `record` (as given: publisher and ttl are the caller's) at the closest peers.
  asio::awaitable<PutRecordResult> put_record(protocol::kad::KadRecord record);
  asio::awaitable<std::optional<protocol::kad::KadRecord>> get_record(Bytes key);

  /// Makes running lookups finish at their next step; later calls return empty results.
  void stop();
  const KadQueryConfig& config() const { return config_; }

 private:
  struct Lookup;
  struct PutBatch;
  struct LookupOutcome {
    std::vector<protocol::kad::KadPeer> closest;
    std::optional<protocol::kad::KadRecord> record;
  };

  KadQueries(std::shared_ptr<KadService> service, KadQueryConfig config);
  asio::awaitable<LookupOutcome> lookup(Bytes key, protocol::kad::MessageType type,
                                        std::vector<protocol::kad::KadPeer> seeds);
  asio::awaitable<void> ask(std::shared_ptr<Lookup> lookup, crypto::PeerId peer);
  asio::awaitable<void> put_one(std::shared_ptr<PutBatch> batch, protocol::kad::KadPeer peer,
                                protocol::kad::KadMessage request);

  std::shared_ptr<KadService> service_;
  KadQueryConfig config_;
  bool stopped_ = false;
  std::vector<std::weak_ptr<Lookup>> running_;
};

}  // namespace privstack::node
