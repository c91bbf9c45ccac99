// The iterative-lookup state machine of Kademlia, with the semantics of rust-libp2p's
// `ClosestPeersIter` (kad/src/query/peers/closest.rs): peers are kept sorted by XOR distance of
// sha256(peer id) to sha256(target key); at most α requests are in flight (K while stalled); a peer
// that fails is dropped, one that does not answer within the per-peer timeout stops counting
// against α but may still answer; the lookup ends when the K closest known peers have all answered,
// or when nobody is left to ask. Pure: no I/O, the caller reports outcomes and the current time.
// Two deliberate differences from rust: timed-out peers free their slot before capacity is judged
// in the same next() call (rust can answer "at capacity" with nothing in flight), and the number
// of tracked peers is bounded (max_tracked_peers).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "crypto/peer_id.h"
#include "protocol/kad/key.h"

namespace privstack::protocol::kad {

struct ClosestPeersConfig {
  /// α: requests in flight while the lookup makes progress (rust ALPHA_VALUE).
  std::size_t parallelism = 3;
  /// K: how many closest peers must answer for the lookup to succeed (rust K_VALUE).
  std::size_t num_results = 20;
  /// After this, a waiting peer no longer holds a parallelism slot (rust: 10 s).
  std::chrono::milliseconds peer_timeout{10'000};
  /// Peers tracked at most. rust has no bound; peers answering with ever new far-away ids would
  /// otherwise grow the table for the whole query timeout. The farthest peers not yet asked are
  /// dropped first; peers in flight or that answered are never dropped.
  std::size_t max_tracked_peers = 1'000;
};

class ClosestPeersIterator {
 public:
  using Clock = std::chrono::steady_clock;

  /// What the caller should do next.
  enum class Action {
    contact,              // send a request to `peer`
    waiting,              // nothing new to ask; wait for an outstanding answer
    waiting_at_capacity,  // α requests in flight; wait for one of them
    finished,             // done: read result()
  };
  struct Step {
    Action action;
    std::optional<crypto::PeerId> peer;  // set for `contact`
  };

  /// `target` is the hashed lookup key (KadKey::from_bytes of a peer id or a record key).
  /// `known` are the starting peers (e.g. the routing table's closest); `local` (us) is never
  /// tracked, wherever it shows up.
  ClosestPeersIterator(const KadKey& target, std::span<const crypto::PeerId> known,
                       std::optional<crypto::PeerId> local = std::nullopt,
                       ClosestPeersConfig config = {});

  /// `peer` answered with `closer`. Returns false (and changes nothing) if we were not waiting for
  /// it, it already reported, or the lookup is finished.
  bool on_success(const crypto::PeerId& peer, std::span<const crypto::PeerId> closer);
  /// The request to `peer` failed; it is dropped from the lookup. Same return rule as on_success.
  bool on_failure(const crypto::PeerId& peer);

  /// Advances the state machine; call it after every outcome and whenever a timer fires.
  Step next(Clock::time_point now);
  /// Ends the lookup now (overall query timeout): result() keeps what answered so far.
  void finish() { state_ = State::finished; }

  bool finished() const { return state_ == State::finished; }
  std::size_t num_waiting() const { return num_waiting_; }
  /// Peers tracked (any state); bounded by config.max_tracked_peers + the starting set.
  std::size_t tracked() const { return peers_.size(); }
  /// Up to K peers that answered, closest first.
  std::vector<crypto::PeerId> result() const;
  /// Earliest per-peer deadline among peers in flight, so the caller knows when to call next().
  std::optional<Clock::time_point> next_deadline() const;

 private:
  enum class PeerState { not_contacted, waiting, unresponsive, succeeded, failed };
  enum class State { iterating, stalled, finished };
  struct Entry {
    crypto::PeerId id;
    PeerState state = PeerState::not_contacted;
    Clock::time_point deadline{};
  };

  Distance distance_to(const crypto::PeerId& peer) const;
  void insert(const crypto::PeerId& peer);
  void evict_beyond_cap();
  bool at_capacity() const;

  ClosestPeersConfig config_;
  KadKey target_;
  std::optional<crypto::PeerId> local_;
  std::map<Distance, Entry> peers_;  // sorted by distance: begin() is the closest
  State state_ = State::iterating;
  std::size_t no_progress_ = 0;
  std::size_t num_waiting_ = 0;
};

}  // namespace privstack::protocol::kad
