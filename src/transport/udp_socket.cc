#include "transport/udp_socket.h"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/v6_only.hpp>

namespace privstack::transport {

namespace {
// Largest UDP payload; anything bigger is not a datagram we could have been sent.
constexpr std::size_t kMaxDatagram = 65527;
// Datagrams handled per readiness event before giving other work on the io_context a turn.
constexpr int kBatch = 64;
}  // namespace

Result<std::shared_ptr<UdpSocket>> UdpSocket::open(asio::io_context& io,
                                                   const udp::endpoint& local) {
  boost::system::error_code ec;
  udp::socket socket(io);
  socket.open(local.protocol(), ec);
  if (ec) return make_error("open {}: {}", local.address().to_string(), ec.message());
  if (local.address().is_v6()) {
    socket.set_option(asio::ip::v6_only(true), ec);
    if (ec) return make_error("IPV6_V6ONLY: {}", ec.message());
  }
  socket.bind(local, ec);
  if (ec) {
    return make_error("bind {}:{}: {}", local.address().to_string(), local.port(), ec.message());
  }
  socket.non_blocking(true, ec);
  if (ec) return make_error("non_blocking: {}", ec.message());
  // Bigger kernel buffers absorb bursts (handshake floods, a window's worth of data) instead of
  // dropping them; the kernel caps the request at net.core.[rw]mem_max.
  socket.set_option(asio::socket_base::receive_buffer_size(4 * 1024 * 1024), ec);
  socket.set_option(asio::socket_base::send_buffer_size(4 * 1024 * 1024), ec);
  auto bound = socket.local_endpoint(ec);
  if (ec) return make_error("local_endpoint: {}", ec.message());
  return std::make_shared<UdpSocket>(io, std::move(socket), bound);
}

UdpSocket::UdpSocket(asio::io_context&, udp::socket socket, udp::endpoint local)
    : socket_(std::move(socket)), local_(local), buffer_(kMaxDatagram) {}

void UdpSocket::start(Receiver on_datagram, std::function<void()> on_batch_end) {
  on_datagram_ = std::move(on_datagram);
  on_batch_end_ = std::move(on_batch_end);
  wait_readable();
}

void UdpSocket::wait_readable() {
  socket_.async_wait(udp::socket::wait_read,
                     [weak = weak_from_this()](const boost::system::error_code& ec) {
                       auto self = weak.lock();
                       if (!self || ec == asio::error::operation_aborted) return;
                       if (ec) {
                         spdlog::debug("udp wait: {}", ec.message());
                       } else {
                         self->drain();
                       }
                       if (self->socket_.is_open()) self->wait_readable();
                     });
}

void UdpSocket::drain() {
  // Keep ourselves alive: a receiver may close the endpoint (and drop its sockets) mid-batch.
  auto self = shared_from_this();
  for (int i = 0; i < kBatch && socket_.is_open(); ++i) {
    udp::endpoint remote;
    boost::system::error_code ec;
    const std::size_t n = socket_.receive_from(asio::buffer(buffer_), remote, 0, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) {
      // ICMP errors surface here as connection_refused etc.; they concern one peer, not us.
      spdlog::debug("udp receive on port {}: {}", local_.port(), ec.message());
      continue;
    }
    if (on_datagram_) on_datagram_(*this, ByteView(buffer_.data(), n), remote);
  }
  if (on_batch_end_) on_batch_end_();
}

bool UdpSocket::send(ByteView datagram, const udp::endpoint& remote) {
  if (!socket_.is_open()) return false;
  boost::system::error_code ec;
  socket_.send_to(asio::buffer(datagram.data(), datagram.size()), remote, 0, ec);
  if (ec) {
    spdlog::debug("udp send to {}:{}: {}", remote.address().to_string(), remote.port(),
                  ec.message());
    return false;
  }
  return true;
}

void UdpSocket::close() {
  boost::system::error_code ec;
  // The callbacks stay: close() may be called from inside one of them.
  socket_.close(ec);
}

}  // namespace privstack::transport

namespace privstack::transport {
std::string endpoint_string(const udp::endpoint& endpoint) {
  if (endpoint.address().is_v6()) {
    return fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port());
  }
  return fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}
}  // namespace privstack::transport
