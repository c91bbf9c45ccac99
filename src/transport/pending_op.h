// One outstanding asynchronous operation: stores its completion handler, honours per-operation
// cancellation (so `co_await (stream.async_read_some(...) || timer.async_wait(...))` works), and
// completes by posting, never inline, as Asio requires of initiating functions.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/post.hpp>

#include "transport/asio_fwd.h"

namespace privstack::transport {

template <typename Signature>
class PendingOp;

template <typename... Args>
class PendingOp<void(Args...)> {
 public:
  using Handler = asio::any_completion_handler<void(Args...)>;

  PendingOp() = default;
  PendingOp(const PendingOp&) = delete;
  PendingOp& operator=(const PendingOp&) = delete;

  bool active() const { return handler_.has_value(); }
  /// Changes with every start(); lets a late cancellation recognise that its operation is gone.
  std::uint64_t generation() const { return generation_; }

  /// Stores `handler`. If the caller cancels the operation, `on_cancel(generation)` is posted to
  /// `executor`; it should check that generation() still matches and the op is active, then
  /// complete it (typically with operation_aborted). Posting instead of calling keeps the
  /// cancellation slot from being cleared while its own handler runs.
  void start(Handler handler, const asio::any_io_executor& executor,
             std::function<void(std::uint64_t)> on_cancel) {
    ++generation_;
    handler_.emplace(std::move(handler));
    auto slot = asio::get_associated_cancellation_slot(*handler_);
    if (slot.is_connected() && on_cancel) {
      slot.assign([executor, cancel = std::move(on_cancel),
                   generation = generation_](asio::cancellation_type type) {
        if ((type & (asio::cancellation_type::terminal | asio::cancellation_type::partial |
                     asio::cancellation_type::total)) != asio::cancellation_type::none) {
          asio::post(executor, [cancel, generation] { cancel(generation); });
        }
      });
    }
  }

  /// Completes the operation with `args` on the handler's executor (or `fallback`).
  void complete(const asio::any_io_executor& fallback, Args... args) {
    if (!handler_) return;
    Handler handler = std::move(*handler_);
    handler_.reset();
    auto slot = asio::get_associated_cancellation_slot(handler);
    if (slot.is_connected()) slot.clear();
    // append() keeps the handler's associated executor, so post() dispatches to it in the end.
    asio::post(fallback, asio::append(std::move(handler), std::move(args)...));
  }

 private:
  std::optional<Handler> handler_;
  std::uint64_t generation_ = 0;
};

}  // namespace privstack::transport
