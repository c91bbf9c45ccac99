// The client-side DHT timings the operator may set (--kad-query-timeout, --kad-refresh-interval,
// --kad-replication-interval, --kad-replication-check), kept in a header without I/O so the app's
// Options can hold it. Zero disables a periodic task.
#pragma once

#include <chrono>

namespace privstack::node {

struct KadDhtConfig {
  /// A lookup ends after this with whatever answered (spec: 60 s).
  std::chrono::milliseconds query_timeout{60'000};
  /// Self lookup + bucket refresh (rust: 5 min).
  std::chrono::milliseconds refresh_interval{5 * 60'000};
  /// Re-put of every stored record to the K closest peers (rust: 1 h).
  std::chrono::milliseconds replication_interval{3'600'000};
  /// Prompt replication of records new or changed since we last sent them (ours).
  std::chrono::milliseconds replication_check{10'000};
};

}  // namespace privstack::node
