// Hostile and broken input at a listener: certificates that fail the libp2p rules, random and
// mangled datagrams, unknown QUIC versions, packets for unknown connections.
#include <array>
#include <random>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>

#include "test_support.h"
#include "transport/libp2p_certificate.h"

namespace privstack::transport {
namespace {

using namespace test;
using namespace boost::asio::experimental::awaitable_operators;
using boost::system::error_code;

class RobustnessTest : public ::testing::Test {
 protected:
  RobustnessTest() { maybe_enable_debug_log(); }

  std::unique_ptr<Endpoint> make(const crypto::Ed25519Keypair& key, EndpointConfig config,
                                 std::shared_ptr<TlsContext> tls = nullptr) {
    auto endpoint = tls ? Endpoint::create(io, key, std::move(config), std::move(tls))
                        : Endpoint::create(io, key, std::move(config));
    EXPECT_TRUE(endpoint) << endpoint.error().message;
    return endpoint ? std::move(*endpoint) : nullptr;
  }

  void start_server(std::shared_ptr<TlsContext> tls = nullptr) {
    server = make(server_key, loopback_config(), std::move(tls));
    server->set_connection_handler([this](std::shared_ptr<Connection> c) { accepted.push(c); });
  }

  udp::endpoint server_address() const { return server->local_endpoints().front(); }

  // A certificate for `key` whose extension the callback may replace or remove.
  std::shared_ptr<TlsContext> tls_with(
      const crypto::Ed25519Keypair& key,
      const std::function<void(CertificateParams&, ByteView spki)>& tweak) {
    auto cert_key = CertificateKey::generate_p256();
    EXPECT_TRUE(cert_key);
    auto spki = cert_key->spki_der();
    EXPECT_TRUE(spki);
    CertificateParams params;
    params.not_before = std::chrono::system_clock::now() - std::chrono::hours(1);
    params.libp2p_extension = encode_signed_key(
        {key.public_key().to_protobuf(), key.sign(libp2p_signature_message(*spki))});
    tweak(params, *spki);
    auto cert = LocalCertificate::build(std::move(*cert_key), params);
    EXPECT_TRUE(cert) << cert.error().message;
    auto tls = TlsContext::create(std::move(*cert));
    EXPECT_TRUE(tls) << tls.error().message;
    return *tls;
  }

  asio::io_context io;
  crypto::Ed25519Keypair server_key = crypto::Ed25519Keypair::generate();
  crypto::Ed25519Keypair client_key = crypto::Ed25519Keypair::generate();
  std::unique_ptr<Endpoint> server;
  std::unique_ptr<Endpoint> client;
  AsyncQueue<std::shared_ptr<Connection>> accepted{io};
};

// The client's handshake completes before the server has judged the client's certificate (TLS 1.3
// client auth), so a rejected client sees either a failed dial or a connection that the server
// closes at once. Either way the server never hands the connection to the application.
void expect_client_rejected(RobustnessTest& t, asio::io_context& io, Endpoint& client,
                            const udp::endpoint& server, const crypto::PeerId& server_peer,
                            AsyncQueue<std::shared_ptr<Connection>>& accepted) {
  (void)t;
  run(io, [&]() -> asio::awaitable<void> {
    auto dialed = co_await client.dial(server, server_peer);
    if (dialed) {
      AsyncQueue<std::string> closed(io);
      (*dialed)->on_closed([&](const std::string& reason) { closed.push(reason); });
      auto reason = co_await closed.pop(10s);
      EXPECT_TRUE(reason.has_value()) << "server did not close the connection";
      if (reason) {
        EXPECT_NE(reason->find("0x12a"), std::string::npos) << *reason;  // TLS bad_certificate
      }
    }
    auto inbound = co_await accepted.pop(200ms);
    EXPECT_FALSE(inbound.has_value());
  });
}

TEST_F(RobustnessTest, ClientCertificateWithoutExtensionIsRejected) {
  start_server();
  client = make(
      client_key, loopback_config(),
      tls_with(client_key, [](CertificateParams& p, ByteView) { p.libp2p_extension.reset(); }));
  expect_client_rejected(*this, io, *client, server_address(), server_key.peer_id(), accepted);
}

TEST_F(RobustnessTest, ClientCertificateWithWronglySignedExtensionIsRejected) {
  start_server();
  const auto impostor = crypto::Ed25519Keypair::generate();
  client = make(
      client_key, loopback_config(), tls_with(client_key, [&](CertificateParams& p, ByteView spki) {
        // Claims client_key but the signature is by another key.
        p.libp2p_extension = encode_signed_key(
            {client_key.public_key().to_protobuf(), impostor.sign(libp2p_signature_message(spki))});
      }));
  expect_client_rejected(*this, io, *client, server_address(), server_key.peer_id(), accepted);
}

TEST_F(RobustnessTest, ServerCertificateWithoutExtensionFailsTheDial) {
  start_server(
      tls_with(server_key, [](CertificateParams& p, ByteView) { p.libp2p_extension.reset(); }));
  client = make(client_key, loopback_config());
  run(io, [&]() -> asio::awaitable<void> {
    auto dialed = co_await client->dial(server_address());
    EXPECT_FALSE(dialed);
  });
}

TEST_F(RobustnessTest, ServerCertificateForAnotherKeyFailsTheDial) {
  const auto other = crypto::Ed25519Keypair::generate();
  start_server(tls_with(server_key, [&](CertificateParams& p, ByteView spki) {
    p.libp2p_extension = encode_signed_key(
        {server_key.public_key().to_protobuf(), other.sign(libp2p_signature_message(spki))});
  }));
  client = make(client_key, loopback_config());
  run(io, [&]() -> asio::awaitable<void> {
    auto dialed = co_await client->dial(server_address());
    EXPECT_FALSE(dialed);
  });
}

// A plain UDP socket for sending crafted datagrams and catching replies.
class RawSocket {
 public:
  explicit RawSocket(asio::io_context& io)
      : socket_(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}
  udp::endpoint address() const { return socket_.local_endpoint(); }
  void send(ByteView data, const udp::endpoint& to) {
    error_code ec;
    socket_.send_to(asio::buffer(data.data(), data.size()), to, 0, ec);
  }
  // The next datagram, or nullopt after `limit`.
  asio::awaitable<std::optional<Bytes>> receive(std::chrono::milliseconds limit) {
    std::array<std::uint8_t, 65536> buffer{};
    udp::endpoint from;
    asio::steady_timer timer(socket_.get_executor(), limit);
    auto result = co_await (socket_.async_receive_from(asio::buffer(buffer), from,
                                                       asio::as_tuple(asio::use_awaitable)) ||
                            timer.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (result.index() != 0) co_return std::nullopt;
    auto [ec, n] = std::get<0>(result);
    if (ec) co_return std::nullopt;
    co_return Bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
  }

 private:
  udp::socket socket_;
};

Bytes long_header_packet(std::uint32_t version, std::size_t size) {
  Bytes p = {0xc0, static_cast<std::uint8_t>(version >> 24),
             static_cast<std::uint8_t>(version >> 16), static_cast<std::uint8_t>(version >> 8),
             static_cast<std::uint8_t>(version)};
  p.push_back(8);
  for (int i = 0; i < 8; ++i)
    p.push_back(static_cast<std::uint8_t>(0xd0 + i));  // DCID
  p.push_back(8);
  for (int i = 0; i < 8; ++i)
    p.push_back(static_cast<std::uint8_t>(0x50 + i));  // SCID
  p.resize(size, 0x00);
  return p;
}

TEST_F(RobustnessTest, UnknownVersionGetsVersionNegotiation) {
  start_server();
  RawSocket raw(io);
  run(io, [&]() -> asio::awaitable<void> {
    raw.send(long_header_packet(0x1a2a3a4a, 1200), server_address());
    auto reply = co_await raw.receive(5s);
    EXPECT_TRUE(reply.has_value());
    if (!reply) co_return;
    const Bytes& r = *reply;
    EXPECT_GE(r.size(), 7u + 16u + 8u);
    if (r.size() < 7u + 16u + 8u) co_return;
    EXPECT_TRUE(r[0] & 0x80);
    EXPECT_EQ(r[1] | r[2] | r[3] | r[4], 0);  // version 0 = Version Negotiation
    EXPECT_EQ(r[5], 8);
    EXPECT_EQ(r[6], 0x50);  // our SCID came back as its DCID
    EXPECT_EQ(r[14], 8);
    EXPECT_EQ(r[15], 0xd0);
    bool offers_v1 = false;
    for (std::size_t i = 23; i + 4 <= r.size(); i += 4) {
      if (r[i] == 0 && r[i + 1] == 0 && r[i + 2] == 0 && r[i + 3] == 1) offers_v1 = true;
    }
    EXPECT_TRUE(offers_v1);
    // Too short to be a client's first flight: no answer (no amplification).
    raw.send(long_header_packet(0x1a2a3a4a, 600), server_address());
    auto none = co_await raw.receive(200ms);
    EXPECT_FALSE(none.has_value());
  });
  EXPECT_EQ(server->connection_count(), 0u);
}

TEST_F(RobustnessTest, UnknownShortHeaderPacketGetsAStatelessReset) {
  start_server();
  RawSocket raw(io);
  run(io, [&]() -> asio::awaitable<void> {
    Bytes packet(80);
    std::mt19937 rng(7);
    for (auto& b : packet)
      b = static_cast<std::uint8_t>(rng());
    packet[0] = static_cast<std::uint8_t>((packet[0] & 0x3f) | 0x40);
    raw.send(packet, server_address());
    auto reply = co_await raw.receive(5s);
    EXPECT_TRUE(reply.has_value());
    if (!reply) co_return;
    EXPECT_LT(reply->size(), packet.size());  // never larger than the trigger
    EXPECT_GE(reply->size(), 21u);
    EXPECT_EQ((*reply)[0] & 0xc0, 0x40);
  });
}

TEST_F(RobustnessTest, GarbageAndMangledInitialsDoNotHurtTheListener) {
  start_server();
  RawSocket fake_server(io);
  RawSocket attacker(io);
  EndpointConfig client_config = loopback_config();
  client_config.handshake_timeout = std::chrono::milliseconds(300);
  client = make(client_key, client_config);
  std::mt19937 rng(12345);
  run(io, [&]() -> asio::awaitable<void> {
    // Capture a real client Initial by letting the client dial a socket that never answers.
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto ignored = co_await client->dial(fake_server.address());
          (void)ignored;
        },
        asio::detached);
    auto initial = co_await fake_server.receive(5s);
    EXPECT_TRUE(initial.has_value());
    if (!initial) co_return;
    EXPECT_GE(initial->size(), 1200u);

    // Random datagrams of many sizes, with either header form.
    for (int i = 0; i < 300; ++i) {
      Bytes junk(1 + rng() % 1500);
      for (auto& b : junk)
        b = static_cast<std::uint8_t>(rng());
      attacker.send(junk, server_address());
    }
    // Truncated copies of the real Initial.
    for (std::size_t n = 0; n < initial->size(); n += 7) {
      attacker.send(ByteView(*initial).first(n), server_address());
    }
    // Copies with random bytes flipped (header and payload).
    for (int i = 0; i < 300; ++i) {
      Bytes copy = *initial;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        copy[rng() % copy.size()] ^= static_cast<std::uint8_t>(1 + rng() % 255);
      }
      attacker.send(copy, server_address());
    }
    // A correct Initial with garbage appended (coalesced junk after the packet).
    Bytes padded = *initial;
    padded.resize(padded.size() + 200, 0xee);
    attacker.send(padded, server_address());
    // Let the listener chew on all of it.
    co_await sleep_for(200ms);

    // The listener still works.
    auto real_client = make(crypto::Ed25519Keypair::generate(), loopback_config());
    auto dialed = co_await real_client->dial(server_address(), server_key.peer_id());
    EXPECT_TRUE(dialed) << dialed.error().message;
    auto inbound = co_await accepted.pop();
    EXPECT_TRUE(inbound.has_value());
    if (dialed) {
      auto stream = co_await (*dialed)->open_stream();
      EXPECT_TRUE(stream);
    }
  });
  // Only the intact Initials (the padded copy, perhaps a flipped bit in the padding) could have
  // started handshakes; the flood must not have created a connection per datagram.
  EXPECT_LT(server->connection_count(), 50u);
}

}  // namespace
}  // namespace privstack::transport
