// In-memory record store with rust-libp2p MemoryStore semantics (`record/store/memory.rs`): any
// key is accepted (no namespace validation), `publisher` and the expiry are kept, at most
// max_records records (a put of a new key beyond it fails, as rust's Error::MaxRecords, and the
// server then resets the stream) and values of at most max_value_bytes. Expired records are
// never returned: get() drops them, sweep() drops them all.
//
// Expiry on receipt mirrors rust's `record_received`: the record's own ttl (field 777, seconds
// from now) and the server's record_ttl (48 h default, shortened exponentially when more than K
// known peers are closer to the key than we are) — the earlier wins; with neither, no expiry.
// On the wire we return the remaining ttl in whole seconds, at least 1 (0 means "no expiry").
//
// For kad-query: records() lists every live record (replication), put() stores ours.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "crypto/peer_id.h"
#include "protocol/kad/message.h"
#include "protocol/kad/routing_table.h"

namespace privstack::protocol::kad {

struct StoredRecord {
  Bytes key;
  Bytes value;
  std::optional<crypto::PeerId> publisher;
  std::optional<Clock::time_point> expires;  // none = never
  Clock::time_point received{};

  bool expired(Clock::time_point now) const { return expires && *expires <= now; }
};

struct RecordStoreLimits {
  std::size_t max_records = 1024;           // rust MemoryStoreConfig default; 0 = no limit
  std::size_t max_value_bytes = 65 * 1024;  // rust MemoryStoreConfig default; 0 = no limit
};

/// rust's expiry for a received record: min(now + wire ttl, now + record_ttl >> beyond_k), where
/// beyond_k = max(closer_peers, k) - k; nullopt (never) when neither applies.
std::optional<Clock::time_point> expiry_on_receipt(std::uint32_t wire_ttl,
                                                   std::optional<std::chrono::seconds> record_ttl,
                                                   std::size_t closer_peers, std::size_t k,
                                                   Clock::time_point now);

/// Remaining ttl for the wire: 0 without expiry, else whole seconds left, at least 1.
std::uint32_t remaining_ttl(const StoredRecord& record, Clock::time_point now);

/// The record as sent in a GET_VALUE answer (publisher and remaining ttl included).
KadRecord to_wire(const StoredRecord& record, Clock::time_point now);

class RecordStore {
 public:
  explicit RecordStore(RecordStoreLimits limits = {}) : limits_(limits) {}

  /// Stores or replaces the record under record.key. Errors (nothing changes): value over
  /// max_value_bytes; a new key while max_records live records are stored.
  Result<void> put(StoredRecord record);
  /// The live record under `key`, or null (an expired one is removed now).
  const StoredRecord* get(ByteView key, Clock::time_point now);
  bool remove(ByteView key);
  /// Removes every expired record; returns how many.
  std::size_t sweep(Clock::time_point now);

  std::size_t size() const { return records_.size(); }
  const RecordStoreLimits& limits() const { return limits_; }
  /// Copies of every live record (for replication).
  std::vector<StoredRecord> records(Clock::time_point now) const;

  template <typename Visitor>
  void for_each(Visitor&& visit) const {
    for (const auto& record : records_)
      visit(record);
  }

 private:
  // Records are looked up by their own key (heterogeneous lookup), so the key bytes are stored
  // once: a map keyed by a copy of the key cost ~100 more bytes a record.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(ByteView key) const noexcept {
      return std::hash<std::string_view>{}(as_chars(key));
    }
    std::size_t operator()(const StoredRecord& r) const noexcept { return (*this)(r.key); }
  };
  struct KeyEqual {
    using is_transparent = void;
    static ByteView key(ByteView k) { return k; }
    static ByteView key(const StoredRecord& r) { return r.key; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const noexcept {
      const ByteView x = key(a);
      const ByteView y = key(b);
      return std::equal(x.begin(), x.end(), y.begin(), y.end());
    }
  };

  RecordStoreLimits limits_;
  std::unordered_set<StoredRecord, KeyHash, KeyEqual> records_;
};

}  // namespace privstack::protocol::kad
