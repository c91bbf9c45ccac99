#include "transport/quic_connection.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include <ngtcp2/ngtcp2_crypto.h>
#include <spdlog/spdlog.h>
#include <boost/asio/append.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "crypto/random.h"
#include "transport/endpoint_core.h"
#include "transport/pooled_post.h"
#include "transport/stream_state.h"
#include "transport/udp_socket.h"

namespace privstack::transport {

namespace {

using boost::system::error_code;

std::atomic<std::uint64_t> g_next_connection_id{1};

// ngtcp2's NGTCP2_PKT_PACING_OVERHEAD (lib/ngtcp2_conn.c, not in its public header): a packet
// whose pacing time is at most this far ahead may already be sent.
constexpr ngtcp2_duration kPacingSlack = NGTCP2_MILLISECONDS;

// ngtcp2 wants nanoseconds on a monotonic clock; steady_clock's own epoch is as good as any, and
// using it directly lets timer deadlines convert back without an offset.
ngtcp2_tstamp now_ts() {
  return static_cast<ngtcp2_tstamp>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

ngtcp2_addr to_addr(const udp::endpoint& endpoint) {
  // ngtcp2 never writes through a path it is given; the const_cast only satisfies its C API.
  return {const_cast<ngtcp2_sockaddr*>(endpoint.data()),
          static_cast<ngtcp2_socklen>(endpoint.size())};
}

ngtcp2_path make_path(const udp::endpoint& local, const udp::endpoint& remote) {
  return {to_addr(local), to_addr(remote), nullptr};
}

udp::endpoint to_endpoint(const ngtcp2_addr& addr) {
  udp::endpoint endpoint;
  const std::size_t size = std::min<std::size_t>(addr.addrlen, endpoint.capacity());
  std::memcpy(endpoint.data(), addr.addr, size);
  endpoint.resize(size);
  return endpoint;
}

ngtcp2_cid random_cid(std::size_t length) {
  ngtcp2_cid cid{};
  cid.datalen = length;
  crypto::random_bytes(std::span(cid.data, length));
  return cid;
}

template <typename Handler, typename... Args>
void post_completion(Handler handler, const asio::any_io_executor& fallback, Args... args) {
  asio::post(fallback, asio::append(std::move(handler), std::move(args)...));
}

// Peer-supplied close reasons end up in our logs: keep them short and printable.
std::string printable(const std::uint8_t* data, std::size_t size) {
  std::string out;
  for (std::size_t i = 0; i < size && i < 200; ++i) {
    const char c = static_cast<char>(data[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

void fill_settings(ngtcp2_settings& settings, const EndpointConfig& config) {
  ngtcp2_settings_default(&settings);
  settings.initial_ts = now_ts();
  settings.handshake_timeout =
      static_cast<ngtcp2_duration>(config.handshake_timeout.count()) * NGTCP2_MILLISECONDS;
  // ngtcp2 auto-tunes windows upwards to these maxima; pinning them to the configured windows
  // keeps the per-connection receive memory at what the configuration promises.
  settings.max_window = config.connection_receive_window;
  settings.max_stream_window = config.stream_receive_window;
  static constexpr std::uint32_t kVersions[] = {NGTCP2_PROTO_VER_V1};
  // Off: no probes, every packet stays at QUIC's 1200 bytes (write() says why that was the case).
  settings.no_pmtud = config.quic_pmtud ? 0 : 1;
  settings.preferred_versions = kVersions;
  settings.preferred_versionslen = 1;
  settings.available_versions = kVersions;
  settings.available_versionslen = 1;
}

void fill_params(ngtcp2_transport_params& params, const EndpointConfig& config) {
  ngtcp2_transport_params_default(&params);
  params.initial_max_stream_data_bidi_local = config.stream_receive_window;
  params.initial_max_stream_data_bidi_remote = config.stream_receive_window;
  params.initial_max_stream_data_uni = 0;
  params.initial_max_data = config.connection_receive_window;
  params.initial_max_streams_bidi = config.max_streams_bidi;
  // rust and js peers allow no unidirectional streams and libp2p uses none; refuse them too.
  params.initial_max_streams_uni = 0;
  params.max_idle_timeout =
      static_cast<ngtcp2_duration>(config.max_idle_timeout.count()) * NGTCP2_MILLISECONDS;
  params.active_connection_id_limit = 4;
  params.max_datagram_frame_size = 0;  // no DATAGRAM frames
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ngtcp2 callbacks. They run inside ngtcp2_conn_read_pkt/writev_stream/handle_expiry, so they only
// update state and post completions; nothing here calls back into the application directly.

struct Connection::Callbacks {
  static Connection& self(void* user_data) { return *static_cast<Connection*>(user_data); }
  static StreamState* stream(void* stream_user_data) {
    return static_cast<StreamState*>(stream_user_data);
  }

  static void rand(std::uint8_t* dest, std::size_t length, const ngtcp2_rand_ctx*) {
    crypto::random_bytes(std::span(dest, length));
  }

  static int get_new_connection_id(ngtcp2_conn*, ngtcp2_cid* cid, std::uint8_t* token,
                                   std::size_t length, void* user_data) {
    auto& c = self(user_data);
    if (c.core_ == nullptr) return NGTCP2_ERR_CALLBACK_FAILURE;
    *cid = random_cid(length);
    const auto& secret = c.core_->static_secret();
    if (ngtcp2_crypto_generate_stateless_reset_token(token, secret.data(), secret.size(), cid) !=
        0) {
      return NGTCP2_ERR_CALLBACK_FAILURE;
    }
    c.register_cid(*cid);
    return 0;
  }

  static int remove_connection_id(ngtcp2_conn*, const ngtcp2_cid* cid, void* user_data) {
    self(user_data).unregister_cid(*cid);
    return 0;
  }

  static int handshake_completed(ngtcp2_conn*, void* user_data) {
    // The verify callback runs on the peer's Certificate, before Finished; a completed handshake
    // without a verified peer means the peer skipped its certificate, which TLS must have refused.
    return self(user_data).tls_state_.verified_peer ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
  }

  static int recv_stream_data(ngtcp2_conn* conn, std::uint32_t flags, std::int64_t, std::uint64_t,
                              const std::uint8_t* data, std::size_t length, void* user_data,
                              void* stream_user_data) {
    auto* s = stream(stream_user_data);
    if (s == nullptr || s->read_stopped) {
      // Nobody will read this; give the connection-level credit straight back.
      ngtcp2_conn_extend_max_offset(conn, length);
      return 0;
    }
    if (length > 0) s->recv.push(ByteView(data, length));
    if (flags & NGTCP2_STREAM_DATA_FLAG_FIN) s->read_fin = true;
    self(user_data).try_complete_read(*s);
    return 0;
  }

  static int acked_stream_data_offset(ngtcp2_conn*, std::int64_t, std::uint64_t,
                                      std::uint64_t length, void* user_data,
                                      void* stream_user_data) {
    auto* s = stream(stream_user_data);
    if (s == nullptr) return 0;
    s->send.acknowledge(length);
    self(user_data).try_complete_write(*s);
    return 0;
  }

  static int stream_open(ngtcp2_conn* conn, std::int64_t stream_id, void* user_data) {
    auto& c = self(user_data);
    if (!ngtcp2_is_bidi_stream(stream_id)) {
      // Cannot happen with initial_max_streams_uni = 0, but never buffer what nobody reads.
      ngtcp2_conn_shutdown_stream_read(conn, 0, stream_id, 0);
      return 0;
    }
    auto s = std::make_shared<StreamState>(stream_id, c.core_->config().stream_send_buffer);
    ngtcp2_conn_set_stream_user_data(conn, stream_id, s.get());
    c.streams_[stream_id] = s;
    if (c.pending_inbound_.size() >= c.core_->config().max_streams_bidi) {
      // The application is not taking streams; refuse rather than queue without bound.
      s->read_stopped = true;
      s->write_shut = true;
      ngtcp2_conn_shutdown_stream(conn, 0, stream_id, 0);
      return 0;
    }
    c.pending_inbound_.push_back(std::make_shared<Stream>(c.shared_from_this(), s));
    if (!c.delivery_scheduled_) {
      c.delivery_scheduled_ = true;
      asio::post(c.executor_, [weak = c.weak_from_this()] {
        if (auto connection = weak.lock()) connection->deliver_inbound_streams();
      });
    }
    return 0;
  }

  static int stream_close(ngtcp2_conn* conn, std::uint32_t, std::int64_t stream_id, std::uint64_t,
                          void* user_data, void* stream_user_data) {
    auto& c = self(user_data);
    if (auto* s = stream(stream_user_data)) {
      s->closed = true;
      s->write_shut = true;
      if (!s->read_fin) s->read_reset = true;
      // ngtcp2 no longer references any of the stream's data.
      s->send.clear();
      c.try_complete_read(*s);
      c.try_complete_write(*s);
      c.try_complete_abort_wait(*s);
    }
    if (!ngtcp2_conn_is_local_stream(conn, stream_id) && ngtcp2_is_bidi_stream(stream_id)) {
      // Grant the peer a replacement, keeping max_streams_bidi streams open concurrently.
      ngtcp2_conn_extend_max_streams_bidi(conn, 1);
    }
    c.streams_.erase(stream_id);  // may free the state; nothing touches it after this
    return 0;
  }

  static int stream_reset(ngtcp2_conn*, std::int64_t, std::uint64_t, std::uint64_t, void* user_data,
                          void* stream_user_data) {
    auto* s = stream(stream_user_data);
    if (s == nullptr) return 0;
    auto& c = self(user_data);
    s->read_reset = true;
    c.drop_received(*s);
    c.try_complete_read(*s);
    c.try_complete_abort_wait(*s);
    return 0;
  }

  static int stream_stop_sending(ngtcp2_conn*, std::int64_t, std::uint64_t, void* user_data,
                                 void* stream_user_data) {
    // ngtcp2 answers with RESET_STREAM itself; the data stays pinned until stream_close.
    auto* s = stream(stream_user_data);
    if (s == nullptr) return 0;
    s->write_shut = true;
    self(user_data).try_complete_write(*s);
    return 0;
  }

  static int extend_max_local_streams_bidi(ngtcp2_conn*, std::uint64_t, void* user_data) {
    self(user_data).wake_stream_waiters();
    return 0;
  }

  static int extend_max_stream_data(ngtcp2_conn*, std::int64_t, std::uint64_t, void* user_data,
                                    void* stream_user_data) {
    auto* s = stream(stream_user_data);
    if (s == nullptr) return 0;
    s->blocked = false;
    auto& c = self(user_data);
    c.enqueue_write(s->shared_from_this());
    c.schedule_write();
    return 0;
  }

  static ngtcp2_callbacks table(Direction direction) {
    ngtcp2_callbacks cb{};
    if (direction == Direction::outbound) {
      cb.client_initial = ngtcp2_crypto_client_initial_cb;
      cb.recv_retry = ngtcp2_crypto_recv_retry_cb;
    } else {
      cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
    }
    cb.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb;
    cb.handshake_completed = handshake_completed;
    cb.encrypt = ngtcp2_crypto_encrypt_cb;
    cb.decrypt = ngtcp2_crypto_decrypt_cb;
    cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
    cb.recv_stream_data = recv_stream_data;
    cb.acked_stream_data_offset = acked_stream_data_offset;
    cb.stream_open = stream_open;
    cb.stream_close = stream_close;
    cb.extend_max_local_streams_bidi = extend_max_local_streams_bidi;
    cb.rand = rand;
    cb.get_new_connection_id = get_new_connection_id;
    cb.remove_connection_id = remove_connection_id;
    cb.update_key = ngtcp2_crypto_update_key_cb;
    cb.stream_reset = stream_reset;
    cb.extend_max_stream_data = extend_max_stream_data;
    cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
    cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
    cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
    cb.stream_stop_sending = stream_stop_sending;
    cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
    return cb;
  }
};

// ---------------------------------------------------------------------------------------------
// Construction.

Connection::Connection(Passkey, EndpointCore& core, std::shared_ptr<UdpSocket> socket,
                       const udp::endpoint& remote, Direction direction)
    : core_(&core),
      socket_(std::move(socket)),
      executor_(core.io().get_executor()),
      local_(socket_->local_endpoint()),
      remote_(remote),
      direction_(direction),
      id_(g_next_connection_id.fetch_add(1)),
      timer_(core.io()) {}

Connection::~Connection() {
  if (conn_ != nullptr) ngtcp2_conn_del(conn_);
}

Result<void> Connection::init_tls(TlsSide side) {
  auto session =
      create_tls_session(core_->tls(), side, tls_state_, core_->config().tls_prefer_aes_gcm);
  if (!session) return session.error();
  session_ = std::move(*session);
  tls_state_.conn = conn_;
  ngtcp2_conn_set_tls_native_handle(conn_, session_.get());
  if (core_->config().keep_alive_interval.count() > 0) {
    ngtcp2_conn_set_keep_alive_timeout(
        conn_, static_cast<ngtcp2_duration>(core_->config().keep_alive_interval.count()) *
                   NGTCP2_MILLISECONDS);
  }
  return {};
}

Result<std::shared_ptr<Connection>> Connection::accept(
    EndpointCore& core, std::shared_ptr<UdpSocket> socket, const udp::endpoint& remote,
    const ngtcp2_pkt_hd& header, const ngtcp2_cid* original_dcid, ngtcp2_token_type token_type) {
  auto c =
      std::make_shared<Connection>(Passkey{}, core, std::move(socket), remote, Direction::inbound);
  const ngtcp2_cid scid = random_cid(kConnectionIdLength);

  ngtcp2_settings settings;
  fill_settings(settings, core.config());
  settings.token = header.token;
  settings.tokenlen = header.tokenlen;
  settings.token_type = token_type;

  ngtcp2_transport_params params;
  fill_params(params, core.config());
  params.original_dcid_present = 1;
  if (original_dcid != nullptr) {
    params.original_dcid = *original_dcid;
    params.retry_scid = header.dcid;
    params.retry_scid_present = 1;
  } else {
    params.original_dcid = header.dcid;
  }
  params.stateless_reset_token_present = 1;
  const auto& secret = core.static_secret();
  if (ngtcp2_crypto_generate_stateless_reset_token(params.stateless_reset_token, secret.data(),
                                                   secret.size(), &scid) != 0) {
    return make_error("stateless reset token");
  }

  const auto callbacks = Callbacks::table(Direction::inbound);
  const ngtcp2_path path = make_path(c->local_, c->remote_);
  if (int rv = ngtcp2_conn_server_new(&c->conn_, &header.scid, &scid, &path, header.version,
                                      &callbacks, &settings, &params, nullptr, c.get());
      rv != 0) {
    return make_error("ngtcp2_conn_server_new: {}", ngtcp2_strerror(rv));
  }
  if (auto tls = c->init_tls(TlsSide::server); !tls) return tls.error();
  c->register_cid(scid);
  // The client keeps using its chosen DCID until our first packet arrives (and resends Initials
  // with it), so route that one to us too.
  c->register_cid(header.dcid);
  return c;
}

Result<std::shared_ptr<Connection>> Connection::connect(EndpointCore& core,
                                                        std::shared_ptr<UdpSocket> socket,
                                                        const udp::endpoint& remote,
                                                        std::optional<crypto::PeerId> expected) {
  auto c =
      std::make_shared<Connection>(Passkey{}, core, std::move(socket), remote, Direction::outbound);
  c->tls_state_.expected_peer = std::move(expected);
  const ngtcp2_cid dcid = random_cid(kConnectionIdLength);
  const ngtcp2_cid scid = random_cid(kConnectionIdLength);

  ngtcp2_settings settings;
  fill_settings(settings, core.config());
  ngtcp2_transport_params params;
  fill_params(params, core.config());

  const auto callbacks = Callbacks::table(Direction::outbound);
  const ngtcp2_path path = make_path(c->local_, c->remote_);
  if (int rv = ngtcp2_conn_client_new(&c->conn_, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1,
                                      &callbacks, &settings, &params, nullptr, c.get());
      rv != 0) {
    return make_error("ngtcp2_conn_client_new: {}", ngtcp2_strerror(rv));
  }
  if (auto tls = c->init_tls(TlsSide::client); !tls) return tls.error();
  c->register_cid(scid);
  return c;
}

void Connection::register_cid(const ngtcp2_cid& cid) {
  if (core_ == nullptr) return;
  const ConnectionIdKey key(cid);
  if (std::find(cids_.begin(), cids_.end(), key) != cids_.end()) return;
  cids_.push_back(key);
  core_->associate(key, shared_from_this());
}

void Connection::unregister_cid(const ngtcp2_cid& cid) {
  const ConnectionIdKey key(cid);
  auto it = std::find(cids_.begin(), cids_.end(), key);
  if (it == cids_.end()) return;
  cids_.erase(it);
  if (core_ != nullptr) core_->dissociate(key);
}

// ---------------------------------------------------------------------------------------------
// Packets in, packets out, timers.

Connection::FirstPacket Connection::on_datagram(ByteView datagram, const udp::endpoint& remote) {
  auto self = shared_from_this();
  switch (state_) {
    case State::closing:
      // Repeat our CONNECTION_CLOSE, backing off exponentially (RFC 9000 10.2.1).
      ++packets_while_closing_;
      if ((packets_while_closing_ & (packets_while_closing_ - 1)) == 0 && !close_packet_.empty()) {
        send_packet(close_packet_, remote);
      }
      return FirstPacket::accepted;
    case State::draining:
    case State::closed:
      return FirstPacket::accepted;
    case State::handshaking:
    case State::established:
      break;
  }

  const ngtcp2_path path = make_path(local_, remote);
  const ngtcp2_pkt_info info{};
  const int rv =
      ngtcp2_conn_read_pkt(conn_, &path, &info, datagram.data(), datagram.size(), now_ts());
  if (rv != 0) {
    switch (rv) {
      case NGTCP2_ERR_RETRY:
        finish("answered with Retry");
        return FirstPacket::retry;
      case NGTCP2_ERR_DROP_CONN:
        finish("dropped by ngtcp2");
        return FirstPacket::dropped;
      default:
        handle_liberr(rv, "read");
        return FirstPacket::accepted;
    }
  }
  if (const ngtcp2_path* current = ngtcp2_conn_get_path(conn_)) {
    remote_ = to_endpoint(current->remote);
  }
  if (state_ == State::handshaking && ngtcp2_conn_get_handshake_completed(conn_)) {
    on_handshake_done();
  }
  schedule_write();
  return FirstPacket::accepted;
}

void Connection::schedule_write() {
  if (write_scheduled_ || conn_ == nullptr) return;
  write_scheduled_ = true;
  // Deferred so that a batch of received packets, or many small application writes, produce one
  // write pass (and coalesced ACKs) instead of one each.
  // From the handler pool: once per write pass, i.e. about once per packet burst (pooled_post.h).
  post_pooled(executor_, [weak = weak_from_this()] {
    if (auto c = weak.lock()) c->write();
  });
}

void Connection::enqueue_write(const std::shared_ptr<StreamState>& s) {
  if (s->queued || s->closed || s->write_shut || s->blocked) return;
  if (!s->send.has_unsent() && !(s->fin_requested && !s->fin_sent)) return;
  s->queued = true;
  write_queue_.push_back(s);
}

void Connection::write() {
  write_scheduled_ = false;
  if (conn_ == nullptr || (state_ != State::handshaking && state_ != State::established)) return;
  auto self = shared_from_this();
  // Packets go back to back into the socket's batch and leave in one flush at the end of the pass
  // (one GSO sendmsg per run of equal-size packets, or one sendmmsg; udp_socket.h). The local
  // copy keeps the socket for that flush even if the connection finishes midway.
  const auto socket = socket_;
  if (!socket) return;
  TxBatch& tx = socket->tx_batch();
  const std::size_t max_size = ngtcp2_conn_get_path_max_tx_udp_payload_size(conn_);
  // Each packet's buffer is the endpoint's maximum (1452), not the path's current one: ngtcp2
  // shapes ordinary packets to the path's size anyway, but a Path MTU probe is bigger than that and
  // is only written into a buffer it fits. With path-sized buffers PMTUD never probed and every
  // connection stayed at 1200-byte packets: 923 instead of 763 packets per relayed MiB
  // (bench/perf/PROFILE.md). A probe is longer than the packets before it: it starts a GSO run.
  const std::size_t buffer_size =
      std::max(max_size, ngtcp2_conn_get_max_tx_udp_payload_size(conn_));
  // Send at most one congestion-controller quantum per pass; ngtcp2's pacing timer (part of
  // ngtcp2_conn_get_expiry) brings us back for the rest.
  const std::size_t max_packets =
      std::clamp<std::size_t>(ngtcp2_conn_get_send_quantum(conn_) / max_size, 1, 64);
  const ngtcp2_tstamp ts = now_ts();
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info info{};
  std::array<ngtcp2_vec, 16> vecs{};
  std::size_t packets = 0;
  bool packet_has_stream_data = false;  // for the counters: ACK/control-only packets per MiB
  std::uint64_t stream_bytes = 0;

  // The bound only guards against a logic error spinning forever; normal passes end far earlier.
  for (int guard = 0; guard < 1 << 16; ++guard) {
    std::shared_ptr<StreamState> s;
    while (!write_queue_.empty()) {
      auto& front = write_queue_.front();
      const bool has_work = front->send.has_unsent() || (front->fin_requested && !front->fin_sent);
      if (!front->closed && !front->write_shut && !front->blocked && has_work) {
        s = front;
        break;
      }
      front->queued = false;
      write_queue_.pop_front();
    }
    // Connection-level flow control exhausted: only control frames (and bare FINs) can go.
    if (s && s->send.has_unsent() && ngtcp2_conn_get_max_data_left(conn_) == 0) s = nullptr;

    std::size_t nvec = 0;
    std::uint64_t offered = 0;
    std::uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_NONE;
    std::int64_t stream_id = -1;
    if (s) {
      stream_id = s->id;
      nvec = s->send.unsent_vecs(vecs);
      for (std::size_t i = 0; i < nvec; ++i)
        offered += vecs[i].len;
      flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
      if (s->fin_requested && offered == s->send.unsent()) flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
    }

    auto slot = tx.slot(buffer_size);
    if (slot.empty()) {
      socket->flush();
      slot = tx.slot(buffer_size);
    }
    ngtcp2_ssize accepted = -1;
    const ngtcp2_ssize n =
        ngtcp2_conn_writev_stream(conn_, &ps.path, &info, slot.data(), slot.size(), &accepted,
                                  flags, stream_id, vecs.data(), nvec, ts);
    if (s && accepted >= 0) {
      if (accepted > 0) packet_has_stream_data = true;
      stream_bytes += static_cast<std::uint64_t>(accepted);
      s->send.mark_sent(static_cast<std::uint64_t>(accepted));
      if ((flags & NGTCP2_WRITE_STREAM_FLAG_FIN) &&
          static_cast<std::uint64_t>(accepted) == offered) {
        s->fin_sent = true;
      }
      // Round-robin: the stream goes to the back if it still has something to send.
      if (!write_queue_.empty() && write_queue_.front() == s) {
        write_queue_.pop_front();
        s->queued = false;
      }
      enqueue_write(s);
    }
    if (n < 0) {
      if (n == NGTCP2_ERR_WRITE_MORE) continue;
      if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED && s) {
        s->blocked = true;  // extend_max_stream_data re-queues it
        continue;
      }
      if ((n == NGTCP2_ERR_STREAM_SHUT_WR || n == NGTCP2_ERR_STREAM_NOT_FOUND) && s) {
        s->write_shut = true;
        continue;
      }
      socket->flush();
      handle_liberr(static_cast<int>(n), "write");
      return;
    }
    if (n == 0) break;  // nothing more to send, or congestion limited
    tx.commit(static_cast<std::size_t>(n), to_endpoint(ps.path.remote));
    if (!packet_has_stream_data && core_ != nullptr) ++core_->counters.packets_without_stream_data;
    packet_has_stream_data = false;
    if (++packets >= max_packets) break;
  }
  socket->flush_soon();
  ngtcp2_conn_update_pkt_tx_time(conn_, ts);
  if (core_ != nullptr) {
    ++core_->counters.write_passes;
    core_->counters.packets_written += packets;
    core_->counters.stream_bytes_written += stream_bytes;
  }
  arm_timer();
}

void Connection::send_packet(ByteView packet, const udp::endpoint& remote) {
  if (socket_) socket_->send(packet, remote);
}

void Connection::arm_timer() {
  ngtcp2_tstamp expiry = UINT64_MAX;
  if (state_ == State::closing || state_ == State::draining) {
    expiry = close_deadline_;
  } else if (conn_ != nullptr && state_ != State::closed) {
    expiry = ngtcp2_conn_get_expiry(conn_);
  }
  if (expiry == armed_expiry_) return;
  // ngtcp2 lets a packet go once its pacing time is within NGTCP2_PKT_PACING_OVERHEAD (1 ms) of
  // now, yet folds that time into get_expiry: after nearly every write pass the expiry is a pacing
  // deadline microseconds ahead. An OS timer for it costs two timerfd_settime calls (VM exits
  // here) and an epoll wake-up per pass; handling the expiry on the next loop turn is what ngtcp2
  // would allow anyway. A real timer (ACK delay, loss) that close gets one early look, which
  // leaves it in place, and is then armed below like any other.
  if (state_ != State::closing && state_ != State::draining && expiry != UINT64_MAX &&
      expiry != soon_expiry_ && expiry <= now_ts() + kPacingSlack) {
    soon_expiry_ = expiry;
    if (!soon_posted_) {
      soon_posted_ = true;
      post_pooled(executor_, [weak = weak_from_this()] {
        if (auto c = weak.lock()) c->on_expiry_soon();
      });
    }
    return;
  }
  // A pending wait that fires no later than needed stays: ngtcp2's expiry moves (mostly later)
  // after nearly every packet, and re-arming costs a cancel, a new wait and, when it is the
  // earliest timer, a timerfd_settime (a VM exit here). Firing early is harmless: on_timer sees
  // nothing due and re-arms.
  if (armed_expiry_ != UINT64_MAX && expiry > armed_expiry_) return;
  armed_expiry_ = expiry;
  if (expiry == UINT64_MAX) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::nanoseconds(expiry))));
  timer_.async_wait(pooled([weak = weak_from_this()](const error_code& ec) {
    if (ec == asio::error::operation_aborted) return;
    if (auto c = weak.lock()) c->on_timer();
  }));
}

void Connection::on_expiry_soon() {
  soon_posted_ = false;
  if (conn_ == nullptr || (state_ != State::handshaking && state_ != State::established)) return;
  if (core_ != nullptr) ++core_->counters.timer_wakeups;
  auto self = shared_from_this();
  // Handles whatever is due (a pacing deadline within the slack counts as due); anything still
  // pending comes back from write()'s arm_timer as the same soon_expiry_ and gets a real timer.
  if (int rv = ngtcp2_conn_handle_expiry(conn_, now_ts()); rv != 0) {
    handle_liberr(rv, "timer");
    return;
  }
  write();
}

void Connection::on_timer() {
  armed_expiry_ = UINT64_MAX;
  if (state_ == State::closing || state_ == State::draining) {
    if (now_ts() >= close_deadline_) {
      finish(close_reason_);
    } else {
      arm_timer();
    }
    return;
  }
  if (conn_ == nullptr || state_ == State::closed) return;
  auto self = shared_from_this();
  if (core_ != nullptr) ++core_->counters.timer_wakeups;
  if (now_ts() < ngtcp2_conn_get_expiry(conn_)) {
    // An early wake-up left armed by arm_timer: nothing is due yet.
    arm_timer();
    return;
  }
  if (int rv = ngtcp2_conn_handle_expiry(conn_, now_ts()); rv != 0) {
    handle_liberr(rv, "timer");
    return;
  }
  write();
}

// ---------------------------------------------------------------------------------------------
// Handshake and closing.

void Connection::on_handshake_done() {
  if (!tls_state_.verified_peer) {
    ngtcp2_ccerr error;
    ngtcp2_ccerr_default(&error);
    ngtcp2_ccerr_set_transport_error(&error, NGTCP2_PROTOCOL_VIOLATION, nullptr, 0);
    start_closing(error, "handshake completed without a verified peer certificate");
    return;
  }
  state_ = State::established;
  spdlog::debug("quic#{}: {} connection with {} at {} established", id_,
                direction_ == Direction::inbound ? "inbound" : "outbound",
                tls_state_.verified_peer->peer_id, endpoint_string(remote_));
  if (direction_ == Direction::inbound) {
    if (core_ != nullptr) core_->handshake_finished(shared_from_this(), true);
  } else {
    handshake_op_.complete(executor_, error_code{});
  }
}

void Connection::start_wait_handshake(
    asio::any_completion_handler<void(boost::system::error_code)> handler) {
  if (state_ == State::established) {
    post_completion(std::move(handler), executor_, error_code{});
    return;
  }
  if (state_ != State::handshaking || handshake_op_.active()) {
    post_completion(std::move(handler), executor_, error_code(asio::error::connection_aborted));
    return;
  }
  handshake_op_.start(std::move(handler), executor_, [weak = weak_from_this()](std::uint64_t gen) {
    auto c = weak.lock();
    if (!c || !c->handshake_op_.active() || c->handshake_op_.generation() != gen) return;
    c->handshake_op_.complete(c->executor_, error_code(asio::error::operation_aborted));
  });
}

std::string Connection::describe_remote_close() const {
  const ngtcp2_ccerr* error = conn_ != nullptr ? ngtcp2_conn_get_ccerr(conn_) : nullptr;
  if (error == nullptr) return "closed by peer";
  std::string text =
      fmt::format("closed by peer: {} error {:#x}",
                  error->type == NGTCP2_CCERR_TYPE_APPLICATION ? "application" : "transport",
                  error->error_code);
  if (error->reasonlen > 0) text += ": " + printable(error->reason, error->reasonlen);
  return text;
}

void Connection::handle_liberr(int rv, std::string_view where) {
  switch (rv) {
    case NGTCP2_ERR_IDLE_CLOSE:
      finish("idle timeout");  // silent, as RFC 9000 10.1 prescribes
      return;
    case NGTCP2_ERR_HANDSHAKE_TIMEOUT:
      finish("handshake timeout");
      return;
    case NGTCP2_ERR_DROP_CONN:
      finish("dropped by ngtcp2");
      return;
    case NGTCP2_ERR_DRAINING:
      start_draining(describe_remote_close());
      return;
    default:
      break;
  }
  ngtcp2_ccerr error;
  ngtcp2_ccerr_default(&error);
  if (rv == NGTCP2_ERR_CRYPTO) {
    ngtcp2_ccerr_set_tls_alert(&error, ngtcp2_conn_get_tls_alert(conn_), nullptr, 0);
  } else {
    ngtcp2_ccerr_set_liberr(&error, rv, nullptr, 0);
  }
  std::string reason = fmt::format("{}: {}", where, ngtcp2_strerror(rv));
  if (!tls_state_.failure.empty()) reason += " (" + tls_state_.failure + ")";
  if (rv == NGTCP2_ERR_RECV_VERSION_NEGOTIATION) reason = "peer does not support QUIC v1";
  start_closing(error, std::move(reason));
}

void Connection::close(std::uint64_t app_error, std::string_view reason) {
  ngtcp2_ccerr error;
  ngtcp2_ccerr_default(&error);
  ngtcp2_ccerr_set_application_error(
      &error, app_error, reinterpret_cast<const std::uint8_t*>(reason.data()), reason.size());
  start_closing(error,
                reason.empty()
                    ? fmt::format("closed locally (application error {})", app_error)
                    : fmt::format("closed locally (application error {}: {})", app_error, reason));
}

void Connection::start_closing(const ngtcp2_ccerr& error, std::string reason) {
  if (state_ == State::closing || state_ == State::draining || state_ == State::closed) return;
  auto self = shared_from_this();
  if (conn_ == nullptr || core_ == nullptr) {
    finish(std::move(reason));
    return;
  }
  auto buffer = core_->packet_buffer();
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info info{};
  const std::size_t max_size =
      std::min(buffer.size(), ngtcp2_conn_get_path_max_tx_udp_payload_size(conn_));
  const ngtcp2_ssize n = ngtcp2_conn_write_connection_close(conn_, &ps.path, &info, buffer.data(),
                                                            max_size, &error, now_ts());
  if (n <= 0) {
    // Nothing to tell the peer (e.g. no keys yet): just forget the connection.
    finish(std::move(reason));
    return;
  }
  close_packet_.assign(buffer.data(), buffer.data() + n);
  send_packet(close_packet_, to_endpoint(ps.path.remote));
  spdlog::debug("quic#{}: closing: {}", id_, reason);
  state_ = State::closing;
  notify_closed(std::move(reason));
  // Linger for three PTOs to repeat the close if the peer keeps sending (RFC 9000 10.2).
  close_deadline_ = now_ts() + 3 * ngtcp2_conn_get_pto(conn_);
  arm_timer();
}

void Connection::start_draining(std::string reason) {
  if (state_ == State::closing || state_ == State::draining || state_ == State::closed) return;
  spdlog::debug("quic#{}: draining: {}", id_, reason);
  state_ = State::draining;
  notify_closed(std::move(reason));
  close_deadline_ = now_ts() + 3 * ngtcp2_conn_get_pto(conn_);
  arm_timer();
}

void Connection::notify_closed(std::string reason) {
  if (closed_notified_) return;
  closed_notified_ = true;
  close_reason_ = std::move(reason);
  for (auto& [id, s] : streams_) {
    s->conn_closed = true;
    try_complete_read(*s);
    try_complete_write(*s);
    try_complete_abort_wait(*s);
  }
  handshake_op_.complete(executor_, error_code(asio::error::connection_aborted));
  for (auto& waiter : credit_waiters_) {
    waiter.op.complete(executor_, error_code(asio::error::connection_aborted));
  }
  credit_waiters_.clear();
  for (auto& handler : closed_handlers_) {
    asio::post(executor_,
               [handler = std::move(handler), reason = close_reason_] { handler(reason); });
  }
  closed_handlers_.clear();
}

void Connection::finish(std::string reason) {
  if (state_ == State::closed) return;
  auto self = shared_from_this();
  const bool was_handshaking = state_ == State::handshaking;
  if (state_ != State::closing && state_ != State::draining) {
    spdlog::debug("quic#{}: closed: {}", id_, reason);
  }
  state_ = State::closed;
  notify_closed(std::move(reason));
  timer_.cancel();
  // ngtcp2 first: after it is gone nothing references stream data, so buffers can go.
  if (conn_ != nullptr) {
    ngtcp2_conn_del(conn_);
    conn_ = nullptr;
    tls_state_.conn = nullptr;
  }
  session_.reset();
  for (auto& [id, s] : streams_)
    s->send.clear();
  streams_.clear();
  write_queue_.clear();
  pending_inbound_.clear();  // these handles point back at us; dropping them breaks the cycle
  if (core_ != nullptr) {
    EndpointCore* core = core_;
    core_ = nullptr;
    for (const auto& key : cids_)
      core->dissociate(key);
    cids_.clear();
    if (direction_ == Direction::inbound && was_handshaking) core->handshake_finished(self, false);
    core->connection_finished(*this);
  }
  socket_.reset();
}

void Connection::shutdown_now(std::uint64_t app_error) {
  close(app_error, "endpoint closed");
  finish("endpoint closed");
}

// ---------------------------------------------------------------------------------------------
// Application-facing connection API.

void Connection::set_stream_handler(StreamHandler handler) {
  stream_handler_ = std::move(handler);
  if (stream_handler_ && !pending_inbound_.empty() && !delivery_scheduled_) {
    delivery_scheduled_ = true;
    asio::post(executor_, [weak = weak_from_this()] {
      if (auto c = weak.lock()) c->deliver_inbound_streams();
    });
  }
}

void Connection::deliver_inbound_streams() {
  delivery_scheduled_ = false;
  while (stream_handler_ && !pending_inbound_.empty()) {
    auto stream = std::move(pending_inbound_.front());
    pending_inbound_.pop_front();
    auto handler = stream_handler_;  // the handler may replace itself or close us
    handler(std::move(stream));
  }
}

void Connection::on_closed(ClosedHandler handler) {
  if (!handler) return;
  if (closed_notified_) {
    asio::post(executor_,
               [handler = std::move(handler), reason = close_reason_] { handler(reason); });
    return;
  }
  closed_handlers_.push_back(std::move(handler));
}

asio::awaitable<Result<std::shared_ptr<Stream>>> Connection::open_stream() {
  // A static coroutine holding a shared_ptr: the frame must not depend on `this` staying alive.
  return open_stream_impl(shared_from_this());
}

asio::awaitable<Result<std::shared_ptr<Stream>>> Connection::open_stream_impl(
    std::shared_ptr<Connection> self) {
  for (;;) {
    if (self->state_ != State::established || self->conn_ == nullptr) {
      co_return make_error("connection not open{}", self->close_reason_.empty()
                                                        ? std::string()
                                                        : ": " + self->close_reason_);
    }
    std::int64_t stream_id = -1;
    const int rv = ngtcp2_conn_open_bidi_stream(self->conn_, &stream_id, nullptr);
    if (rv == 0) {
      auto s = std::make_shared<StreamState>(stream_id, self->core_->config().stream_send_buffer);
      ngtcp2_conn_set_stream_user_data(self->conn_, stream_id, s.get());
      self->streams_[stream_id] = s;
      co_return std::make_shared<Stream>(self, s);
    }
    if (rv != NGTCP2_ERR_STREAM_ID_BLOCKED) {
      co_return make_error("open stream: {}", ngtcp2_strerror(rv));
    }
    auto [ec] = co_await self->async_wait_stream_credit(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted) co_return make_error("open stream: cancelled");
    // Any other error means the connection closed; the loop head reports why.
  }
}

void Connection::start_wait_stream_credit(
    asio::any_completion_handler<void(boost::system::error_code)> handler) {
  if (state_ != State::established) {
    post_completion(std::move(handler), executor_, error_code(asio::error::connection_aborted));
    return;
  }
  auto& waiter = credit_waiters_.emplace_back();
  waiter.id = ++next_waiter_id_;
  waiter.op.start(std::move(handler), executor_,
                  [weak = weak_from_this(), id = waiter.id](std::uint64_t) {
                    auto c = weak.lock();
                    if (!c) return;
                    auto it = std::find_if(c->credit_waiters_.begin(), c->credit_waiters_.end(),
                                           [id](const CreditWaiter& w) { return w.id == id; });
                    if (it == c->credit_waiters_.end()) return;
                    it->op.complete(c->executor_, error_code(asio::error::operation_aborted));
                    c->credit_waiters_.erase(it);
                  });
}

void Connection::wake_stream_waiters() {
  // Everyone retries; whoever finds no credit again simply waits again.
  for (auto& waiter : credit_waiters_)
    waiter.op.complete(executor_, error_code{});
  credit_waiters_.clear();
}

// ---------------------------------------------------------------------------------------------
// Stream operations.

void Connection::consume(StreamState& s, std::size_t n) {
  if (n == 0 || conn_ == nullptr || state_ == State::closed) return;
  // Flow-control credit returns only now, as the application takes the bytes: this is what makes
  // a slow reader slow the sender down instead of growing our buffers.
  if (!s.closed) ngtcp2_conn_extend_max_stream_offset(conn_, s.id, n);
  ngtcp2_conn_extend_max_offset(conn_, n);
  schedule_write();
}

void Connection::drop_received(StreamState& s) {
  const std::size_t n = s.recv.clear();
  if (n == 0 || conn_ == nullptr || state_ == State::closed) return;
  ngtcp2_conn_extend_max_offset(conn_, n);
  schedule_write();
}

void Connection::try_complete_read(StreamState& s) {
  if (!s.read_op.active()) return;
  if (s.read_buffer.size() == 0) {
    s.read_op.complete(executor_, error_code{}, std::size_t{0});
    return;
  }
  if (!s.recv.empty() && !s.read_stopped) {
    const std::size_t n = s.recv.read(
        std::span(static_cast<std::uint8_t*>(s.read_buffer.data()), s.read_buffer.size()));
    consume(s, n);
    s.read_op.complete(executor_, error_code{}, n);
    return;
  }
  if (s.read_fin && !s.read_stopped) {
    s.read_op.complete(executor_, error_code(asio::error::eof), std::size_t{0});
  } else if (s.read_reset || s.read_stopped || s.conn_closed) {
    s.read_op.complete(executor_, error_code(asio::error::connection_reset), std::size_t{0});
  }
}

void Connection::try_complete_write(StreamState& s) {
  if (!s.write_op.active()) return;
  if (s.write_data.total() == 0) {
    s.write_op.complete(executor_, error_code{}, std::size_t{0});
    return;
  }
  if (s.conn_closed || s.write_shut || s.closed) {
    s.write_op.complete(executor_, error_code(asio::error::connection_reset), std::size_t{0});
    return;
  }
  if (s.fin_requested) {
    s.write_op.complete(executor_, error_code(asio::error::broken_pipe), std::size_t{0});
    return;
  }
  std::size_t taken = 0;
  for (std::size_t i = 0; i < s.write_data.count; ++i) {
    const auto& b = s.write_data.items[i];
    const std::size_t n =
        s.send.append(ByteView(static_cast<const std::uint8_t*>(b.data()), b.size()));
    taken += n;
    if (n < b.size()) break;
  }
  if (taken == 0) return;  // buffer full: wait for acknowledgements
  enqueue_write(s.shared_from_this());
  schedule_write();
  s.write_op.complete(executor_, error_code{}, taken);
}

void Connection::try_complete_abort_wait(StreamState& s) {
  if (s.abort_wait_op.active() && s.peer_aborted())
    s.abort_wait_op.complete(executor_, error_code{});
}

void Connection::stream_wait_peer_abort(const std::shared_ptr<StreamState>& s,
                                        Stream::AbortHandler handler) {
  if (s->abort_wait_op.active()) {
    post_completion(std::move(handler), executor_, error_code(asio::error::in_progress));
    return;
  }
  if (s->read_stopped) {
    // We reset or dropped it ourselves: nothing left to wait for.
    post_completion(std::move(handler), executor_, error_code(asio::error::operation_aborted));
    return;
  }
  s->abort_wait_op.start(
      std::move(handler), executor_,
      [weak = std::weak_ptr(s), executor = executor_](std::uint64_t gen) {
        auto st = weak.lock();
        if (!st || !st->abort_wait_op.active() || st->abort_wait_op.generation() != gen) {
          return;
        }
        st->abort_wait_op.complete(executor, error_code(asio::error::operation_aborted));
      });
  try_complete_abort_wait(*s);
}

void Connection::stream_read(const std::shared_ptr<StreamState>& s, asio::mutable_buffer buffer,
                             Stream::IoHandler handler) {
  if (s->read_op.active()) {
    post_completion(std::move(handler), executor_, error_code(asio::error::in_progress),
                    std::size_t{0});
    return;
  }
  s->read_buffer = buffer;
  s->read_op.start(std::move(handler), executor_,
                   [weak = std::weak_ptr(s), executor = executor_](std::uint64_t gen) {
                     auto st = weak.lock();
                     if (!st || !st->read_op.active() || st->read_op.generation() != gen) return;
                     st->read_op.complete(executor, error_code(asio::error::operation_aborted),
                                          std::size_t{0});
                   });
  try_complete_read(*s);
}

void Connection::stream_write(const std::shared_ptr<StreamState>& s, const ConstBufferList& data,
                              Stream::IoHandler handler) {
  if (s->write_op.active()) {
    post_completion(std::move(handler), executor_, error_code(asio::error::in_progress),
                    std::size_t{0});
    return;
  }
  s->write_data = data;
  s->write_op.start(std::move(handler), executor_,
                    [weak = std::weak_ptr(s), executor = executor_](std::uint64_t gen) {
                      auto st = weak.lock();
                      if (!st || !st->write_op.active() || st->write_op.generation() != gen) return;
                      st->write_op.complete(executor, error_code(asio::error::operation_aborted),
                                            std::size_t{0});
                    });
  try_complete_write(*s);
}

void Connection::stream_close_write(const std::shared_ptr<StreamState>& s) {
  if (s->fin_requested || s->write_shut || s->closed || s->conn_closed) return;
  s->fin_requested = true;
  try_complete_write(*s);  // a write still waiting for room can no longer happen
  enqueue_write(s);
  schedule_write();
}

void Connection::stream_reset(const std::shared_ptr<StreamState>& s, std::uint64_t app_error) {
  if (conn_ != nullptr && state_ != State::closed && !s->closed) {
    ngtcp2_conn_shutdown_stream(conn_, 0, s->id, app_error);
  }
  s->write_shut = true;
  s->read_stopped = true;
  drop_received(*s);
  if (s->read_op.active()) {
    s->read_op.complete(executor_, error_code(asio::error::operation_aborted), std::size_t{0});
  }
  if (s->write_op.active()) {
    s->write_op.complete(executor_, error_code(asio::error::operation_aborted), std::size_t{0});
  }
  s->abort_wait_op.complete(executor_, error_code(asio::error::operation_aborted));
  schedule_write();
}

void Connection::stream_dropped(const std::shared_ptr<StreamState>& s) {
  if (s->read_op.active()) {
    s->read_op.complete(executor_, error_code(asio::error::operation_aborted), std::size_t{0});
  }
  if (s->write_op.active()) {
    s->write_op.complete(executor_, error_code(asio::error::operation_aborted), std::size_t{0});
  }
  s->abort_wait_op.complete(executor_, error_code(asio::error::operation_aborted));
  if (conn_ == nullptr || state_ == State::closed) return;
  // Like quinn: an unfinished send side is finished gracefully (the buffered data still goes
  // out), an unfinished receive side is stopped with STOP_SENDING(0).
  stream_close_write(s);
  if (!s->closed && !s->read_fin && !s->read_reset && !s->read_stopped) {
    ngtcp2_conn_shutdown_stream_read(conn_, 0, s->id, 0);
  }
  s->read_stopped = true;
  drop_received(*s);
  schedule_write();
}

}  // namespace privstack::transport
