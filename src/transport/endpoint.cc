#include "transport/endpoint.h"

#include <algorithm>

#include <ngtcp2/ngtcp2_crypto.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "transport/endpoint_core.h"

namespace privstack::transport {

namespace {

// Shortest datagram that can hold a QUIC packet (ngtcp2's examples use the same floor).
constexpr std::size_t kMinDatagram = 21;

std::uint64_t system_now_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// Retry tokens are accepted for this long after we issue them.
constexpr ngtcp2_duration kRetryTokenLifetime = 10 * NGTCP2_SECONDS;

udp::endpoint unmapped(const udp::endpoint& endpoint) {
  const auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return {asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()), endpoint.port()};
  }
  return endpoint;
}

}  // namespace

bool RateLimiter::allow() {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

// ---------------------------------------------------------------------------------------------

EndpointCore::EndpointCore(asio::io_context& io, const crypto::Ed25519Keypair& host_key,
                           EndpointConfig config, std::shared_ptr<TlsContext> tls)
    : io_(io),
      config_(std::move(config)),
      tls_(std::move(tls)),
      local_peer_(host_key.peer_id()),
      limits_{config_.max_connections, config_.max_connections_per_ip,
              config_.max_pending_handshakes, config_.retry_threshold},
      reset_limiter_(config_.stateless_resets_per_second, config_.stateless_reset_burst),
      packet_buffer_(64 * 1024) {
  // Ed25519 signatures are deterministic, so this secret (for stateless-reset tokens and Retry
  // tokens) survives restarts: a peer still holding a connection from before a restart gets a
  // reset it can verify instead of waiting for its idle timeout. rust-libp2p does the same.
  static constexpr std::string_view kLabel = "privstack-relay quic static secret v1";
  static_secret_ = crypto::sha256(host_key.sign(as_bytes(kLabel)));
}

Result<void> EndpointCore::open_sockets() {
  std::vector<udp::endpoint> addresses = config_.listen;
  const bool defaults = addresses.empty();
  if (defaults) {
    addresses = {udp::endpoint(udp::v4(), 0), udp::endpoint(udp::v6(), 0)};
  }
  for (const auto& address : addresses) {
    auto socket = UdpSocket::open(
        io_, address,
        UdpOptions{config_.udp_gso, config_.udp_gro, config_.udp_mmsg, config_.udp_shared_flush});
    if (!socket) {
      // A host without IPv6 can still dial over IPv4 when nothing specific was asked for.
      if (defaults && address.address().is_v6() && !sockets_.empty()) continue;
      return socket.error();
    }
    std::weak_ptr<EndpointCore> weak = weak_from_this();
    (*socket)->start(
        [weak](UdpSocket& s, ByteView datagram, const udp::endpoint& remote) {
          if (auto core = weak.lock()) core->on_datagram(s, datagram, remote);
        },
        nullptr);
    sockets_.push_back(std::move(*socket));
  }
  return {};
}

std::vector<udp::endpoint> EndpointCore::local_endpoints() const {
  std::vector<udp::endpoint> out;
  for (const auto& socket : sockets_)
    out.push_back(socket->local_endpoint());
  return out;
}

std::shared_ptr<UdpSocket> EndpointCore::socket_for(UdpSocket& socket) const {
  for (const auto& s : sockets_) {
    if (s.get() == &socket) return s;
  }
  return nullptr;
}

void EndpointCore::associate(const ConnectionIdKey& cid,
                             const std::shared_ptr<Connection>& connection) {
  by_cid_[cid] = connection;
}

void EndpointCore::dissociate(const ConnectionIdKey& cid) {
  by_cid_.erase(cid);
}

void EndpointCore::handshake_finished(const std::shared_ptr<Connection>& connection, bool success) {
  handshaking_.erase(connection->id());
  if (success) {
    ++counters.inbound_established;
  } else {
    ++counters.inbound_handshake_failures;
  }
  if (!success || closed_) return;
  asio::post(io_, [weak = weak_from_this(), connection] {
    auto core = weak.lock();
    if (!core || core->closed_ || !connection->is_open()) return;
    if (core->connection_handler) {
      core->connection_handler(connection);
    } else {
      spdlog::debug("quic#{}: no connection handler; connection stays idle", connection->id());
    }
  });
}

void EndpointCore::connection_finished(Connection& connection) {
  handshaking_.erase(connection.id());
  // Every close path (handshake failure or timeout, idle timeout, peer close, local close, Retry,
  // dropped first packet) ends in Connection::finish(), which calls this: the one release point.
  if (auto it = inbound_sources_.find(connection.id()); it != inbound_sources_.end()) {
    source_counts_.remove(it->second);
    inbound_sources_.erase(it);
  }
  connections_.erase(connection.id());
}

void EndpointCore::track_inbound(const Connection& connection, const udp::endpoint& remote) {
  const SourceKey key = source_key(remote.address());
  inbound_sources_.emplace(connection.id(), key);
  source_counts_.add(key);
  handshaking_.insert(connection.id());
  counters.pending_handshakes_peak =
      std::max<std::uint64_t>(counters.pending_handshakes_peak, handshaking_.size());
}

void EndpointCore::refuse(UdpSocket& socket, const ngtcp2_pkt_hd& header,
                          const udp::endpoint& remote, Admission why) {
  switch (why) {
    case Admission::refuse_total:
      ++counters.refused_connection_limit;
      break;
    case Admission::refuse_per_ip:
      ++counters.refused_per_ip_limit;
      break;
    case Admission::refuse_pending_handshakes:
      ++counters.refused_pending_handshakes;
      break;
    case Admission::accept:
    case Admission::retry:
      return;
  }
  spdlog::debug("quic: refusing {} ({}): {} connections, {} handshaking", endpoint_string(remote),
                refusal_reason(why), connections_.size(), handshaking_.size());
  // Stateless and smaller than the Initial that caused it, so refusing cannot amplify.
  send_stateless_close(socket, header, remote, NGTCP2_CONNECTION_REFUSED);
}

void EndpointCore::on_datagram(UdpSocket& socket, ByteView datagram, const udp::endpoint& from) {
  if (closed_) return;
  if (datagram.size() < kMinDatagram) {
    spdlog::debug("quic: dropping {}-byte datagram from {}", datagram.size(),
                  endpoint_string(from));
    return;
  }
  const udp::endpoint remote = unmapped(from);
  ngtcp2_version_cid vc;
  const int rv =
      ngtcp2_pkt_decode_version_cid(&vc, datagram.data(), datagram.size(), kConnectionIdLength);
  if (rv == NGTCP2_ERR_VERSION_NEGOTIATION) {
    send_version_negotiation(socket, vc, remote);
    return;
  }
  if (rv != 0) {
    spdlog::debug("quic: undecodable datagram from {}: {}", endpoint_string(remote),
                  ngtcp2_strerror(rv));
    return;
  }
  if (auto it = by_cid_.find(ConnectionIdKey(vc.dcid, vc.dcidlen)); it != by_cid_.end()) {
    auto connection = it->second;  // keep it alive through the call
    connection->on_datagram(datagram, remote);
    return;
  }
  if (datagram[0] & 0x80) {
    if (vc.version == 0) return;  // a Version Negotiation packet for a connection we forgot
    accept_initial(socket, datagram, remote);
    return;
  }
  // A short-header packet for a connection we do not know (perhaps from before a restart): tell
  // the peer with a stateless reset, unless that could loop or amplify (RFC 9000 10.3).
  if (datagram.size() >= kConnectionIdLength + kMinDatagram && reset_limiter_.allow()) {
    send_stateless_reset(socket, ByteView(vc.dcid, vc.dcidlen), datagram.size(), remote);
  }
}

void EndpointCore::accept_initial(UdpSocket& socket, ByteView datagram,
                                  const udp::endpoint& remote) {
  ngtcp2_version_cid vc;
  if (ngtcp2_pkt_decode_version_cid(&vc, datagram.data(), datagram.size(), kConnectionIdLength) !=
      0) {
    return;
  }
  if (vc.version != NGTCP2_PROTO_VER_V1) {
    // ngtcp2 knows v2 and drafts too; libp2p speaks v1 only. Same size rule as for unknown ones.
    if (datagram.size() >= NGTCP2_MAX_UDP_PAYLOAD_SIZE) {
      send_version_negotiation(socket, vc, remote);
    }
    return;
  }
  ngtcp2_pkt_hd header;
  if (int rv = ngtcp2_accept(&header, datagram.data(), datagram.size()); rv != 0) {
    spdlog::debug("quic: unacceptable first packet from {}: {}", endpoint_string(remote),
                  ngtcp2_strerror(rv));
    return;
  }
  // The cheap caps first, before spending a token verification on the packet.
  if (const Admission admission = admit_source(limits_, connections_.size(),
                                               source_counts_.count(source_key(remote.address())));
      admission != Admission::accept) {
    refuse(socket, header, remote, admission);
    return;
  }

  ngtcp2_cid original_dcid{};
  const ngtcp2_cid* odcid = nullptr;
  ngtcp2_token_type token_type = NGTCP2_TOKEN_TYPE_UNKNOWN;
  if (header.tokenlen > 0 && header.token[0] == NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY2) {
    const int rv = ngtcp2_crypto_verify_retry_token2(
        &original_dcid, header.token, header.tokenlen, static_secret_.data(), static_secret_.size(),
        header.version, remote.data(), static_cast<ngtcp2_socklen>(remote.size()), &header.dcid,
        kRetryTokenLifetime, system_now_ns());
    if (rv == 0) {
      odcid = &original_dcid;
      token_type = NGTCP2_TOKEN_TYPE_RETRY;
    } else if (rv == NGTCP2_CRYPTO_ERR_VERIFY_TOKEN) {
      spdlog::debug("quic: invalid Retry token from {}", endpoint_string(remote));
      send_stateless_close(socket, header, remote, NGTCP2_INVALID_TOKEN);
      return;
    }
  }
  if (odcid == nullptr) {
    // We never issue NEW_TOKEN tokens, so any other token is meaningless to us.
    header.token = nullptr;
    header.tokenlen = 0;
  }
  switch (admit_handshake(limits_, handshaking_.size(), odcid != nullptr)) {
    case Admission::accept:
      break;
    case Admission::retry:
      send_retry(socket, header, remote, datagram.size());
      return;
    default:
      refuse(socket, header, remote, Admission::refuse_pending_handshakes);
      return;
  }

  auto created = Connection::accept(*this, socket_for(socket), remote, header, odcid, token_type);
  if (!created) {
    spdlog::debug("quic: cannot accept {}: {}", endpoint_string(remote), created.error().message);
    return;
  }
  auto connection = *created;
  connections_[connection->id()] = connection;
  track_inbound(*connection, remote);
  switch (connection->on_datagram(datagram, remote)) {
    case Connection::FirstPacket::accepted:
      break;
    case Connection::FirstPacket::retry:
      send_retry(socket, header, remote, datagram.size());
      return;
    case Connection::FirstPacket::dropped:
      spdlog::debug("quic: dropped first packet from {}", endpoint_string(remote));
      return;
  }
  connection->write();
}

void EndpointCore::send_version_negotiation(UdpSocket& socket, const ngtcp2_version_cid& vc,
                                            const udp::endpoint& remote) {
  // A reserved version (0x?a?a?a?a) first, so clients exercise their handling of unknown ones.
  std::uint8_t random[5];
  crypto::random_bytes(random);
  const std::uint32_t grease =
      ((static_cast<std::uint32_t>(random[0]) << 24 | static_cast<std::uint32_t>(random[1]) << 16 |
        static_cast<std::uint32_t>(random[2]) << 8 | random[3]) &
       0xf0f0f0f0u) |
      0x0a0a0a0au;
  const std::uint32_t versions[] = {grease, NGTCP2_PROTO_VER_V1};
  auto buffer = packet_buffer();
  // The reply swaps the connection IDs of the packet that triggered it.
  const ngtcp2_ssize n =
      ngtcp2_pkt_write_version_negotiation(buffer.data(), NGTCP2_MAX_UDP_PAYLOAD_SIZE, random[4],
                                           vc.scid, vc.scidlen, vc.dcid, vc.dcidlen, versions, 2);
  if (n > 0) socket.send(ByteView(buffer.data(), static_cast<std::size_t>(n)), remote);
}

void EndpointCore::send_retry(UdpSocket& socket, const ngtcp2_pkt_hd& header,
                              const udp::endpoint& remote, std::size_t datagram_size) {
  ngtcp2_cid scid{};
  scid.datalen = kConnectionIdLength;
  crypto::random_bytes(std::span(scid.data, scid.datalen));
  std::array<std::uint8_t, NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN2> token{};
  const ngtcp2_ssize token_length = ngtcp2_crypto_generate_retry_token2(
      token.data(), static_secret_.data(), static_secret_.size(), header.version, remote.data(),
      static_cast<ngtcp2_socklen>(remote.size()), &scid, &header.dcid, system_now_ns());
  if (token_length < 0) return;
  auto buffer = packet_buffer();
  const std::size_t limit = std::min<std::size_t>(NGTCP2_MAX_UDP_PAYLOAD_SIZE, datagram_size * 3);
  const ngtcp2_ssize n =
      ngtcp2_crypto_write_retry(buffer.data(), limit, header.version, &header.scid, &scid,
                                &header.dcid, token.data(), static_cast<std::size_t>(token_length));
  if (n > 0) {
    ++counters.retries_sent;
    spdlog::debug("quic: Retry to {}", endpoint_string(remote));
    socket.send(ByteView(buffer.data(), static_cast<std::size_t>(n)), remote);
  }
}

void EndpointCore::send_stateless_close(UdpSocket& socket, const ngtcp2_pkt_hd& header,
                                        const udp::endpoint& remote, std::uint64_t error_code) {
  auto buffer = packet_buffer();
  const ngtcp2_ssize n = ngtcp2_crypto_write_connection_close(
      buffer.data(), NGTCP2_MAX_UDP_PAYLOAD_SIZE, header.version, &header.scid, &header.dcid,
      error_code, nullptr, 0);
  if (n > 0) socket.send(ByteView(buffer.data(), static_cast<std::size_t>(n)), remote);
}

void EndpointCore::send_stateless_reset(UdpSocket& socket, ByteView dcid, std::size_t datagram_size,
                                        const udp::endpoint& remote) {
  ngtcp2_cid cid;
  ngtcp2_cid_init(&cid, dcid.data(), dcid.size());
  std::array<std::uint8_t, NGTCP2_STATELESS_RESET_TOKENLEN> token{};
  if (ngtcp2_crypto_generate_stateless_reset_token(token.data(), static_secret_.data(),
                                                   static_secret_.size(), &cid) != 0) {
    return;
  }
  // Always shorter than the packet that triggered it, so two endpoints cannot ping-pong resets.
  constexpr std::size_t kMaxRandom = NGTCP2_MAX_CIDLEN + 22 - NGTCP2_STATELESS_RESET_TOKENLEN;
  const std::size_t random_length =
      std::min(kMaxRandom, datagram_size - NGTCP2_STATELESS_RESET_TOKENLEN - 1);
  std::array<std::uint8_t, kMaxRandom> random{};
  crypto::random_bytes(std::span(random.data(), random_length));
  auto buffer = packet_buffer();
  const ngtcp2_ssize n = ngtcp2_pkt_write_stateless_reset(
      buffer.data(), NGTCP2_MAX_UDP_PAYLOAD_SIZE, token.data(), random.data(), random_length);
  if (n > 0) socket.send(ByteView(buffer.data(), static_cast<std::size_t>(n)), remote);
}

Result<std::shared_ptr<Connection>> EndpointCore::start_dial(
    const udp::endpoint& target, std::optional<crypto::PeerId> expected) {
  if (closed_) return make_error("endpoint closed");
  const udp::endpoint remote = unmapped(target);
  std::shared_ptr<UdpSocket> socket;
  for (const auto& s : sockets_) {
    if (s->is_v6() == remote.address().is_v6()) {
      socket = s;
      break;
    }
  }
  if (!socket) {
    return make_error("no {} socket to dial {} from", remote.address().is_v6() ? "IPv6" : "IPv4",
                      endpoint_string(remote));
  }
  if (config_.max_connections != 0 && connections_.size() >= config_.max_connections) {
    return make_error("connection limit ({}) reached", config_.max_connections);
  }
  auto created = Connection::connect(*this, socket, remote, std::move(expected));
  if (!created) return created.error();
  auto connection = *created;
  connections_[connection->id()] = connection;
  connection->write();  // the client Initial
  return connection;
}

void EndpointCore::refresh_udp_counters() {
  // Sockets closed by close() are gone from sockets_; their totals were folded in by then.
  std::uint64_t calls = udp_closed_.send_calls, sent = udp_closed_.datagrams_sent;
  std::uint64_t receives = udp_closed_.receive_calls, received = udp_closed_.datagrams_received;
  for (const auto& socket : sockets_) {
    const UdpStats& stats = socket->stats();
    calls += stats.send_calls;
    sent += stats.datagrams_sent;
    receives += stats.receive_calls;
    received += stats.datagrams_received;
  }
  counters.udp_send_calls = calls;
  counters.udp_datagrams_sent = sent;
  counters.udp_receive_calls = receives;
  counters.udp_datagrams_received = received;
}

void EndpointCore::close() {
  if (closed_) return;
  closed_ = true;
  // Copy first: each shutdown removes the connection from the maps.
  std::vector<std::shared_ptr<Connection>> all;
  all.reserve(connections_.size());
  for (auto& [id, connection] : connections_)
    all.push_back(connection);
  for (auto& connection : all)
    connection->shutdown_now(0);
  connections_.clear();
  by_cid_.clear();
  handshaking_.clear();
  inbound_sources_.clear();
  source_counts_.clear();
  for (auto& socket : sockets_)
    socket->close();  // sends what a write pass left for flush_soon()
  // The sockets go; their totals stay in the counters.
  refresh_udp_counters();
  udp_closed_.send_calls = counters.udp_send_calls;
  udp_closed_.datagrams_sent = counters.udp_datagrams_sent;
  udp_closed_.receive_calls = counters.udp_receive_calls;
  udp_closed_.datagrams_received = counters.udp_datagrams_received;
  sockets_.clear();
  connection_handler = nullptr;
}

// ---------------------------------------------------------------------------------------------

Endpoint::Endpoint(std::shared_ptr<EndpointCore> core) : core_(std::move(core)) {}

Endpoint::~Endpoint() {
  close();
}

Result<std::unique_ptr<Endpoint>> Endpoint::create(asio::io_context& io,
                                                   const crypto::Ed25519Keypair& host_key,
                                                   EndpointConfig config) {
  auto tls = TlsContext::create(host_key);
  if (!tls) return tls.error();
  return create(io, host_key, std::move(config), std::move(*tls));
}

Result<std::unique_ptr<Endpoint>> Endpoint::create(asio::io_context& io,
                                                   const crypto::Ed25519Keypair& host_key,
                                                   EndpointConfig config,
                                                   std::shared_ptr<TlsContext> tls) {
  auto core = std::make_shared<EndpointCore>(io, host_key, std::move(config), std::move(tls));
  if (auto opened = core->open_sockets(); !opened) {
    core->close();
    return opened.error();
  }
  return std::make_unique<Endpoint>(std::move(core));
}

void Endpoint::set_connection_handler(ConnectionHandler handler) {
  core_->connection_handler = std::move(handler);
}

// Waits for the handshake of a connection start_dial() created.
asio::awaitable<Result<std::shared_ptr<Connection>>> dial_connection(
    std::shared_ptr<Connection> connection, udp::endpoint remote) {
  auto [ec] = co_await connection->async_wait_handshake(asio::as_tuple(asio::use_awaitable));
  if (ec) {
    if (ec == asio::error::operation_aborted) connection->close(0, "dial cancelled");
    co_return make_error(
        "dial {}: {}", endpoint_string(remote),
        connection->close_reason().empty() ? ec.message() : connection->close_reason());
  }
  co_return connection;
}

namespace {
// A free coroutine owning the core: the Endpoint may be destroyed while a dial is in flight.
asio::awaitable<Result<std::shared_ptr<Connection>>> dial_impl(
    std::shared_ptr<EndpointCore> core, udp::endpoint remote,
    std::optional<crypto::PeerId> expected) {
  auto started = core->start_dial(remote, std::move(expected));
  if (!started) co_return started.error();
  auto dialed = co_await dial_connection(*started, remote);
  if (dialed) {
    ++core->counters.outbound_established;
  } else {
    ++core->counters.outbound_handshake_failures;
  }
  co_return dialed;
}
}  // namespace

asio::awaitable<Result<std::shared_ptr<Connection>>> Endpoint::dial(
    udp::endpoint remote, std::optional<crypto::PeerId> expected) {
  return dial_impl(core_, remote, std::move(expected));
}

std::vector<udp::endpoint> Endpoint::local_endpoints() const {
  return core_->local_endpoints();
}

const crypto::PeerId& Endpoint::local_peer() const {
  return core_->local_peer();
}

std::size_t Endpoint::connection_count() const {
  return core_->connection_count();
}

std::size_t Endpoint::pending_handshake_count() const {
  return core_->pending_handshake_count();
}

std::size_t Endpoint::inbound_tracked_count() const {
  return core_->inbound_tracked_count();
}

std::size_t Endpoint::inbound_source_count() const {
  return core_->inbound_source_count();
}

const EndpointCounters& Endpoint::counters() const {
  core_->refresh_udp_counters();
  return core_->counters;
}

void Endpoint::close() {
  core_->close();
}

}  // namespace privstack::transport
