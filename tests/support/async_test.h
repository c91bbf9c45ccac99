// Hang guards for tests that drive an io_context: run a test coroutine to completion, and wait for
// a condition, each with a generous bound that fails the test instead of hanging CI. These are
// never timing assertions: a bound is only hit when something is broken.
#pragma once

#include <chrono>
#include <exception>
#include <functional>

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace privstack::test {

/// Runs `body` on `io` until it finishes, at most `limit` of wall time; a coroutine that is not
/// done by then fails the test, and an exception it threw is rethrown here.
inline void run(boost::asio::io_context& io, std::function<boost::asio::awaitable<void>()> body,
                std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  bool done = false;
  std::exception_ptr failure;
  boost::asio::co_spawn(io, body(), [&](std::exception_ptr e) {
    done = true;
    failure = e;
  });
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    // A previous run may have left the context stopped (out of work); run_for would then return
    // at once forever.
    if (io.stopped()) io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(done) << "test coroutine did not finish within " << limit.count() << " ms";
  if (failure) std::rethrow_exception(failure);
}

/// Polls `condition` every `step` until it holds or `limit` passed; the result is what the caller
/// asserts. Pass only cheap, reference-capturing lambdas inside a co_await expression (GCC 12
/// destroys some temporaries there twice).
template <typename Condition>
boost::asio::awaitable<bool> eventually(
    Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(20),
    std::chrono::milliseconds step = std::chrono::milliseconds(10)) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) co_return true;
    timer.expires_after(step);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  co_return condition();
}

}  // namespace privstack::test
