#include "app/health.h"

#include <fmt/format.h>

namespace privstack::app {

namespace {

const char* phase_name(HealthState::Phase phase) {
  switch (phase) {
    case HealthState::Phase::starting:
      return "starting";
    case HealthState::Phase::serving:
      return "serving";
    case HealthState::Phase::stopping:
      return "stopping";
  }
  return "unknown";
}

}  // namespace

HealthCheck HealthState::liveness(Clock::time_point now) const {
  // A beat "from the future" (clock oddities in tests) counts as fresh.
  const auto age = now > last_beat_
                       ? std::chrono::duration_cast<std::chrono::milliseconds>(now - last_beat_)
                       : std::chrono::milliseconds(0);
  const bool ok = age <= max_age_;
  return {ok, fmt::format(R"({{"status":"{}","heartbeat_age_ms":{}}})", ok ? "ok" : "stalled",
                          age.count())};
}

HealthCheck HealthState::readiness() const {
  const bool ok = phase_ == Phase::serving;
  return {ok, fmt::format(R"({{"status":"{}"}})", ok ? "ready" : phase_name(phase_))};
}

void add_health_routes(HttpRouter& router, std::shared_ptr<const HealthState> health) {
  auto answer = [](const HealthCheck& check, const HttpRequest& request) {
    return make_json_response(check.ok ? http::status::ok : http::status::service_unavailable,
                              check.body, request.version());
  };
  router.get("/healthz", [health, answer](const HttpRequest& request) {
    return answer(health->liveness(HealthState::Clock::now()), request);
  });
  router.get("/readyz", [health, answer](const HttpRequest& request) {
    return answer(health->readiness(), request);
  });
}

}  // namespace privstack::app
