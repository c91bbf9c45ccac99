#include "protocol/autonat/client_throttle.h"

#include <algorithm>

namespace privstack::protocol::autonat {

void ClientThrottle::expire(Clock::time_point now) {
  // rust drops entries whose time + period lies before now; an entry exactly one period old
  // still counts there too.
  while (!recent_.empty() && recent_.front().first + limits_.period < now)
    recent_.pop_front();
}

Admission ClientThrottle::check(const crypto::PeerId& peer, Clock::time_point now) {
  expire(now);
  if (ongoing_.contains(peer)) return Admission::ongoing;
  if (limits_.global_max != 0 && recent_.size() >= limits_.global_max) {
    return Admission::global_limit;
  }
  if (limits_.peer_max != 0) {
    const auto mine = static_cast<std::size_t>(std::count_if(
        recent_.begin(), recent_.end(), [&](const auto& entry) { return entry.second == peer; }));
    if (mine >= limits_.peer_max) return Admission::peer_limit;
  }
  return Admission::admitted;
}

void ClientThrottle::start(const crypto::PeerId& peer, Clock::time_point now) {
  expire(now);
  recent_.emplace_back(now, peer);
  ongoing_.insert(peer);
  // With the global cap off, the period alone bounds the deque; with it on, the cap does.
}

}  // namespace privstack::protocol::autonat
