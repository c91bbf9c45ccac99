// One outstanding asynchronous operation: stores its completion handler, honours per-operation
// cancellation (so `co_await (stream.async_read_some(...) || timer.async_wait(...))` works), and
// completes by posting, never inline, as Asio requires of initiating functions.
//
// It runs once per stream read or write, i.e. about once per packet on a relay circuit, so it must
// not touch the heap in steady state:
// - the cancellation callback is a template parameter, stored by value inside the cancellation
//   slot (whose memory the slot reuses from one operation to the next), not a std::function (a
//   weak_ptr plus an executor does not fit its small buffer, so that was one malloc per op);
// - the handler's own storage (any_completion_handler's impl, the posted completion) comes from
//   the handler's associated allocator, which Stream binds to a per-thread pool
//   (transport/handler_pool.h), and the completion is posted as a small object allocated from
//   that pool straight to the io_context (no type-erased executor with a stateful allocator);
// - the cancellation hook stays in the caller's slot after completion (it is generation-checked,
//   so a late cancel is a no-op), and the next operation's hook reuses the slot's memory; clearing
//   it would free and reallocate that memory once per operation.
#pragma once

#include <cstdint>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/asio/append.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "transport/asio_fwd.h"
#include "transport/pooled_post.h"

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

  /// A hint for the next start(): its handler's associated executor runs on the same io_context
  /// as the `fallback` it will be completed through, so the posted completion may call it directly.
  /// Stream sets it where the handler's concrete type is still known: asking the type-erased
  /// handler later converts its executor to any_completion_executor, a heap allocation.
  void set_next_handler_local(bool local) { next_local_ = local; }

  /// Stores `handler`. If the caller cancels the operation, `on_cancel(generation)` is posted to
  /// `executor`; it should check that generation() still matches and the op is active, then
  /// complete it (typically with operation_aborted). Posting instead of calling keeps the
  /// cancellation slot from being cleared while its own handler runs. `on_cancel` is any
  /// callable taking the generation; it is only kept when the handler can be cancelled. The hook
  /// stays in the slot after completion (see the header comment); the generation check makes a
  /// cancellation that arrives later a no-op.
  template <typename OnCancel>
  void start(Handler handler, const asio::any_io_executor& executor, OnCancel&& on_cancel) {
    ++generation_;
    local_ = std::exchange(next_local_, false);
    handler_.emplace(std::move(handler));
    auto slot = asio::get_associated_cancellation_slot(*handler_);
    if (slot.is_connected()) {
      slot.template emplace<CancelHook<std::decay_t<OnCancel>>>(
          executor, std::forward<OnCancel>(on_cancel), generation_);
    }
  }

  /// Completes the operation with `args`: posted to `fallback` (the connection's executor), from
  /// where the handler runs on its own associated executor.
  void complete(const asio::any_io_executor& fallback, Args... args) {
    if (!handler_) return;
    Completion completion{std::move(*handler_), std::tuple<Args...>(std::move(args)...), local_};
    handler_.reset();
    // From the handler pool, straight to the concrete io_context executor (pooled_post.h).
    post_pooled(fallback, std::move(completion));
  }

 private:
  // What the cancellation slot holds while the operation is pending. Cancellation is rare, so the
  // post it makes may allocate; installing and clearing the hook must not.
  template <typename OnCancel>
  struct CancelHook {
    asio::any_io_executor executor;
    OnCancel cancel;
    std::uint64_t generation;

    CancelHook(const asio::any_io_executor& ex, OnCancel&& fn, std::uint64_t gen)
        : executor(ex), cancel(std::move(fn)), generation(gen) {}
    CancelHook(const asio::any_io_executor& ex, const OnCancel& fn, std::uint64_t gen)
        : executor(ex), cancel(fn), generation(gen) {}

    void operator()(asio::cancellation_type type) {
      if ((type & (asio::cancellation_type::terminal | asio::cancellation_type::partial |
                   asio::cancellation_type::total)) == asio::cancellation_type::none) {
        return;
      }
      asio::post(executor,
                 [cancel = cancel, generation = generation]() mutable { cancel(generation); });
    }
  };

  // The posted completion (post_pooled allocates it from the per-thread handler pool).
  struct Completion {
    Handler handler;
    std::tuple<Args...> args;
    bool local = false;

    void operator()() {
      // We run on the connection's io_context. A handler whose executor is that same io_context
      // may be called right here: dispatch() would do the same, via a type-erased executor.
      if (local) {
        std::apply(std::move(handler), std::move(args));
        return;
      }
      // A handler bound elsewhere (a strand, another io_context) runs there; rare, may allocate.
      std::apply(
          [this](Args... values) {
            asio::dispatch(asio::append(std::move(handler), std::move(values)...));
          },
          std::move(args));
    }
  };

  std::optional<Handler> handler_;
  std::uint64_t generation_ = 0;
  bool local_ = false;
  bool next_local_ = false;
};

}  // namespace privstack::transport
