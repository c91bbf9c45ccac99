// Stream helpers the transport, relay and node tests all need: an echo handler and "read until the
// stream ends". One copy here, so that every test echoes and reads the same way.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>

#include "transport/quic_stream.h"

namespace privstack::test {

/// Echoes everything until the peer's FIN, then sends our FIN; a reset or any other error ends
/// it without a FIN. Data that arrived together with the error is still echoed.
inline boost::asio::awaitable<void> echo_stream(std::shared_ptr<transport::Stream> stream) {
  namespace asio = boost::asio;
  constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
  std::array<std::uint8_t, 16 * 1024> buffer{};
  for (;;) {
    auto [ec, n] = co_await stream->async_read_some(asio::buffer(buffer), tuple);
    if (n > 0) {
      auto [wec, written] =
          co_await asio::async_write(*stream, asio::buffer(buffer.data(), n), tuple);
      if (wec) co_return;
    }
    if (ec) {
      if (ec == asio::error::eof) stream->close_write();
      co_return;
    }
  }
}

/// What a stream delivered until it ended, and how it ended (eof for the peer's FIN). `end` comes
/// first so that `auto [ec, data] = co_await read_all(...)` reads naturally.
template <typename Buffer = std::string>
struct ReadAll {
  boost::system::error_code end;
  Buffer data;
};

/// Reads until FIN, a reset or another error. Buffer is std::string or a byte vector.
template <typename Buffer = std::string>
boost::asio::awaitable<ReadAll<Buffer>> read_all(std::shared_ptr<transport::Stream> stream) {
  namespace asio = boost::asio;
  constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
  ReadAll<Buffer> out;
  std::array<typename Buffer::value_type, 4096> chunk{};
  for (;;) {
    auto [ec, n] = co_await stream->async_read_some(asio::buffer(chunk), tuple);
    out.data.insert(out.data.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
    if (ec) {
      out.end = ec;
      co_return out;
    }
  }
}

}  // namespace privstack::test
