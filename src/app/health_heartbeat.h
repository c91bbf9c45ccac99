// Beats a HealthState from the event loop once a second: if the loop wedges (a blocking call, a
// busy coroutine) the heartbeat goes stale and /healthz turns 503.
#pragma once

#include <chrono>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "app/health.h"

namespace privstack::app {

class HealthHeartbeat {
 public:
  HealthHeartbeat(boost::asio::io_context& io, std::shared_ptr<HealthState> state,
                  std::chrono::milliseconds period = std::chrono::seconds(1));
  ~HealthHeartbeat();
  HealthHeartbeat(const HealthHeartbeat&) = delete;
  HealthHeartbeat& operator=(const HealthHeartbeat&) = delete;

  /// Cancels the timer so the io_context can run out of work at shutdown.
  void stop();

 private:
  void arm();

  std::shared_ptr<HealthState> state_;
  std::chrono::milliseconds period_;
  // Shared with the pending wait so a completion after destruction finds `stopped` set.
  struct Timer {
    explicit Timer(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    bool stopped = false;
  };
  std::shared_ptr<Timer> timer_;
};

}  // namespace privstack::app
