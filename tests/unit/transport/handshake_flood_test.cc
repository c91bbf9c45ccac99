// Handshakes that never complete: real client Initials replayed from a socket that then stays
// silent, and real clients that pass the Retry check (through a proxy that forwards only Retry
// packets back) but never finish. The listener must hold max_pending_handshakes, answer with
// Retry beyond retry_threshold, reap everything at handshake_timeout, and still serve a real
// client.
#include <array>
#include <cstdio>
#include <optional>
#include <set>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include "flood_support.h"

namespace privstack::transport {
namespace {

using namespace test;
using namespace boost::asio::experimental::awaitable_operators;
constexpr auto tuple = asio::as_tuple(asio::use_awaitable);

// The destination connection ID of a long-header packet (bounded by the datagram).
std::optional<Bytes> long_header_dcid(ByteView datagram) {
  if (datagram.size() < 6 || (datagram[0] & 0x80) == 0) return std::nullopt;
  const std::size_t length = datagram[5];
  if (datagram.size() < 6 + length) return std::nullopt;
  return Bytes(datagram.begin() + 6, datagram.begin() + 6 + static_cast<std::ptrdiff_t>(length));
}

// A QUIC v1 Retry packet: long header, type 3.
bool is_retry(ByteView datagram) {
  return datagram.size() > 5 && (datagram[0] & 0x80) != 0 && ((datagram[0] >> 4) & 0x03) == 3 &&
         datagram[1] == 0 && datagram[2] == 0 && datagram[3] == 0 && datagram[4] == 1;
}

// Sits between one client and the server: forwards everything the client sends, but of the
// server's answers only Retry packets. The client thus proves its address with a token and then
// never hears the server's handshake: a validated handshake that never completes.
class RetryOnlyProxy {
 public:
  RetryOnlyProxy(asio::io_context& io, udp::endpoint server)
      : socket_(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), server_(server) {}
  udp::endpoint address() const { return socket_.local_endpoint(); }
  void start(asio::io_context& io) { asio::co_spawn(io, relay(), asio::detached); }
  void stop() {
    boost::system::error_code ec;
    socket_.close(ec);
  }

 private:
  asio::awaitable<void> relay() {
    std::array<std::uint8_t, 65536> buffer{};
    udp::endpoint from;
    for (;;) {
      auto [ec, n] = co_await socket_.async_receive_from(asio::buffer(buffer), from, tuple);
      if (ec) co_return;
      const ByteView datagram(buffer.data(), n);
      boost::system::error_code send_ec;
      if (from == server_) {
        if (client_ && is_retry(datagram)) {
          socket_.send_to(asio::buffer(buffer.data(), n), *client_, 0, send_ec);
        }
      } else {
        client_ = from;
        socket_.send_to(asio::buffer(buffer.data(), n), server_, 0, send_ec);
      }
    }
  }

  udp::socket socket_;
  udp::endpoint server_;
  std::optional<udp::endpoint> client_;
};

class HandshakeFloodTest : public ::testing::Test {
 protected:
  HandshakeFloodTest() { maybe_enable_debug_log(); }

  std::unique_ptr<Endpoint> make(EndpointConfig config, const crypto::Ed25519Keypair& key =
                                                            crypto::Ed25519Keypair::generate()) {
    auto endpoint = Endpoint::create(io, key, std::move(config));
    EXPECT_TRUE(endpoint) << endpoint.error().message;
    return endpoint ? std::move(*endpoint) : nullptr;
  }

  udp::endpoint server_address() const { return server->local_endpoints().front(); }

  // `count` real client Initials, each of another connection (distinct DCIDs), captured by letting
  // a client dial a socket that never answers.
  asio::awaitable<std::vector<Bytes>> capture_initials(std::size_t count) {
    udp::socket sink(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    EndpointConfig config = config_at("127.0.0.1");
    config.handshake_timeout = std::chrono::milliseconds(60'000);
    auto dialer = make(config);
    const udp::endpoint target = sink.local_endpoint();
    for (std::size_t i = 0; i < count; ++i) {
      asio::co_spawn(
          io,
          [core = dialer.get(), target]() -> asio::awaitable<void> {
            auto ignored = co_await core->dial(target);
            (void)ignored;
          },
          asio::detached);
    }
    std::vector<Bytes> initials;
    std::set<Bytes> seen;
    std::array<std::uint8_t, 65536> buffer{};
    udp::endpoint from;
    while (initials.size() < count) {
      asio::steady_timer timer(io, 10s);
      auto result = co_await (sink.async_receive_from(asio::buffer(buffer), from, tuple) ||
                              timer.async_wait(tuple));
      if (result.index() != 0) break;  // hang guard: the test fails on the count below
      auto [ec, n] = std::get<0>(result);
      if (ec) break;
      const ByteView datagram(buffer.data(), n);
      auto dcid = long_header_dcid(datagram);
      if (!dcid || !seen.insert(*dcid).second) continue;  // a retransmission
      initials.emplace_back(datagram.begin(), datagram.end());
    }
    dialer->close();  // its dials fail; the Initials stay valid bytes
    co_return initials;
  }

  asio::io_context io;
  crypto::Ed25519Keypair server_key = crypto::Ed25519Keypair::generate();
  std::unique_ptr<Endpoint> server;
  std::vector<std::shared_ptr<Connection>> inbound;
};

TEST_F(HandshakeFloodTest, PendingHandshakesAreCappedRetriedReapedAndARealClientGetsIn) {
  constexpr std::size_t kRetryThreshold = 4;
  constexpr std::size_t kPendingCap = 8;
  constexpr std::size_t kReplayed = 40;
  constexpr std::size_t kValidated = 24;
  EndpointConfig config = config_at("127.0.0.1");
  config.retry_threshold = kRetryThreshold;
  config.max_pending_handshakes = kPendingCap;
  config.max_connections_per_ip = 0;  // the flood comes from one address; test the handshake cap
  config.handshake_timeout = std::chrono::milliseconds(1500);
  server = make(config, server_key);
  server->set_connection_handler([this](std::shared_ptr<Connection> c) {
    c->set_stream_handler([this](std::shared_ptr<Stream> s) {
      asio::co_spawn(io, echo_stream(std::move(s)), asio::detached);
    });
    inbound.push_back(std::move(c));
  });
  const long rss_before = rss_kb();

  run(
      io,
      [&]() -> asio::awaitable<void> {
        // Phase 1: replayed tokenless Initials from one silent socket.
        auto initials = co_await capture_initials(kReplayed);
        EXPECT_EQ(initials.size(), kReplayed);
        udp::socket attacker(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        for (const auto& initial : initials) {
          boost::system::error_code ec;
          attacker.send_to(asio::buffer(initial), server_address(), 0, ec);
        }
        const auto& counters = server->counters();
        // Every replayed Initial either started a handshake, which must time out, or got a Retry.
        {
          const bool ok = co_await wait_until([&] {
            return counters.retries_sent + counters.inbound_handshake_failures == initials.size() &&
                   server->pending_handshake_count() == 0;
          });
          EXPECT_TRUE(ok) << "retries=" << counters.retries_sent
                          << " failures=" << counters.inbound_handshake_failures
                          << " pending=" << server->pending_handshake_count();
        }
        EXPECT_GT(counters.retries_sent, 0u);
        EXPECT_LE(counters.pending_handshakes_peak, kRetryThreshold);
        EXPECT_EQ(counters.refused_pending_handshakes, 0u);  // tokenless: Retry, never refused
        EXPECT_EQ(server->connection_count(), 0u);
        EXPECT_EQ(server->inbound_tracked_count(), 0u);
        std::printf(
            "[flood] replayed initials=%zu retries=%llu handshakes_started=%llu peak=%llu "
            "(retry threshold %zu) all reaped\n",
            initials.size(), static_cast<unsigned long long>(counters.retries_sent),
            static_cast<unsigned long long>(counters.inbound_handshake_failures),
            static_cast<unsigned long long>(counters.pending_handshakes_peak), kRetryThreshold);

        // Phase 2: real clients that pass the Retry check and then go silent.
        EndpointConfig silent_config = config_at("127.0.0.3");
        silent_config.handshake_timeout = std::chrono::milliseconds(60'000);
        auto silent = make(silent_config);
        std::vector<std::unique_ptr<RetryOnlyProxy>> proxies;
        for (std::size_t i = 0; i < kValidated; ++i) {
          proxies.push_back(std::make_unique<RetryOnlyProxy>(io, server_address()));
          proxies.back()->start(io);
          asio::co_spawn(
              io,
              [core = silent.get(), target = proxies.back()->address()]() -> asio::awaitable<void> {
                auto ignored = co_await core->dial(target);
                (void)ignored;
              },
              asio::detached);
        }
        // Refusals only happen with kPendingCap handshakes in progress, so one proves the cap was
        // reached; the peak proves it was never exceeded.
        {
          const bool ok =
              co_await wait_until([&] { return counters.refused_pending_handshakes > 0; });
          EXPECT_TRUE(ok) << "pending=" << server->pending_handshake_count();
        }
        const auto validated_failures_before = counters.inbound_handshake_failures;
        std::printf(
            "[flood] validated silent clients=%zu refused_pending=%llu peak=%llu (cap %zu) "
            "retries=%llu rss_kb before=%ld now=%ld\n",
            kValidated, static_cast<unsigned long long>(counters.refused_pending_handshakes),
            static_cast<unsigned long long>(counters.pending_handshakes_peak), kPendingCap,
            static_cast<unsigned long long>(counters.retries_sent), rss_before, rss_kb());
        EXPECT_LE(counters.pending_handshakes_peak, kPendingCap);
        EXPECT_LE(server->pending_handshake_count(), kPendingCap);

        // Phase 3: the silent clients give up; everything is reaped at the handshake timeout.
        // Proxies first, so the clients' CONNECTION_CLOSEs never reach the server: the server
        // must reap these handshakes on its own timer.
        for (auto& proxy : proxies)
          proxy->stop();
        silent->close();
        {
          const bool ok = co_await wait_until([&] {
            return server->pending_handshake_count() == 0 && server->connection_count() == 0;
          });
          EXPECT_TRUE(ok) << "pending=" << server->pending_handshake_count();
        }
        EXPECT_GT(counters.inbound_handshake_failures, validated_failures_before);
        EXPECT_EQ(server->inbound_tracked_count(), 0u);
        EXPECT_LE(counters.pending_handshakes_peak, kPendingCap);

        // A real client still gets in and is served.
        auto real = make(config_at("127.0.0.1"));
        auto dialed = co_await real->dial(server_address(), server_key.peer_id());
        EXPECT_TRUE(dialed) << dialed.error().message;
        if (dialed) {
          const bool served = co_await echo_roundtrip(*dialed);
          EXPECT_TRUE(served);
        }
        std::printf(
            "[flood] after reaping: pending=%zu connections=%zu real client served=%d "
            "rss_kb=%ld\n",
            server->pending_handshake_count(), server->connection_count(), dialed ? 1 : 0,
            rss_kb());
      },
      std::chrono::seconds(120));
}

}  // namespace
}  // namespace privstack::transport
