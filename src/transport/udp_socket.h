// A non-blocking UDP socket on Asio. Receives in batches (wait for readability, then drain without
// blocking) and sends synchronously without queueing: if the kernel buffer is full the datagram is
// dropped and QUIC's loss recovery resends it, which keeps memory bounded.
//
// On Linux the data path uses, each when enabled and accepted by the kernel: recvmmsg/sendmmsg
// (many datagrams per syscall), UDP GRO on receive (the kernel hands over a train of datagrams
// from one sender as one buffer, split here) and UDP GSO on send (one sendmsg carries a run of
// equal-size packets; see udp_batch.h). A kernel or NIC refusing GSO/GRO turns it off for this
// socket and the plain path takes over.
#pragma once

#include <sys/socket.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/result.h"
#include "transport/asio_fwd.h"
#include "transport/udp_batch.h"

namespace privstack::transport {

/// Data-path switches (EndpointConfig carries them); all on by default.
struct UdpOptions {
  bool gso = true;   // UDP_SEGMENT on send
  bool gro = true;   // UDP_GRO on receive
  bool mmsg = true;  // recvmmsg / sendmmsg
  /// flush_soon() defers the flush to a handler posted behind the work already queued, so the
  /// write passes of all connections on this socket in one event-loop turn leave together.
  bool shared_flush = true;
};

/// Syscall and datagram counts, for tests and benchmarks (datagrams per syscall is the point).
struct UdpStats {
  std::uint64_t send_calls = 0;
  std::uint64_t datagrams_sent = 0;
  std::uint64_t gso_sends = 0;  // messages that carried more than one segment
  std::uint64_t send_drops = 0;
  std::uint64_t receive_calls = 0;
  std::uint64_t datagrams_received = 0;
  std::uint64_t gro_receives = 0;  // buffers that held more than one datagram
};

class UdpSocket : public std::enable_shared_from_this<UdpSocket> {
 public:
  using Receiver = std::function<void(UdpSocket&, ByteView datagram, const udp::endpoint& remote)>;

  /// Binds `local`. IPv6 sockets set IPV6_V6ONLY so that 0.0.0.0:P and [::]:P can both be bound.
  static Result<std::shared_ptr<UdpSocket>> open(asio::io_context& io, const udp::endpoint& local,
                                                 UdpOptions options = {});

  udp::endpoint local_endpoint() const { return local_; }
  bool is_v6() const { return local_.address().is_v6(); }
  /// What is in effect now (a switch requested but refused by the kernel reads false).
  const UdpOptions& options() const { return options_; }
  const UdpStats& stats() const { return stats_; }
  int native_handle() { return socket_.native_handle(); }

  /// Starts the receive loop. `on_datagram` runs for every datagram, `on_batch_end` after each
  /// drained batch (the point to flush replies).
  void start(Receiver on_datagram, std::function<void()> on_batch_end);
  /// Sends one datagram now; false if it was dropped (would block, or an error).
  bool send(ByteView datagram, const udp::endpoint& remote);
  /// The batch a writer fills before flush(); one per socket, reused (no per-packet allocation).
  TxBatch& tx_batch() { return tx_; }
  /// Sends everything in tx_batch() with as few syscalls as the options allow, then clears it.
  void flush();
  /// What a connection calls at the end of its write pass: flush() now, or with shared_flush once
  /// the handlers already queued on the io_context have run. With many busy connections a turn
  /// runs one write pass each; their packets then share one sendmmsg instead of one syscall per
  /// pass (each with a GSO run of a few packets and an ACK).
  void flush_soon();
  void close();

  UdpSocket(asio::io_context& io, udp::socket socket, udp::endpoint local, UdpOptions options);
  ~UdpSocket();

 private:
  void wait_readable();
  void drain();
  bool receive_batch(int& budget);
  void send_runs(std::size_t first_run);

  udp::socket socket_;
  udp::endpoint local_;
  UdpOptions options_;
  UdpStats stats_;
  Receiver on_datagram_;
  std::function<void()> on_batch_end_;
  // Receive buffers, one per batch slot; not zero-filled, so an idle socket keeps them virtual.
  std::unique_ptr<std::uint8_t[]> buffer_;
  TxBatch tx_;
  bool flush_posted_ = false;
  // Message headers, iovecs and control buffers for both directions, kept between calls so that
  // neither path allocates per datagram (udp_socket.cc).
  struct Scratch;
  std::unique_ptr<Scratch> scratch_;
};

}  // namespace privstack::transport

namespace privstack::transport {
/// "1.2.3.4:5" / "[::1]:5", for log lines and error messages.
std::string endpoint_string(const udp::endpoint& endpoint);
}  // namespace privstack::transport
