#include "app/health.h"

#include <gtest/gtest.h>

#include <memory>

namespace privstack::app {
namespace {

using namespace std::chrono_literals;
using Clock = HealthState::Clock;

TEST(Health, AliveWhileTheHeartbeatIsFresh) {
  const auto start = Clock::time_point{} + 1h;
  HealthState state(5s, start);
  EXPECT_TRUE(state.liveness(start).ok);
  EXPECT_TRUE(state.liveness(start + 5s).ok);
  auto stale = state.liveness(start + 6s);
  EXPECT_FALSE(stale.ok);
  EXPECT_EQ(stale.body, R"({"status":"stalled","heartbeat_age_ms":6000})");
  state.heartbeat(start + 6s);
  auto fresh = state.liveness(start + 7s);
  EXPECT_TRUE(fresh.ok);
  EXPECT_EQ(fresh.body, R"({"status":"ok","heartbeat_age_ms":1000})");
}

TEST(Health, ReadyOnlyWhileServing) {
  HealthState state;
  EXPECT_FALSE(state.readiness().ok);
  EXPECT_EQ(state.readiness().body, R"({"status":"starting"})");
  state.set_phase(HealthState::Phase::serving);
  EXPECT_TRUE(state.readiness().ok);
  EXPECT_EQ(state.readiness().body, R"({"status":"ready"})");
  state.set_phase(HealthState::Phase::stopping);
  EXPECT_FALSE(state.readiness().ok);
  EXPECT_EQ(state.readiness().body, R"({"status":"stopping"})");
  // Draining is not dead: liveness stays up so a probe does not kill a relay mid-shutdown.
  EXPECT_TRUE(state.liveness(Clock::now()).ok);
}

TEST(Health, RoutesAnswer200Or503WithJson) {
  auto state = std::make_shared<HealthState>();
  HttpRouter router;
  add_health_routes(router, state);
  HttpRequest request{http::verb::get, "/readyz", 11};
  auto response = router.route(request);
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  EXPECT_EQ(response[http::field::content_type], "application/json");
  state->set_phase(HealthState::Phase::serving);
  EXPECT_EQ(router.route(request).result(), http::status::ok);
  HttpRequest live{http::verb::get, "/healthz", 11};
  auto alive = router.route(live);
  EXPECT_EQ(alive.result(), http::status::ok);
  EXPECT_NE(alive.body().find(R"("status":"ok")"), std::string::npos);
}

}  // namespace
}  // namespace privstack::app
