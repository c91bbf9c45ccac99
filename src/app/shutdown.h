// Graceful shutdown pieces: the connections to close with a reason, and the "second signal exits
// at once" handler installed once the first SIGTERM/SIGINT started a graceful stop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "node/host.h"

namespace privstack::app {

/// QUIC application error code and reason of the CONNECTION_CLOSE sent to every peer on shutdown.
/// 0 is what rust-libp2p and go-libp2p use for an orderly close, so peers log no error; the
/// reason tells an operator on the other side why.
inline constexpr std::uint64_t kShutdownErrorCode = 0;
inline constexpr std::string_view kShutdownReason = "shutting down";

/// Every connection the host established (weakly held: the transport owns them).
class OpenConnections {
 public:
  void add(const node::ConnectionPtr& connection);
  /// Application-closes each still-open connection; returns how many were closed.
  std::size_t close_all(std::uint64_t error_code, std::string_view reason);
  std::size_t open_count() const;

 private:
  std::vector<std::weak_ptr<transport::Connection>> connections_;
  std::size_t prune_at_ = 64;  // dead entries are dropped when the list doubles
};

/// A repeat of the first signal within this long is the same signal delivered twice (forwarded to
/// the process and to its group), not an operator asking again; it is ignored.
inline constexpr std::int64_t kSecondSignalGraceMs = 1000;

/// Replaces the SIGINT/SIGTERM disposition with one that _exit()s at once (status 128 + signal):
/// an operator's second Ctrl-C or `systemctl kill` must not wait for a slow drain. Signals within
/// kSecondSignalGraceMs of this call are ignored.
void exit_immediately_on_next_signal();

}  // namespace privstack::app
