// The Kademlia routing table: 256 k-buckets of at most K = 20 entries, indexed by the XOR distance
// between sha256(local peer id) and sha256(peer id) (rust `kbucket`). An entry is a peer id, the
// addresses we advertise for it (dialable ones: never unspecified, at most max_addresses), and
// whether it is connected right now. Pure bookkeeping: the kad service decides who goes in.
//
// Policy when a bucket is full (rust's, without its ping): a new peer replaces the disconnected
// entry that has been disconnected the longest; if every entry is connected the new peer is
// refused (connected peers are known-good, and refusing newcomers resists table flooding).
// Disconnected entries stay advertised (marked NOT_CONNECTED) so peers that come and go remain
// findable, but evict_disconnected() drops those disconnected for longer than disconnected_ttl.
// The table therefore never holds more than 256 * K entries.
//
// For kad-query: closest() for the iterative lookups, bucket()/non_empty_buckets() and
// key.h's bucket_range() for bucket refresh.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "crypto/peer_id.h"
#include "multiformats/multiaddr.h"
#include "protocol/kad/key.h"
#include "protocol/kad/message.h"

namespace privstack::protocol::kad {

using Clock = std::chrono::steady_clock;

struct RoutingTableConfig {
  std::size_t k = kK;
  /// Addresses kept per entry (the first ones given win).
  std::size_t max_addresses = 8;
  /// A disconnected entry older than this is evicted by evict_disconnected(); zero = never.
  std::chrono::seconds disconnected_ttl{3600};
};

struct RoutingEntry {
  crypto::PeerId peer;
  KadKey key;
  std::vector<multiformats::Multiaddr> addresses;
  bool connected = false;
  /// When `connected` last changed (or the entry was added).
  Clock::time_point since{};
};

enum class UpsertOutcome {
  inserted,               // new entry in a bucket with room
  updated,                // entry existed; addresses / state refreshed
  replaced_disconnected,  // new entry took the place of a disconnected one
  bucket_full,            // every entry of the bucket is connected: not added
  no_addresses,           // nothing advertisable to store: not added
  self,                   // the local peer is never an entry
};
std::string_view to_string(UpsertOutcome outcome);

/// True for addresses worth advertising: not empty and not an unspecified IP (0.0.0.0, ::).
bool is_advertisable(const multiformats::Multiaddr& address);

class RoutingTable {
 public:
  explicit RoutingTable(const crypto::PeerId& local, RoutingTableConfig config = {});

  const crypto::PeerId& local_peer() const { return local_peer_; }
  const KadKey& local_key() const { return local_key_; }
  const RoutingTableConfig& config() const { return config_; }

  /// Adds or refreshes `peer`. `addresses` are filtered (is_advertisable, deduplicated, capped);
  /// for an existing entry they replace the old ones unless none survive the filter.
  UpsertOutcome upsert(const crypto::PeerId& peer, std::vector<multiformats::Multiaddr> addresses,
                       bool connected, Clock::time_point now);
  /// Changes the connected flag of an existing entry; false if the peer is not in the table.
  bool set_connected(const crypto::PeerId& peer, bool connected, Clock::time_point now);
  bool remove(const crypto::PeerId& peer);
  const RoutingEntry* find(const crypto::PeerId& peer) const;

  /// Up to `n` entries sorted by distance to `target`, closest first, leaving out `exclude`.
  std::vector<RoutingEntry> closest(const KadKey& target, std::size_t n,
                                    const crypto::PeerId* exclude = nullptr) const;
  /// Number of entries closer to `target` than the local key is (rust's count_nodes_between,
  /// used to shorten the expiry of records we are not among the K closest for).
  std::size_t count_closer_than_local(const KadKey& target) const;

  /// Drops disconnected entries older than config().disconnected_ttl; returns how many.
  std::size_t evict_disconnected(Clock::time_point now);

  std::size_t size() const { return size_; }
  const std::vector<RoutingEntry>& bucket(std::size_t index) const { return buckets_.at(index); }
  std::vector<std::size_t> non_empty_buckets() const;

  template <typename Visitor>
  void for_each(Visitor&& visit) const {
    for (const auto& bucket : buckets_)
      for (const auto& entry : bucket)
        visit(entry);
  }

 private:
  std::vector<multiformats::Multiaddr> filter(std::vector<multiformats::Multiaddr> in) const;

  crypto::PeerId local_peer_;
  KadKey local_key_;
  RoutingTableConfig config_;
  std::vector<std::vector<RoutingEntry>> buckets_;
  std::size_t size_ = 0;
};

}  // namespace privstack::protocol::kad
