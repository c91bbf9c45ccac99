#include "node/relay/circuit_pipe.h"

#include <memory>
#include <vector>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

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
  for (;;) {
    auto [ec, n] = co_await from->async_read_some(asio::buffer(buffer), kUseTuple);
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
        auto [wec, written] =
            co_await asio::async_write(*to, asio::buffer(buffer.data(), allowed), kUseTuple);
        if (state->aborted) co_return;
        if (wec) {
          state->abort(PipeResult::End::reset);
          co_return;
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
  co_await (copy(state, a, b, buffer_size) && copy(state, b, a, buffer_size));
  if (timer) timer->cancel();
  co_return PipeResult{state->end, state->total};
}

}  // namespace privstack::node
