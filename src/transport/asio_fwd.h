// The Asio vocabulary this layer uses, with the short `asio::` spelling the rest of the tree uses.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/system/error_code.hpp>

namespace privstack::transport {
namespace asio = boost::asio;
using udp = boost::asio::ip::udp;
}  // namespace privstack::transport
