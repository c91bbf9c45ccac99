// Liveness and readiness for GET /healthz and GET /readyz. Pure state (the clock is passed in) so
// the rules are unit-tested; health_heartbeat.h drives it from the event loop.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "app/http_router.h"

namespace privstack::app {

struct HealthCheck {
  bool ok = false;
  std::string body;  // a tiny JSON object
};

class HealthState {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Phase { starting, serving, stopping };

  /// A heartbeat older than `max_heartbeat_age` means the event loop stopped turning.
  explicit HealthState(std::chrono::milliseconds max_heartbeat_age = std::chrono::seconds(5),
                       Clock::time_point now = Clock::now())
      : max_age_(max_heartbeat_age), last_beat_(now) {}

  void heartbeat(Clock::time_point now) { last_beat_ = now; }
  void set_phase(Phase phase) { phase_ = phase; }
  Phase phase() const { return phase_; }

  /// /healthz: alive while the loop's heartbeat is fresh (also while starting or stopping: a
  /// liveness probe must not restart a relay that is busy draining).
  HealthCheck liveness(Clock::time_point now) const;
  /// /readyz: only while serving (sockets bound, not shutting down).
  HealthCheck readiness() const;

 private:
  std::chrono::milliseconds max_age_;
  Clock::time_point last_beat_;
  Phase phase_ = Phase::starting;
};

/// GET /healthz and GET /readyz: 200 or 503 with the check's JSON body.
void add_health_routes(HttpRouter& router, std::shared_ptr<const HealthState> health);

}  // namespace privstack::app
