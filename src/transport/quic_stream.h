// A libp2p stream = one bidirectional QUIC stream, exposed as an Asio AsyncReadStream and
// AsyncWriteStream so asio::async_read/async_write and coroutines work on it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/buffer.hpp>

#include "transport/asio_fwd.h"
#include "transport/handler_pool.h"

namespace privstack::transport {

class Connection;
struct StreamState;

/// Up to 16 buffers of a gathered write (the rest of a longer sequence is written by the next
/// async_write_some call, as write_some semantics allow).
struct ConstBufferList {
  static constexpr std::size_t kMax = 16;
  std::array<asio::const_buffer, kMax> items{};
  std::size_t count = 0;
  std::size_t total() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < count; ++i)
      n += items[i].size();
    return n;
  }
};

class Stream {
 public:
  using executor_type = asio::any_io_executor;
  using IoHandler = asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;
  using AbortHandler = asio::any_completion_handler<void(boost::system::error_code)>;

  Stream(std::shared_ptr<Connection> connection, std::shared_ptr<StreamState> state);
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  /// Dropping a stream finishes it gracefully: FIN after the buffered data if close_write() was
  /// not called, and STOP_SENDING if the peer's data was not read to the end.
  ~Stream();

  executor_type get_executor() const;
  std::int64_t id() const;
  Connection& connection() const { return *connection_; }

  /// Reads at least one byte into the first non-empty buffer. Completes with asio::error::eof after
  /// the peer's FIN, asio::error::connection_reset after RESET_STREAM or connection loss,
  /// operation_aborted when cancelled.
  template <typename MutableBufferSequence,
            typename Token = asio::default_completion_token_t<executor_type>>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token = Token()) {
    asio::mutable_buffer first;
    for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
         ++it) {
      asio::mutable_buffer b(*it);
      if (b.size() != 0) {
        first = b;
        break;
      }
    }
    return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, asio::mutable_buffer buffer) {
          const bool local = runs_here(handler);
          start_read(buffer, IoHandler(pooled(std::move(handler))), local);
        },
        token, first);
  }

  /// Copies as much as the bounded send buffer has room for (at least one byte, waiting for room
  /// if necessary). Completes with connection_reset if the stream or connection is gone, or
  /// broken_pipe after close_write()/STOP_SENDING.
  template <typename ConstBufferSequence,
            typename Token = asio::default_completion_token_t<executor_type>>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token = Token()) {
    ConstBufferList list;
    for (auto it = asio::buffer_sequence_begin(buffers);
         it != asio::buffer_sequence_end(buffers) && list.count < ConstBufferList::kMax; ++it) {
      asio::const_buffer b(*it);
      if (b.size() != 0) list.items[list.count++] = b;
    }
    return asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBufferList& data) {
          const bool local = runs_here(handler);
          start_write(data, IoHandler(pooled(std::move(handler))), local);
        },
        token, list);
  }

  /// Completes (with no error) once the peer aborted the stream: RESET_STREAM received, or the
  /// connection lost before the peer's FIN; at once if that already happened. Completes with
  /// operation_aborted when cancelled or after our own reset()/drop. Exists because a task that
  /// is blocked writing elsewhere (a relay pipe) does not read this stream and so would never
  /// see the reset; it can race its write against this instead of polling. One wait at a time: a
  /// second one completes with in_progress.
  template <typename Token = asio::default_completion_token_t<executor_type>>
  auto async_wait_peer_abort(Token&& token = Token()) {
    return asio::async_initiate<Token, void(boost::system::error_code)>(
        [this](auto handler) { start_wait_peer_abort(AbortHandler(std::move(handler))); }, token);
  }

  /// Sends FIN after everything already written. Further writes fail.
  void close_write();
  /// Aborts both directions: RESET_STREAM and STOP_SENDING with `app_error`.
  void reset(std::uint64_t app_error = 0);

 private:
  /// Reads and writes run about once per packet on a relay circuit: the type-erased handler and
  /// its posted completion come from the per-thread handler pool, not the heap.
  template <typename Handler>
  static auto pooled(Handler&& handler) {
    return asio::bind_allocator(handler_pool::Allocator<void>(), std::forward<Handler>(handler));
  }
  /// A handler that came with its own allocator gets ours instead (rebinding an allocator_binder
  /// directly would pick its converting constructor and not compile).
  template <typename Inner, typename OtherAllocator>
  static auto pooled(asio::allocator_binder<Inner, OtherAllocator>&& handler) {
    return asio::bind_allocator(handler_pool::Allocator<void>(), std::move(handler.get()));
  }

  /// Whether `handler` runs on the io_context of this stream's connection (then its completion
  /// can call it without going through a type-erased executor). Only io_context executors are
  /// recognised; anything else (a strand, another context) is completed the general way.
  template <typename Handler>
  bool runs_here(const Handler& handler) const {
    const executor_type mine = get_executor();
    const auto* here = mine.template target<asio::io_context::executor_type>();
    if (here == nullptr) return false;
    const auto theirs = asio::get_associated_executor(handler, mine);
    using Theirs = std::decay_t<decltype(theirs)>;
    if constexpr (std::is_same_v<Theirs, asio::any_io_executor>) {
      const auto* there = theirs.template target<asio::io_context::executor_type>();
      return there != nullptr && &there->context() == &here->context();
    } else if constexpr (std::is_same_v<Theirs, asio::io_context::executor_type>) {
      return &theirs.context() == &here->context();
    } else {
      return false;
    }
  }

  void start_read(asio::mutable_buffer buffer, IoHandler handler, bool local);
  void start_write(const ConstBufferList& data, IoHandler handler, bool local);
  void start_wait_peer_abort(AbortHandler handler);

  std::shared_ptr<Connection> connection_;
  std::shared_ptr<StreamState> state_;
};

}  // namespace privstack::transport
