// Minimal I/O vocabulary the protocol handlers need from a stream, written once for any Asio
// AsyncReadStream + AsyncWriteStream: the QUIC transport stream, a TCP socket, or the in-memory
// boost::beast::test::stream the unit tests use. Every helper reports failure as a Result, never
// as an exception, so a misbehaving peer is a log line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/error_code.hpp>

#include "common/bytes.h"
#include "common/result.h"

namespace privstack::protocol {

namespace asio = boost::asio;

/// The completion token every adapter uses: errors come back as values, not exceptions.
inline constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

/// What a stream must provide; the transport Stream and beast::test::stream both do.
template <class S>
concept AsyncStream = requires(S& s, asio::mutable_buffer mb, asio::const_buffer cb) {
  s.get_executor();
  s.async_read_some(mb, kUseTuple);
  s.async_write_some(cb, kUseTuple);
};

/// Peer ended the stream (FIN) — the normal end of identify, ping and push streams.
inline bool is_eof(const boost::system::error_code& ec) {
  return ec == asio::error::eof;
}

inline Error io_error(std::string_view what, const boost::system::error_code& ec) {
  return make_error("{}: {}", what, ec.message());
}

/// Half-closes the stream: our FIN goes out after pending data, the peer's direction stays open.
/// The transport Stream has close_write(); a TCP socket shuts down its send side; the beast test
/// stream's close() is exactly a half-close (the peer sees EOF, our reads keep working).
template <class S>
void close_write(S& s) {
  if constexpr (requires { s.close_write(); }) {
    s.close_write();
  } else if constexpr (requires(boost::system::error_code ec) {
                         s.shutdown(asio::socket_base::shutdown_send, ec);
                       }) {
    boost::system::error_code ignored;
    s.shutdown(asio::socket_base::shutdown_send, ignored);
  } else {
    s.close();
  }
}

// Lifetimes: an awaitable runs when it is awaited (or co_spawned), not when it is created, so
// arguments it borrows (views, references, `what` labels) must outlive it. The helpers below
// borrow; the protocol adapters built on them take owning arguments.

/// Writes all of `data`. Returns an error naming `what` on failure.
template <AsyncStream S>
asio::awaitable<Result<void>> write_all(S& s, ByteView data, std::string_view what) {
  auto [ec, n] = co_await asio::async_write(s, asio::buffer(data.data(), data.size()), kUseTuple);
  if (ec) co_return io_error(what, ec);
  co_return Result<void>{};
}

/// Writes all of `data`, which the coroutine owns.
template <AsyncStream S>
asio::awaitable<Result<void>> write_owned(S& s, Bytes data, std::string_view what) {
  co_return co_await write_all(s, data, what);
}

/// Outcome of reading exactly N bytes: all of them, a clean EOF before the first byte, or an error
/// (including EOF after some but not all bytes).
enum class ReadExact { ok, eof };

template <AsyncStream S>
asio::awaitable<Result<ReadExact>> read_exact(S& s, std::span<std::uint8_t> out,
                                              std::string_view what) {
  if (out.empty()) co_return ReadExact::ok;  // some streams do not complete empty reads at once
  auto [ec, n] = co_await asio::async_read(s, asio::buffer(out.data(), out.size()), kUseTuple);
  if (!ec) co_return ReadExact::ok;
  if (is_eof(ec) && n == 0) co_return ReadExact::eof;
  if (is_eof(ec)) {
    co_return make_error("{}: stream ended after {} of {} bytes", what, n, out.size());
  }
  co_return io_error(what, ec);
}

}  // namespace privstack::protocol
