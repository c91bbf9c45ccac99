// Helpers shared by the QUIC endpoint tests: run a coroutine on an io_context with a safety
// deadline, one-shot async queues, and a pair of endpoints on loopback.
#pragma once

#include <chrono>
#include <cstdlib>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "transport/endpoint.h"

namespace privstack::transport::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

/// Runs `body` to completion (or until `limit` of wall time, which fails the test: it is a hang
/// guard, not a timing assertion).
inline void run(asio::io_context& io, std::function<asio::awaitable<void>()> body,
                std::chrono::seconds limit = std::chrono::seconds(60)) {
  bool done = false;
  std::exception_ptr failure;
  asio::co_spawn(io, body(), [&](std::exception_ptr e) {
    done = true;
    failure = e;
    io.stop();
  });
  io.run_for(limit);
  io.restart();
  ASSERT_TRUE(done) << "test coroutine did not finish within " << limit.count() << " s";
  if (failure) std::rethrow_exception(failure);
}

/// Sleeps inside a coroutine (used for pacing a slow reader, never for correctness).
inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  co_await timer.async_wait(asio::use_awaitable);
}

/// A single-consumer queue a callback can push into and a coroutine can await.
template <typename T>
class AsyncQueue {
 public:
  explicit AsyncQueue(asio::io_context& io) : timer_(io) {
    timer_.expires_at(asio::steady_timer::time_point::max());
  }
  void push(T value) {
    items_.push_back(std::move(value));
    timer_.cancel();
  }
  /// Waits for the next item; nullopt after `limit`.
  asio::awaitable<std::optional<T>> pop(std::chrono::milliseconds limit = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (items_.empty()) {
      if (std::chrono::steady_clock::now() >= deadline) co_return std::nullopt;
      timer_.expires_at(deadline);
      boost::system::error_code ec;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    T value = std::move(items_.front());
    items_.pop_front();
    co_return value;
  }
  std::size_t size() const { return items_.size(); }

 private:
  asio::steady_timer timer_;
  std::deque<T> items_;
};

/// PRIVSTACK_DEBUG=1 in the environment turns on the transport's debug log lines.
inline void maybe_enable_debug_log() {
  if (std::getenv("PRIVSTACK_DEBUG") != nullptr) spdlog::set_level(spdlog::level::debug);
}

inline EndpointConfig loopback_config(bool v6 = false) {
  EndpointConfig config;
  config.listen = {
      udp::endpoint(v6 ? asio::ip::make_address("::1") : asio::ip::make_address("127.0.0.1"), 0)};
  return config;
}

}  // namespace privstack::transport::test
