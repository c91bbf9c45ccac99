// One QUIC connection (ngtcp2 + GnuTLS) to a peer whose libp2p identity has been verified.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <ngtcp2/ngtcp2.h>
#include <boost/asio/steady_timer.hpp>

#include "common/result.h"
#include "crypto/peer_id.h"
#include "crypto/public_key.h"
#include "transport/asio_fwd.h"
#include "transport/connection_id.h"
#include "transport/pending_op.h"
#include "transport/quic_stream.h"
#include "transport/ring_queue.h"
#include "transport/tls_session.h"

namespace privstack::transport {

enum class Direction { inbound, outbound };

class EndpointCore;
class UdpSocket;

class Connection : public std::enable_shared_from_this<Connection> {
  struct Passkey {};  // only the endpoint creates connections

 public:
  using StreamHandler = std::function<void(std::shared_ptr<Stream>)>;
  using ClosedHandler = std::function<void(const std::string& reason)>;

  Connection(Passkey, EndpointCore& core, std::shared_ptr<UdpSocket> socket,
             const udp::endpoint& remote, Direction direction);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  /// Process-unique number, for logs and maps.
  std::uint64_t id() const { return id_; }
  const crypto::PeerId& remote_peer() const { return tls_state_.verified_peer->peer_id; }
  const crypto::PublicKey& remote_public_key() const {
    return tls_state_.verified_peer->public_key;
  }
  udp::endpoint remote_endpoint() const { return remote_; }
  udp::endpoint local_endpoint() const { return local_; }
  Direction direction() const { return direction_; }
  asio::any_io_executor get_executor() const { return executor_; }
  /// Established and not closing.
  bool is_open() const { return state_ == State::established; }
  /// Why the connection closed (empty while it is open).
  const std::string& close_reason() const { return close_reason_; }

  /// Opens a bidirectional stream, waiting for stream credit from the peer if necessary. Fails
  /// once the connection is closed.
  asio::awaitable<Result<std::shared_ptr<Stream>>> open_stream();
  /// Receives streams the peer opens. Streams that arrive before a handler is set are queued.
  void set_stream_handler(StreamHandler handler);
  /// Runs once when the connection closes for any reason (immediately if it already has).
  void on_closed(ClosedHandler handler);
  /// Application close (CONNECTION_CLOSE with `app_error`); pending stream operations fail.
  void close(std::uint64_t app_error = 0, std::string_view reason = {});

 private:
  friend class EndpointCore;
  friend class Stream;
  friend asio::awaitable<Result<std::shared_ptr<Connection>>> dial_connection(
      std::shared_ptr<Connection> connection, udp::endpoint remote);
  struct Callbacks;  // ngtcp2 callback trampolines (quic_connection.cc)

  enum class State { handshaking, established, closing, draining, closed };
  enum class FirstPacket { accepted, retry, dropped };

  // --- used by EndpointCore ---
  static Result<std::shared_ptr<Connection>> accept(
      EndpointCore& core, std::shared_ptr<UdpSocket> socket, const udp::endpoint& remote,
      const ngtcp2_pkt_hd& header, const ngtcp2_cid* original_dcid, ngtcp2_token_type token_type);
  static Result<std::shared_ptr<Connection>> connect(EndpointCore& core,
                                                     std::shared_ptr<UdpSocket> socket,
                                                     const udp::endpoint& remote,
                                                     std::optional<crypto::PeerId> expected);
  /// Feeds one datagram. For the first packet of an inbound connection the result says whether
  /// the endpoint should keep it, answer with a Retry, or forget it.
  FirstPacket on_datagram(ByteView datagram, const udp::endpoint& remote);
  /// Waits until the handshake completed and the peer certificate verified (or failed).
  template <typename Token>
  auto async_wait_handshake(Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code)>(
        [this](auto handler) { start_wait_handshake(std::move(handler)); }, token);
  }
  void start_wait_handshake(asio::any_completion_handler<void(boost::system::error_code)> h);
  /// Endpoint shutdown: send CONNECTION_CLOSE once and release everything now.
  void shutdown_now(std::uint64_t app_error);

  // --- used by Stream ---
  void stream_read(const std::shared_ptr<StreamState>& s, asio::mutable_buffer buffer,
                   Stream::IoHandler handler);
  void stream_write(const std::shared_ptr<StreamState>& s, const ConstBufferList& data,
                    Stream::IoHandler handler);
  void stream_close_write(const std::shared_ptr<StreamState>& s);
  void stream_reset(const std::shared_ptr<StreamState>& s, std::uint64_t app_error);
  void stream_dropped(const std::shared_ptr<StreamState>& s);
  void stream_wait_peer_abort(const std::shared_ptr<StreamState>& s, Stream::AbortHandler handler);

  // --- internals ---
  Result<void> init_tls(TlsSide side);
  void schedule_write();
  void write();
  void arm_timer();
  void on_timer();
  void on_expiry_soon();
  void start_closing(const ngtcp2_ccerr& error, std::string reason);
  void start_draining(std::string reason);
  void finish(std::string reason);
  void notify_closed(std::string reason);
  void handle_liberr(int rv, std::string_view where);
  void on_handshake_done();
  void send_packet(ByteView packet, const udp::endpoint& remote);
  void deliver_inbound_streams();
  void enqueue_write(const std::shared_ptr<StreamState>& s);
  void consume(StreamState& s, std::size_t n);
  void drop_received(StreamState& s);
  void try_complete_read(StreamState& s);
  void try_complete_write(StreamState& s);
  void try_complete_abort_wait(StreamState& s);
  void fail_stream_ops(StreamState& s);
  void wake_stream_waiters();
  std::string describe_remote_close() const;
  static asio::awaitable<Result<std::shared_ptr<Stream>>> open_stream_impl(
      std::shared_ptr<Connection> self);
  template <typename Token>
  auto async_wait_stream_credit(Token&& token) {
    return asio::async_initiate<Token, void(boost::system::error_code)>(
        [this](auto handler) { start_wait_stream_credit(std::move(handler)); }, token);
  }
  void start_wait_stream_credit(asio::any_completion_handler<void(boost::system::error_code)> h);
  void register_cid(const ngtcp2_cid& cid);
  void unregister_cid(const ngtcp2_cid& cid);

  EndpointCore* core_;  // cleared when the connection finishes; the core outlives that moment
  std::shared_ptr<UdpSocket> socket_;
  asio::any_io_executor executor_;
  udp::endpoint local_;
  udp::endpoint remote_;
  Direction direction_;
  std::uint64_t id_;
  State state_ = State::handshaking;

  ngtcp2_conn* conn_ = nullptr;
  TlsPeerState tls_state_;
  SessionPtr session_;
  ngtcp2_ccerr last_error_{};  // set by a callback before it fails

  asio::steady_timer timer_;
  ngtcp2_tstamp armed_expiry_ = UINT64_MAX;
  // arm_timer's shortcut for deadlines within ngtcp2's pacing slack (see there).
  ngtcp2_tstamp soon_expiry_ = UINT64_MAX;
  bool soon_posted_ = false;
  bool write_scheduled_ = false;
  std::vector<ConnectionIdKey> cids_;

  std::unordered_map<std::int64_t, std::shared_ptr<StreamState>> streams_;
  RingQueue<std::shared_ptr<StreamState>> write_queue_;  // churns per packet: no deque
  StreamHandler stream_handler_;
  std::deque<std::shared_ptr<Stream>> pending_inbound_;
  bool delivery_scheduled_ = false;

  PendingOp<void(boost::system::error_code)> handshake_op_;
  struct CreditWaiter {
    std::uint64_t id = 0;
    PendingOp<void(boost::system::error_code)> op;
  };
  std::list<CreditWaiter> credit_waiters_;
  std::uint64_t next_waiter_id_ = 0;
  std::vector<ClosedHandler> closed_handlers_;
  std::string close_reason_;
  bool closed_notified_ = false;

  Bytes close_packet_;
  std::uint64_t packets_while_closing_ = 0;
  ngtcp2_tstamp close_deadline_ = 0;
};

}  // namespace privstack::transport
