// What the relay has done, for logs now and for the Prometheus export of issue 6. Plain numbers
// updated on the io_context thread; readers on that thread see them consistent.
#pragma once

#include <cstdint>

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
};

}  // namespace privstack::node
