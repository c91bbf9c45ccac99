// The systemd notify protocol (Type=notify): READY=1 once serving, STOPPING=1 when shutting down,
// and WATCHDOG=1 at half of WATCHDOG_USEC when the unit sets WatchdogSec=. Without NOTIFY_SOCKET
// (not under systemd) every call is a no-op.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace privstack::app {

/// Half the watchdog interval systemd asks for (sd_watchdog_enabled), or none when disabled.
std::optional<std::chrono::microseconds> watchdog_ping_interval();

class SystemdNotifier {
 public:
  explicit SystemdNotifier(boost::asio::io_context& io);
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  /// READY=1 (with a STATUS= line) and starts watchdog pings if the unit wants them.
  void ready(std::string_view status);
  /// STOPPING=1 and stops the watchdog pings.
  void stopping();

 private:
  void arm_watchdog();

  struct Watchdog {
    explicit Watchdog(boost::asio::io_context& io) : timer(io) {}
    boost::asio::steady_timer timer;
    std::chrono::microseconds interval{0};
    bool stopped = false;
  };
  std::shared_ptr<Watchdog> watchdog_;
};

}  // namespace privstack::app
