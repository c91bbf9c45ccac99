// What the relay has done, for logs now and for the Prometheus export of issue 6. Plain numbers
// updated on the io_context thread; readers on that thread see them consistent.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace privstack::node {

struct RelayCounters {
  std::uint64_t relayed_connections = 0;    // circuits established (the spec's counter)
  std::uint64_t reservations_accepted = 0;  // new reservations and renewals
  std::uint64_t reservations_renewed = 0;   // of which renewals or moves to a new connection
  std::uint64_t reservations_refused = 0;
  std::uint64_t circuits_refused = 0;  // refused by policy (limits, no reservation, self)
  std::uint64_t circuits_failed = 0;   // admitted, but the target could not be reached
  std::uint64_t circuits_active = 0;   // gauge
  std::uint64_t circuits_limited = 0;  // closed by the data or duration limit
  std::uint64_t bytes_relayed = 0;     // both directions, closed circuits
  std::uint64_t bad_requests = 0;      // malformed or unexpected hop messages

  // Issue 6 (metrics): the same events broken down by reason, for the Prometheus export. Keys are
  // wire status names (protocol::relay::to_string) or pipe ends (to_string(PipeResult::End)), so
  // only values we produce ever appear: the label sets stay small and bounded.
  std::map<std::string, std::uint64_t, std::less<>> reservations_refused_by_reason;
  std::map<std::string, std::uint64_t, std::less<>> circuits_refused_by_reason;
  std::map<std::string, std::uint64_t, std::less<>> circuits_closed_by_reason;

  /// Lifetime of established circuits, in seconds (closed circuits only). Cumulative buckets are
  /// computed by the exporter; counts here are per bucket (the last one is "above every bound").
  struct DurationHistogram {
    // Relays default to 2-minute circuits; go's relaysvc uses similar bounds.
    static constexpr std::array<double, 10> kBounds = {0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 3600};
    std::array<std::uint64_t, kBounds.size() + 1> counts{};
    double sum = 0;
    std::uint64_t count = 0;

    void observe(double seconds) {
      std::size_t bucket = 0;
      while (bucket < kBounds.size() && seconds > kBounds[bucket])
        ++bucket;
      ++counts[bucket];
      sum += seconds;
      ++count;
    }
  };
  DurationHistogram circuit_duration;
};

}  // namespace privstack::node
