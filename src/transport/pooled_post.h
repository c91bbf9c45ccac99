// Posting and waiting without the heap: the per-packet posts and waits of the data path (a
// connection's deferred write pass, its pacing wake-up, the socket's shared flush, the timer and
// readiness waits) bind their handlers to the per-thread handler pool (handler_pool.h).
//
// Why: a plain asio::post through any_io_executor, or an async_wait with an unbound lambda, takes
// its operation's memory from Asio's 2-block per-thread recycling cache; with more than two in
// flight at once (several connections, a write pass plus a flush plus a timer) most of them miss
// it and go to malloc, about once per packet on a relay.
#pragma once

#include <utility>

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>

#include "transport/asio_fwd.h"
#include "transport/handler_pool.h"

namespace privstack::transport {

/// `function` bound to the handler pool, for async_wait and friends.
template <typename Function>
auto pooled(Function&& function) {
  return asio::bind_allocator(handler_pool::Allocator<void>{}, std::forward<Function>(function));
}

/// asio::post(executor, function), with the operation allocated from the handler pool. It goes to
/// the concrete io_context executor when there is one: the pool allocator attached to a
/// type-erased executor would not fit its in-place storage (see pending_op.h, complete()).
template <typename Function>
void post_pooled(const asio::any_io_executor& executor, Function&& function) {
  auto handler = pooled(std::forward<Function>(function));
  if (const auto* io = executor.target<asio::io_context::executor_type>()) {
    asio::post(*io, std::move(handler));
  } else {
    asio::post(executor, std::move(handler));
  }
}

}  // namespace privstack::transport
