#include "app/systemd_notify.h"

#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

namespace privstack::app {

namespace {

void notify(const std::string& state) {
  // unset_environment = 0: keep NOTIFY_SOCKET, later STOPPING=1 and WATCHDOG=1 need it.
  const int sent = sd_notify(0, state.c_str());
  if (sent < 0) spdlog::warn("sd_notify failed: {}", -sent);
}

}  // namespace

std::optional<std::chrono::microseconds> watchdog_ping_interval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

SystemdNotifier::SystemdNotifier(boost::asio::io_context& io)
    : watchdog_(std::make_shared<Watchdog>(io)) {}

SystemdNotifier::~SystemdNotifier() {
  watchdog_->stopped = true;
  watchdog_->timer.cancel();
}

void SystemdNotifier::ready(std::string_view status) {
  notify(fmt::format("READY=1\nSTATUS={}", status));
  if (auto interval = watchdog_ping_interval()) {
    spdlog::info("systemd watchdog enabled: pinging every {} ms", interval->count() / 1000);
    watchdog_->interval = *interval;
    notify("WATCHDOG=1");
    arm_watchdog();
  }
}

void SystemdNotifier::stopping() {
  watchdog_->stopped = true;
  watchdog_->timer.cancel();
  notify("STOPPING=1\nSTATUS=shutting down");
}

void SystemdNotifier::arm_watchdog() {
  if (watchdog_->stopped) return;
  watchdog_->timer.expires_after(watchdog_->interval);
  // The ping runs on the event loop, so a wedged loop stops pinging and systemd restarts us.
  watchdog_->timer.async_wait([watchdog = watchdog_, this](boost::system::error_code ec) {
    if (ec || watchdog->stopped) return;
    notify("WATCHDOG=1");
    arm_watchdog();
  });
}

}  // namespace privstack::app
