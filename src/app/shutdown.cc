#include "app/shutdown.h"

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <ctime>

#include <unistd.h>

#include "transport/quic_connection.h"

namespace privstack::app {

void OpenConnections::add(const node::ConnectionPtr& connection) {
  if (connections_.size() >= prune_at_) {
    std::erase_if(connections_, [](const auto& weak) {
      auto held = weak.lock();
      return !held || !held->is_open();
    });
    prune_at_ = std::max<std::size_t>(64, connections_.size() * 2);
  }
  connections_.push_back(connection);
}

std::size_t OpenConnections::close_all(std::uint64_t error_code, std::string_view reason) {
  std::size_t closed = 0;
  // Copy first: close() may run callbacks that add or drop connections.
  auto all = connections_;
  for (const auto& weak : all) {
    if (auto connection = weak.lock(); connection && connection->is_open()) {
      connection->close(error_code, reason);
      ++closed;
    }
  }
  return closed;
}

std::size_t OpenConnections::open_count() const {
  return static_cast<std::size_t>(
      std::count_if(connections_.begin(), connections_.end(), [](const auto& weak) {
        auto connection = weak.lock();
        return connection && connection->is_open();
      }));
}

namespace {

std::int64_t monotonic_ms() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);  // async-signal-safe (POSIX)
  return static_cast<std::int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

// When the graceful stop began, in CLOCK_MONOTONIC milliseconds: written before the handler is
// installed, only read in it.
volatile std::int64_t g_first_signal_ms = 0;

void exit_now(int signal_number) {
  // The same signal often arrives twice in a row: `timeout`, shells and process supervisors
  // forward it to the child *and* to its process group. Only a second signal sent on purpose,
  // a moment later, cuts the drain short.
  if (monotonic_ms() - g_first_signal_ms < kSecondSignalGraceMs) return;
  _exit(128 + signal_number);  // async-signal-safe; no destructors, no buffered output
}

}  // namespace

void exit_immediately_on_next_signal() {
  g_first_signal_ms = monotonic_ms();
  struct sigaction action {};
  action.sa_handler = exit_now;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace privstack::app
