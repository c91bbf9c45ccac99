#include "app/health_heartbeat.h"

namespace privstack::app {

HealthHeartbeat::HealthHeartbeat(boost::asio::io_context& io, std::shared_ptr<HealthState> state,
                                 std::chrono::milliseconds period)
    : state_(std::move(state)), period_(period), timer_(std::make_shared<Timer>(io)) {
  state_->heartbeat(HealthState::Clock::now());
  arm();
}

HealthHeartbeat::~HealthHeartbeat() {
  stop();
}

void HealthHeartbeat::stop() {
  timer_->stopped = true;
  timer_->timer.cancel();
}

void HealthHeartbeat::arm() {
  if (timer_->stopped) return;
  timer_->timer.expires_after(period_);
  timer_->timer.async_wait([timer = timer_, state = state_, this](boost::system::error_code ec) {
    if (ec || timer->stopped) return;
    state->heartbeat(HealthState::Clock::now());
    arm();
  });
}

}  // namespace privstack::app
