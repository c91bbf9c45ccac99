// Helpers for the flood tests: an echo listener with limits, clients bound to chosen loopback
// addresses (127.0.0.0/8 is all loopback, so 127.0.0.2 is another source IP), bounded polling,
// and the process RSS for the printed numbers.
#pragma once

#include <array>
#include <cstdio>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>

#include "support/process_memory.h"
#include "support/stream_io.h"
#include "test_support.h"

namespace privstack::transport::test {

/// VmRSS of this process in kB (0 if unreadable); see support/process_memory.h.
inline long rss_kb() {
  return ::privstack::test::rss_kib();
}

inline EndpointConfig config_at(const char* ip) {
  EndpointConfig config;
  config.listen = {udp::endpoint(asio::ip::make_address(ip), 0)};
  return config;
}

/// Echoes a stream until the peer's FIN (support/stream_io.h).
using ::privstack::test::echo_stream;

/// Opens a stream, sends `text`, half-closes and reads the echo: proves a connection is served.
inline asio::awaitable<bool> echo_roundtrip(const std::shared_ptr<Connection>& connection,
                                            std::string text = "still served") {
  constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
  auto stream = co_await connection->open_stream();
  if (!stream) co_return false;
  auto [wec, written] = co_await asio::async_write(**stream, asio::buffer(text), tuple);
  if (wec) co_return false;
  (*stream)->close_write();
  std::string echoed;
  std::array<char, 256> buffer{};
  for (;;) {
    auto [ec, n] = co_await (*stream)->async_read_some(asio::buffer(buffer), tuple);
    echoed.append(buffer.data(), n);
    if (ec) break;
  }
  co_return echoed == text;
}

/// Polls `done` every few milliseconds until it holds or `limit` passes; returns whether it held.
/// A hang guard with a generous limit, not a timing assertion.
template <typename Predicate>
asio::awaitable<bool> wait_until(Predicate done, std::chrono::milliseconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) co_return false;
    co_await sleep_for(10ms);
  }
  co_return true;
}

}  // namespace privstack::transport::test
