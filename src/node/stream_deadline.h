// A deadline for one stream: when it passes first, the stream is reset, which fails whatever read
// or write is pending on it. Used where a peer could otherwise hold a stream open forever
// (negotiation, identify). Cancel the returned timer once the guarded work is done.
#pragma once

#include <chrono>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "transport/endpoint.h"

namespace privstack::node {

inline std::shared_ptr<boost::asio::steady_timer> reset_stream_after(
    boost::asio::io_context& io, const std::shared_ptr<transport::Stream>& stream,
    std::chrono::milliseconds timeout) {
  // The timer is shared and the handler holds only a weak stream: it may run after the coroutine
  // that armed it has finished, and must then touch nothing of it.
  auto timer = std::make_shared<boost::asio::steady_timer>(io, timeout);
  timer->async_wait([weak = std::weak_ptr(stream)](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto expired = weak.lock()) expired->reset();
  });
  return timer;
}

}  // namespace privstack::node
