// Connection floods against a listener with small limits, over real QUIC on loopback: the total
// cap, the per-IP cap (127.0.0.1 flooding while 127.0.0.2 is still served), the release of every
// count on every close path, and 0 meaning unlimited. Each test prints what it measured.
#include <cstdio>
#include <vector>

#include <gtest/gtest.h>

#include "flood_support.h"

namespace privstack::transport {
namespace {

using namespace test;

class ConnectionFloodTest : public ::testing::Test {
 protected:
  ConnectionFloodTest() { maybe_enable_debug_log(); }

  std::unique_ptr<Endpoint> make(EndpointConfig config, const crypto::Ed25519Keypair& key =
                                                            crypto::Ed25519Keypair::generate()) {
    auto endpoint = Endpoint::create(io, key, std::move(config));
    EXPECT_TRUE(endpoint) << endpoint.error().message;
    return endpoint ? std::move(*endpoint) : nullptr;
  }

  // A listener on 127.0.0.1 that echoes every stream and keeps its connections.
  void start_server(EndpointConfig config) {
    server = make(std::move(config), server_key);
    server->set_connection_handler([this](std::shared_ptr<Connection> c) {
      c->set_stream_handler([this](std::shared_ptr<Stream> s) {
        asio::co_spawn(io, echo_stream(std::move(s)), asio::detached);
      });
      inbound.push_back(std::move(c));
    });
  }

  udp::endpoint server_address() const { return server->local_endpoints().front(); }

  // Dials `count` times in sequence from `client`; returns the connections that were accepted.
  asio::awaitable<std::vector<std::shared_ptr<Connection>>> dial_many(Endpoint& client, int count,
                                                                      int& refused) {
    std::vector<std::shared_ptr<Connection>> held;
    for (int i = 0; i < count; ++i) {
      auto dialed = co_await client.dial(server_address(), server_key.peer_id());
      if (dialed) {
        held.push_back(*dialed);
      } else {
        ++refused;
      }
    }
    co_return held;
  }

  bool all_released() const {
    return server->connection_count() == 0 && server->pending_handshake_count() == 0 &&
           server->inbound_tracked_count() == 0 && server->inbound_source_count() == 0;
  }

  asio::io_context io;
  crypto::Ed25519Keypair server_key = crypto::Ed25519Keypair::generate();
  std::unique_ptr<Endpoint> server;
  std::vector<std::shared_ptr<Connection>> inbound;
};

TEST_F(ConnectionFloodTest, TotalCapAcceptsExactlyTheCapAndRefusesTheRest) {
  constexpr int kCap = 5;
  constexpr int kAttempts = 25;
  EndpointConfig config = config_at("127.0.0.1");
  config.max_connections = kCap;
  config.max_connections_per_ip = 0;
  start_server(config);
  auto client = make(config_at("127.0.0.1"));
  const long rss_before = rss_kb();
  run(io, [&]() -> asio::awaitable<void> {
    int refused = 0;
    auto held = co_await dial_many(*client, kAttempts, refused);
    std::printf(
        "[flood] total cap %d: attempts=%d accepted=%zu refused=%d server_refused=%llu "
        "rss_kb before=%ld after=%ld\n",
        kCap, kAttempts, held.size(), refused,
        static_cast<unsigned long long>(server->counters().refused_connection_limit), rss_before,
        rss_kb());
    EXPECT_EQ(held.size(), static_cast<std::size_t>(kCap));
    EXPECT_EQ(refused, kAttempts - kCap);
    EXPECT_EQ(server->counters().refused_connection_limit,
              static_cast<std::uint64_t>(kAttempts - kCap));
    EXPECT_EQ(server->connection_count(), static_cast<std::size_t>(kCap));
    // The connections that got in are still served.
    for (const auto& connection : held) {
      {
        const bool ok = co_await echo_roundtrip(connection);
        EXPECT_TRUE(ok);
      }
    }
    // A slot freed by a close is available again.
    held.front()->close(0, "make room");
    {
      const bool ok = co_await wait_until(
          [&] { return server->connection_count() < static_cast<std::size_t>(kCap); });
      EXPECT_TRUE(ok);
    }
    auto again = co_await client->dial(server_address(), server_key.peer_id());
    EXPECT_TRUE(again) << again.error().message;
  });
}

TEST_F(ConnectionFloodTest, PerIpCapHoldsWhileAnotherAddressIsServed) {
  constexpr int kPerIp = 3;
  constexpr int kAttempts = 12;
  EndpointConfig config = config_at("127.0.0.1");
  config.max_connections = 0;
  config.max_connections_per_ip = kPerIp;
  start_server(config);
  auto flooder = make(config_at("127.0.0.1"));
  auto neighbour = make(config_at("127.0.0.2"));  // loopback is a /8: another source IP
  const long rss_before = rss_kb();
  run(io, [&]() -> asio::awaitable<void> {
    int refused = 0;
    auto held = co_await dial_many(*flooder, kAttempts, refused);
    EXPECT_EQ(held.size(), static_cast<std::size_t>(kPerIp));
    EXPECT_EQ(refused, kAttempts - kPerIp);
    EXPECT_EQ(server->counters().refused_per_ip_limit,
              static_cast<std::uint64_t>(kAttempts - kPerIp));
    EXPECT_EQ(server->counters().refused_connection_limit, 0u);

    int neighbour_refused = 0;
    auto other = co_await dial_many(*neighbour, 2, neighbour_refused);
    EXPECT_EQ(other.size(), 2u);
    for (const auto& connection : other) {
      {
        const bool ok = co_await echo_roundtrip(connection, "from 127.0.0.2");
        EXPECT_TRUE(ok);
      }
    }
    for (const auto& connection : held) {
      {
        const bool ok = co_await echo_roundtrip(connection, "from 127.0.0.1");
        EXPECT_TRUE(ok);
      }
    }
    EXPECT_EQ(server->inbound_source_count(), 2u);
    EXPECT_EQ(server->inbound_tracked_count(), static_cast<std::size_t>(kPerIp + 2));
    std::printf(
        "[flood] per-ip cap %d: attempts=%d accepted=%zu refused=%d other_ip_accepted=%zu "
        "rss_kb before=%ld after=%ld\n",
        kPerIp, kAttempts, held.size(), refused, other.size(), rss_before, rss_kb());

    // Closing one of the flooder's connections gives its address a slot back.
    held.front()->close(0, "make room");
    {
      const bool ok = co_await wait_until(
          [&] { return server->inbound_tracked_count() == static_cast<std::size_t>(kPerIp + 1); });
      EXPECT_TRUE(ok);
    }
    auto again = co_await flooder->dial(server_address(), server_key.peer_id());
    EXPECT_TRUE(again) << again.error().message;
  });
}

TEST_F(ConnectionFloodTest, EveryClosePathReleasesTheCounts) {
  EndpointConfig config = config_at("127.0.0.1");
  config.max_connections_per_ip = 2;
  config.max_idle_timeout = std::chrono::milliseconds(400);
  config.keep_alive_interval = std::chrono::milliseconds(0);
  start_server(config);
  EndpointConfig client_config = config_at("127.0.0.1");
  client_config.max_idle_timeout = std::chrono::milliseconds(400);
  client_config.keep_alive_interval = std::chrono::milliseconds(0);
  auto client = make(client_config);
  run(io, [&]() -> asio::awaitable<void> {
    // 1. The client closes.
    auto first = co_await client->dial(server_address(), server_key.peer_id());
    EXPECT_TRUE(first);
    if (!first) co_return;
    EXPECT_EQ(server->inbound_tracked_count(), 1u);
    (*first)->close(0, "bye");
    {
      const bool ok = co_await wait_until([&] { return all_released(); });
      EXPECT_TRUE(ok) << "client close";
    }

    // 2. The server closes.
    auto second = co_await client->dial(server_address(), server_key.peer_id());
    EXPECT_TRUE(second);
    {
      const bool ok = co_await wait_until([&] { return !inbound.empty(); });
      EXPECT_TRUE(ok);
    }
    for (auto& connection : inbound)
      connection->close(0, "server says bye");
    inbound.clear();
    {
      const bool ok = co_await wait_until([&] { return all_released(); });
      EXPECT_TRUE(ok) << "server close";
    }

    // 3. Idle timeout on both sides.
    auto third = co_await client->dial(server_address(), server_key.peer_id());
    EXPECT_TRUE(third);
    inbound.clear();  // the server application holding a connection must not keep it counted
    {
      const bool ok = co_await wait_until([&] { return all_released(); });
      EXPECT_TRUE(ok) << "idle timeout";
    }

    // 4. The per-IP cap is whole again: two connections fit, a third does not.
    auto a = co_await client->dial(server_address(), server_key.peer_id());
    auto b = co_await client->dial(server_address(), server_key.peer_id());
    auto c = co_await client->dial(server_address(), server_key.peer_id());
    EXPECT_TRUE(a);
    EXPECT_TRUE(b);
    EXPECT_FALSE(c);
  });
  // 5. Closing the endpoint releases everything at once.
  server->close();
  EXPECT_TRUE(all_released());
}

TEST_F(ConnectionFloodTest, ZeroMeansUnlimited) {
  // More connections from one address than every default cap would allow per IP (256).
  constexpr int kConnections = 300;
  EndpointConfig config = config_at("127.0.0.1");
  config.max_connections = 0;
  config.max_connections_per_ip = 0;
  config.max_pending_handshakes = 0;
  start_server(config);
  auto client = make(config_at("127.0.0.1"));
  const long rss_before = rss_kb();
  run(
      io,
      [&]() -> asio::awaitable<void> {
        int refused = 0;
        auto held = co_await dial_many(*client, kConnections, refused);
        EXPECT_EQ(held.size(), static_cast<std::size_t>(kConnections));
        EXPECT_EQ(refused, 0);
        EXPECT_EQ(server->inbound_tracked_count(), static_cast<std::size_t>(kConnections));
        {
          const bool ok = co_await echo_roundtrip(held.back());
          EXPECT_TRUE(ok);
        }
        std::printf(
            "[flood] unlimited: connections=%zu refused=%d rss_kb before=%ld after=%ld "
            "(ASan build: includes client side and sanitizer overhead)\n",
            held.size(), refused, rss_before, rss_kb());
      },
      std::chrono::seconds(180));
}

}  // namespace
}  // namespace privstack::transport
