#include "node/relay/circuit_pipe.h"

#include <memory>
#include <vector>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>

#include "protocol/stream_io.h"

namespace privstack::node {

namespace {

using protocol::kUseTuple;

struct PipeState {
  StreamPtr a;
  StreamPtr b;
  std::uint64_t limit = 0;  // 0: unlimited
  std::uint64_t total = 0;
  PipeResult::End end = PipeResult::End::closed;
  bool aborted = false;

  // Both streams reset once; the first reason wins.
  void abort(PipeResult::End why) {
    if (aborted) return;
    aborted = true;
    end = why;
    a->reset();
    b->reset();
  }
};

asio::awaitable<void> copy(std::shared_ptr<PipeState> state, StreamPtr from, StreamPtr to,
                           std::size_t buffer_size) {
  std::vector<std::uint8_t> buffer(buffer_size);
  // Stream reads and writes take their per-operation handler storage from the transport's
  // per-thread handler pool (transport/handler_pool.h), so no allocator is bound here.
  const auto token = kUseTuple;
  for (;;) {
    auto [ec, n] = co_await from->async_read_some(asio::buffer(buffer), token);
    if (state->aborted) co_return;
    if (n > 0) {
      std::size_t allowed = n;
      bool over = false;
      if (state->limit != 0) {
        const std::uint64_t remaining = state->limit - state->total;
        if (n > remaining) {
          allowed = static_cast<std::size_t>(remaining);
          over = true;
        }
      }
      if (allowed > 0) {
        // Counted before the write suspends us: the other direction must see this budget as
        // spent, or both could pass `remaining` bytes at once.
        state->total += allowed;
        // write_some in a loop rather than asio::async_write: the composed op installs a fresh
        // cancellation state per call, so each write's cancellation hook would be allocated anew.
        std::size_t written = 0;
        while (written < allowed) {
          auto [wec, n_written] = co_await to->async_write_some(
              asio::buffer(buffer.data() + written, allowed - written), token);
          if (state->aborted) co_return;
          if (wec) {
            state->abort(PipeResult::End::reset);
            co_return;
          }
          written += n_written;
        }
      }
      if (over) {
        state->abort(PipeResult::End::data_limit);
        co_return;
      }
    }
    if (ec) {
      if (protocol::is_eof(ec)) {
        to->close_write();
      } else {
        state->abort(PipeResult::End::reset);
      }
      co_return;
    }
  }
}

// Ends the circuit when the peer of `stream` aborts it (RESET_STREAM, or connection loss before
// its FIN). The copies alone miss that when the direction reading `stream` is parked in a write to
// a peer that does not read and the other direction waits on that silent peer: nobody reads
// `stream`, so the slot and buffers would stay held (issue 8). A wait on the transport catches it
// without polling. It holds the state weakly and is not awaited, so the pipe still ends the moment
// both copies do; a wait left over completes with operation_aborted when the stream is dropped.
void watch_peer_abort(const std::shared_ptr<PipeState>& state, const StreamPtr& stream) {
  stream->async_wait_peer_abort([weak = std::weak_ptr(state)](boost::system::error_code ec) {
    if (ec) return;
    if (auto live = weak.lock()) live->abort(PipeResult::End::reset);
  });
}

}  // namespace

std::string_view to_string(PipeResult::End end) {
  switch (end) {
    case PipeResult::End::closed:
      return "closed";
    case PipeResult::End::reset:
      return "reset";
    case PipeResult::End::data_limit:
      return "data limit reached";
    case PipeResult::End::duration_limit:
      return "duration limit reached";
  }
  return "unknown";
}

asio::awaitable<PipeResult> run_circuit_pipe(asio::io_context& io, StreamPtr a, StreamPtr b,
                                             protocol::relay::CircuitLimits limits,
                                             std::size_t buffer_size) {
  using namespace asio::experimental::awaitable_operators;
  if (buffer_size == 0) buffer_size = 1;
  auto state = std::make_shared<PipeState>();
  state->a = a;
  state->b = b;
  state->limit = limits.bytes;

  // The timer holds the state weakly: it may fire after the pipe finished.
  std::shared_ptr<asio::steady_timer> timer;
  if (limits.duration.count() > 0) {
    timer = std::make_shared<asio::steady_timer>(io, limits.duration);
    timer->async_wait([weak = std::weak_ptr(state)](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto live = weak.lock()) live->abort(PipeResult::End::duration_limit);
    });
  }
  watch_peer_abort(state, a);
  watch_peer_abort(state, b);
  co_await (copy(state, a, b, buffer_size) && copy(state, b, a, buffer_size));
  if (timer) timer->cancel();
  co_return PipeResult{state->end, state->total};
}

}  // namespace privstack::node
