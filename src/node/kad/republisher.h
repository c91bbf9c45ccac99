// Replication of the records this relay stores to the K closest peers of each key, so a record put
// through one relay is found through any other (rust-libp2p `PutRecordJob`):
//  - every `interval` (rust record_replication_interval: 1 h) each live record is re-put with
//    KadQueries::put_record, carrying its publisher and its *remaining* ttl unchanged: we are
//    never the originator, so rust's 22 h re-publication (which restarts the ttl) does not apply;
//  - every `new_record_check` (ours; rust has no such pass) records that are new or changed since
//    we last sent them are replicated at once, so a fresh PUT reaches the other relays in seconds
//    rather than at the next hourly pass. A record we received from a peer and then re-sent does
//    not bounce back: the copy that returns is unchanged, so it is not "new" again.
// Not done (documented simplification): rust's "store on a newly connected peer that is closer to
// a key than we are" — the next pass reaches it.
// At most max_parallel records are replicated at once, so a full store never runs 1024 lookups at
// once.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "crypto/hash.h"
#include "node/kad/kad_queries.h"
#include "node/kad/kad_service.h"

namespace privstack::node {

struct KadReplicationConfig {
  /// Full pass over the store; zero disables it (rust: 1 h).
  std::chrono::milliseconds interval{3'600'000};
  /// Pass over records not yet sent (new or changed); zero disables it.
  std::chrono::milliseconds new_record_check{10'000};
  /// Records whose put (lookup + PUT_VALUE) runs at once within a pass; a lookup stuck on a dead
  /// peer lasts its 10 s per-peer timeout, so one at a time could not finish 1024 records an hour.
  std::size_t max_parallel = 8;
};

class KadRepublisher : public std::enable_shared_from_this<KadRepublisher> {
 public:
  static std::shared_ptr<KadRepublisher> start(std::shared_ptr<KadService> service,
                                               std::shared_ptr<KadQueries> queries,
                                               KadReplicationConfig config);

  void stop();
  /// Replicates every live record (all = true) or only those not sent yet; returns how many
  /// records were put (each to whatever closest peers the lookup found).
  asio::awaitable<std::size_t> replicate(bool all);

  /// Completed passes and records sent over all passes (for tests and logs).
  std::size_t passes() const { return passes_; }
  std::size_t records_sent() const { return records_sent_; }

 private:
  KadRepublisher(std::shared_ptr<KadService> service, std::shared_ptr<KadQueries> queries,
                 KadReplicationConfig config);
  struct InFlight;
  asio::awaitable<void> loop(std::chrono::milliseconds period, bool all);
  asio::awaitable<void> put_one(std::shared_ptr<InFlight> slots, protocol::kad::KadRecord record);

  std::shared_ptr<KadService> service_;
  std::shared_ptr<KadQueries> queries_;
  KadReplicationConfig config_;
  // What we last sent per record key: sha256 of value and publisher (not the ttl, which only
  // counts down). Pruned to the keys the store still holds, so bounded by the store's limit.
  std::unordered_map<std::string, crypto::Sha256Digest> sent_;
  std::vector<std::weak_ptr<asio::steady_timer>> timers_;
  std::size_t passes_running_ = 0;
  bool stopped_ = false;
  std::size_t passes_ = 0;
  std::size_t records_sent_ = 0;
};

}  // namespace privstack::node
