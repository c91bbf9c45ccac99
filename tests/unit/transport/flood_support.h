// Helpers for the flood tests: an echo listener with limits, clients bound to chosen loopback
// addresses (127.0.0.0/8 is all loopback, so 127.0.0.2 is another source IP), bounded polling,
// and the process RSS for the printed numbers.
#pragma once

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>

#include "test_support.h"

namespace privstack::transport::test {

/// VmRSS of this process in kB (0 if unreadable). Printed, never asserted tightly: under ASan it
/// mostly measures the sanitizer's quarantine.
inline long rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

inline EndpointConfig config_at(const char* ip) {
  EndpointConfig config;
  config.listen = {udp::endpoint(asio::ip::make_address(ip), 0)};
  return config;
}

/// Echoes a stream until the peer's FIN.
inline asio::awaitable<void> echo_stream(std::shared_ptr<Stream> stream) {
  constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
  std::array<std::uint8_t, 4096> buffer{};
  for (;;) {
    auto [ec, n] = co_await stream->async_read_some(asio::buffer(buffer), tuple);
    if (ec) break;
    auto [wec, written] =
        co_await asio::async_write(*stream, asio::buffer(buffer.data(), n), tuple);
    if (wec) co_return;
  }
  stream->close_write();
}

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
