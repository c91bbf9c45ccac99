#include "app/shutdown.h"

#include <algorithm>
#include <csignal>

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

void exit_now(int signal_number) {
  _exit(128 + signal_number);  // async-signal-safe; no destructors, no buffered output
}

}  // namespace

void exit_immediately_on_next_signal() {
  struct sigaction action {};
  action.sa_handler = exit_now;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace privstack::app
