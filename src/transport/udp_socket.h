// A non-blocking UDP socket on Asio. Receives in batches (wait for readability, then drain without
// blocking) and sends synchronously without queueing: if the kernel buffer is full the datagram is
// dropped and QUIC's loss recovery resends it, which keeps memory bounded.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "transport/asio_fwd.h"

namespace privstack::transport {

class UdpSocket : public std::enable_shared_from_this<UdpSocket> {
 public:
  using Receiver = std::function<void(UdpSocket&, ByteView datagram, const udp::endpoint& remote)>;

  /// Binds `local`. IPv6 sockets set IPV6_V6ONLY so that 0.0.0.0:P and [::]:P can both be bound.
  static Result<std::shared_ptr<UdpSocket>> open(asio::io_context& io, const udp::endpoint& local);

  udp::endpoint local_endpoint() const { return local_; }
  bool is_v6() const { return local_.address().is_v6(); }

  /// Starts the receive loop. `on_datagram` runs for every datagram, `on_batch_end` after each
  /// drained batch (the point to flush replies).
  void start(Receiver on_datagram, std::function<void()> on_batch_end);
  /// Sends one datagram now; false if it was dropped (would block, or an error).
  bool send(ByteView datagram, const udp::endpoint& remote);
  void close();

  UdpSocket(asio::io_context& io, udp::socket socket, udp::endpoint local);

 private:
  void wait_readable();
  void drain();

  udp::socket socket_;
  udp::endpoint local_;
  Receiver on_datagram_;
  std::function<void()> on_batch_end_;
  std::vector<std::uint8_t> buffer_;
};

}  // namespace privstack::transport

namespace privstack::transport {
/// "1.2.3.4:5" / "[::1]:5", for log lines and error messages.
std::string endpoint_string(const udp::endpoint& endpoint);
}  // namespace privstack::transport
