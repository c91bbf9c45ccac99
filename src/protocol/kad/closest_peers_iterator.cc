#include "protocol/kad/closest_peers_iterator.h"

#include <algorithm>

namespace privstack::protocol::kad {

ClosestPeersIterator::ClosestPeersIterator(const KadKey& target,
                                           std::span<const crypto::PeerId> known,
                                           std::optional<crypto::PeerId> local,
                                           ClosestPeersConfig config)
    : config_(config), target_(target), local_(std::move(local)) {
  // Zero would make the lookup finish at once (K) or never send anything (α).
  config_.parallelism = std::max<std::size_t>(config_.parallelism, 1);
  config_.num_results = std::max<std::size_t>(config_.num_results, 1);
  config_.max_tracked_peers = std::max(config_.max_tracked_peers, config_.num_results);
  for (const auto& peer : known)
    insert(peer);
  // Like rust, start from the K closest known peers only.
  while (peers_.size() > config_.num_results)
    peers_.erase(std::prev(peers_.end()));
}

Distance ClosestPeersIterator::distance_to(const crypto::PeerId& peer) const {
  return KadKey::from_peer(peer).distance(target_);
}

void ClosestPeersIterator::insert(const crypto::PeerId& peer) {
  if (local_ && peer == *local_) return;
  peers_.try_emplace(distance_to(peer), Entry{peer});
}

void ClosestPeersIterator::evict_beyond_cap() {
  // Farthest first; never a peer in flight or one that answered (it may be part of the result).
  for (auto it = peers_.end(); peers_.size() > config_.max_tracked_peers && it != peers_.begin();) {
    --it;
    if (it->second.state == PeerState::not_contacted || it->second.state == PeerState::failed) {
      it = peers_.erase(it);
    }
  }
}

bool ClosestPeersIterator::on_success(const crypto::PeerId& peer,
                                      std::span<const crypto::PeerId> closer) {
  if (state_ == State::finished) return false;
  auto found = peers_.find(distance_to(peer));
  if (found == peers_.end() || found->second.id != peer) return false;
  Entry& entry = found->second;
  if (entry.state == PeerState::waiting) {
    --num_waiting_;
  } else if (entry.state != PeerState::unresponsive) {
    return false;  // not asked, already failed, or already answered
  }
  entry.state = PeerState::succeeded;

  // Progress: we still hold fewer than K peers, or an answer brought a new closest peer.
  bool progress = peers_.size() < config_.num_results;
  for (const auto& candidate : closer) {
    if (local_ && candidate == *local_) continue;
    const auto distance = distance_to(candidate);
    const bool inserted = peers_.try_emplace(distance, Entry{candidate}).second;
    if (inserted && peers_.begin()->first == distance) progress = true;
  }
  evict_beyond_cap();

  if (state_ == State::iterating) {
    no_progress_ = progress ? 0 : no_progress_ + 1;
    if (no_progress_ >= config_.parallelism) state_ = State::stalled;
  } else if (state_ == State::stalled && progress) {
    state_ = State::iterating;
    no_progress_ = 0;
  }
  return true;
}

bool ClosestPeersIterator::on_failure(const crypto::PeerId& peer) {
  if (state_ == State::finished) return false;
  auto found = peers_.find(distance_to(peer));
  if (found == peers_.end() || found->second.id != peer) return false;
  Entry& entry = found->second;
  if (entry.state == PeerState::waiting) {
    --num_waiting_;
  } else if (entry.state != PeerState::unresponsive) {
    return false;
  }
  entry.state = PeerState::failed;
  return true;
}

bool ClosestPeersIterator::at_capacity() const {
  switch (state_) {
    case State::stalled:
      // Stalled: ask all of the K closest not yet asked in parallel, as the paper's final round.
      return num_waiting_ >= std::max(config_.num_results, config_.parallelism);
    case State::iterating:
      return num_waiting_ >= config_.parallelism;
    case State::finished:
      return true;
  }
  return true;
}

ClosestPeersIterator::Step ClosestPeersIterator::next(Clock::time_point now) {
  if (state_ == State::finished) return {Action::finished, std::nullopt};

  // Counts answered peers from the closest outwards; becomes "unknown" as soon as a closer peer is
  // still in flight, because then the K closest are not settled yet.
  std::optional<std::size_t> answered = 0;
  // Time out first, then judge capacity (rust judges it before, and so may answer "at capacity"
  // with nothing left in flight, leaving the caller without a deadline to wait for).
  for (auto& [distance, entry] : peers_) {
    if (entry.state == PeerState::waiting && now >= entry.deadline) {
      // Unresponsive: frees its slot, but a late answer is still taken.
      --num_waiting_;
      entry.state = PeerState::unresponsive;
    }
  }
  const bool full = at_capacity();
  for (auto& [distance, entry] : peers_) {
    switch (entry.state) {
      case PeerState::waiting:
        if (full) {
          return {Action::waiting_at_capacity, std::nullopt};
        } else {
          answered.reset();
        }
        break;
      case PeerState::succeeded:
        if (answered && ++*answered >= config_.num_results) {
          state_ = State::finished;
          return {Action::finished, std::nullopt};
        }
        break;
      case PeerState::not_contacted:
        if (full) return {Action::waiting_at_capacity, std::nullopt};
        entry.state = PeerState::waiting;
        entry.deadline = now + config_.peer_timeout;
        ++num_waiting_;
        return {Action::contact, entry.id};
      case PeerState::unresponsive:
      case PeerState::failed:
        break;
    }
  }
  if (num_waiting_ > 0) return {Action::waiting, std::nullopt};
  state_ = State::finished;
  return {Action::finished, std::nullopt};
}

std::vector<crypto::PeerId> ClosestPeersIterator::result() const {
  std::vector<crypto::PeerId> out;
  for (const auto& [distance, entry] : peers_) {
    if (out.size() >= config_.num_results) break;
    if (entry.state == PeerState::succeeded) out.push_back(entry.id);
  }
  return out;
}

std::optional<ClosestPeersIterator::Clock::time_point> ClosestPeersIterator::next_deadline() const {
  std::optional<Clock::time_point> earliest;
  for (const auto& [distance, entry] : peers_) {
    if (entry.state != PeerState::waiting) continue;
    if (!earliest || entry.deadline < *earliest) earliest = entry.deadline;
  }
  return earliest;
}

}  // namespace privstack::protocol::kad
