// Hostile HTTP clients against the real server on loopback (issue 8, slow HTTP clients):
// slowloris connections trickling header bytes, clients that never read their answer, many idle
// keep-alive connections, and the total and per-IP connection caps. 127.0.0.2 and 127.0.0.3 are
// other IPs on the loopback interface, so "another host" is a socket bound to one of them.
//
// Every check is on counts and states (who got an answer, who was closed, how many connections the
// server holds); waits are bounded loops that fail on a hang. The durations printed are measured
// for the report, never asserted.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "app/cli.h"
#include "app/http_server.h"
#include "support/async_test.h"

namespace privstack::app {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kBigBody = std::size_t{16} * 1024 * 1024;

HttpRouter flood_router() {
  HttpRouter router;
  router.get("/api/v1/identity", [](const HttpRequest& request) {
    return make_json_response(http::status::ok, R"({"peer_id":"x"})", request.version());
  });
  // Far more than the kernel's socket buffers hold, so a client that never reads stalls the write.
  router.get("/big", [](const HttpRequest& request) {
    return make_json_response(http::status::ok, std::string(kBigBody, 'x'), request.version());
  });
  return router;
}

asio::ip::address ip(const char* text) {
  return asio::ip::make_address(text);
}

// A TCP connection from `source` (a loopback address) to the server; null if it failed. A
// `receive_buffer` (bytes, before connecting so the advertised window is small) makes a client
// that never reads stall the server sooner.
asio::awaitable<std::shared_ptr<tcp::socket>> connect_from(asio::ip::address source,
                                                           tcp::endpoint server,
                                                           int receive_buffer = 0) {
  auto socket = std::make_shared<tcp::socket>(co_await asio::this_coro::executor);
  boost::system::error_code ec;
  socket->open(tcp::v4(), ec);
  if (!ec && receive_buffer > 0) {
    socket->set_option(asio::socket_base::receive_buffer_size(receive_buffer), ec);
  }
  if (!ec) socket->bind(tcp::endpoint(source, 0), ec);
  if (ec) co_return nullptr;
  auto [connect_ec] = co_await socket->async_connect(server, kUseTuple);
  if (connect_ec) co_return nullptr;
  co_return socket;
}

struct Reply {
  std::string data;
  bool closed = false;  // the server ended the connection (EOF or reset)
};

// Reads until the server closes the connection.
asio::awaitable<Reply> read_until_closed(std::shared_ptr<tcp::socket> socket) {
  Reply reply;
  std::array<char, 4096> chunk{};
  for (;;) {
    auto [ec, n] = co_await socket->async_read_some(asio::buffer(chunk), kUseTuple);
    reply.data.append(chunk.data(), n);
    if (ec) {
      reply.closed = true;
      co_return reply;
    }
  }
}

// One request on a fresh connection from `source`; the whole reply (empty when refused).
asio::awaitable<Reply> get_from(asio::ip::address source, tcp::endpoint server) {
  auto socket = co_await connect_from(source, server);
  if (!socket) co_return Reply{};
  const std::string request =
      "GET /api/v1/identity HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  co_await asio::async_write(*socket, asio::buffer(request), kUseTuple);
  co_return co_await read_until_closed(socket);
}

bool is_ok(const Reply& reply) {
  return reply.data.rfind("HTTP/1.1 200 OK\r\n", 0) == 0;
}

// A slowloris client: sends one header byte every `gap` until the server closes the connection,
// then records that it was closed and how many bytes it managed to send.
struct Slowloris {
  std::shared_ptr<tcp::socket> socket;
  bool closed = false;
  bool answered = false;  // the server sent anything at all (it must not: no request completed)
  std::size_t sent = 0;
};

asio::awaitable<void> trickle(std::shared_ptr<Slowloris> client, std::chrono::milliseconds gap) {
  // Never ends the header: every byte continues one long header field.
  const std::string start = "GET /api/v1/identity HTTP/1.1\r\nX-Slow: ";
  co_await asio::async_write(*client->socket, asio::buffer(start), kUseTuple);
  client->sent = start.size();
  asio::steady_timer timer(co_await asio::this_coro::executor);
  // The reader sees the close; the writer only notices when a write fails. (Named locals: a
  // lambda temporary in the same expression as a co_await is destroyed twice by GCC 12.)
  auto executor = co_await asio::this_coro::executor;
  auto reader = [client]() -> asio::awaitable<void> {
    auto reply = co_await read_until_closed(client->socket);
    client->answered = !reply.data.empty();
    client->closed = true;
  };
  asio::co_spawn(executor, std::move(reader), asio::detached);
  while (!client->closed) {
    timer.expires_after(gap);
    co_await timer.async_wait(kUseTuple);
    const char byte = 'a';
    auto [ec, n] = co_await asio::async_write(*client->socket, asio::buffer(&byte, 1), kUseTuple);
    if (ec) break;
    client->sent += n;
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class HttpFloodTest : public ::testing::Test {
 protected:
  HttpServer& start(HttpServerConfig config) {
    config.port = 0;
    config.bind_addresses = {asio::ip::address_v4::any()};
    auto server = HttpServer::start(io_, config, flood_router());
    EXPECT_TRUE(server.ok()) << (server.ok() ? "" : server.error().message);
    server_ = std::move(*server);
    endpoint_ = tcp::endpoint(ip("127.0.0.1"), server_->local_endpoints().at(0).port());
    return *server_;
  }

  void TearDown() override {
    if (server_) server_->stop();
    io_.restart();
    io_.run_for(50ms);
  }

  // Starts `count` slowloris clients from `source` into `clients`; they run until the server
  // closes them. (An out-parameter: GCC 12 may destroy a vector returned through co_await twice.)
  asio::awaitable<void> slowloris(std::vector<std::shared_ptr<Slowloris>>& clients,
                                  asio::ip::address source, int count,
                                  std::chrono::milliseconds gap) {
    for (int i = 0; i < count; ++i) {
      auto client = std::make_shared<Slowloris>();
      client->socket = co_await connect_from(source, endpoint_);
      EXPECT_TRUE(client->socket) << "connect from " << source.to_string();
      if (!client->socket) continue;
      asio::co_spawn(io_, trickle(client, gap), asio::detached);
      clients.push_back(client);
    }
  }

  // Three "hosts" on the loopback interface. Members, so no address temporary ever sits inside a
  // co_await expression (see the GCC 12 note above).
  const asio::ip::address local1_ = ip("127.0.0.1");
  const asio::ip::address local2_ = ip("127.0.0.2");
  const asio::ip::address local3_ = ip("127.0.0.3");
  asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  tcp::endpoint endpoint_;
};

TEST_F(HttpFloodTest, SlowlorisIsCutAtTheRequestTimeoutAndHeldAtThePerIpCap) {
  HttpServerConfig config;
  config.max_connections_per_ip = 4;
  config.request_timeout = 2s;
  auto& server = start(config);
  test::run(io_, [&]() -> asio::awaitable<void> {
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<Slowloris>> clients;
    co_await slowloris(clients, local1_, 10, 20ms);
    EXPECT_EQ(clients.size(), 10U);
    std::size_t most_held = 0;
    EXPECT_TRUE(co_await test::eventually([&] {
      most_held = std::max(most_held, server.active_connections());
      return std::all_of(clients.begin(), clients.end(), [](const auto& c) { return c->closed; });
    }));
    const double all_closed = seconds_since(started);
    EXPECT_LE(most_held, 4U);
    EXPECT_EQ(server.refused_connections(), 6U);
    std::size_t sent = 0;
    for (const auto& client : clients) {
      EXPECT_FALSE(client->answered);  // no request ever completed
      sent = std::max(sent, client->sent);
    }
    EXPECT_TRUE(co_await test::eventually([&] { return server.active_connections() == 0; }));
    // A well-behaved client from the same IP is served once the slowloris is gone.
    auto after = co_await get_from(local1_, endpoint_);
    EXPECT_TRUE(is_ok(after));
    std::printf(
        "[ measure  ] slowloris x10 from one IP, request timeout 2 s: held at most %zu (cap 4), "
        "refused %zu, all closed after %.2f s, longest trickle %zu header bytes\n",
        most_held, server.refused_connections(), all_closed, sent);
  });
}

TEST_F(HttpFloodTest, SlowlorisFromOneIpDoesNotLockOutAnother) {
  HttpServerConfig config;
  config.max_connections = 6;
  config.max_connections_per_ip = 4;
  config.request_timeout = 30s;  // the slowloris holds its slots for the whole test
  auto& server = start(config);
  test::run(io_, [&]() -> asio::awaitable<void> {
    std::vector<std::shared_ptr<Slowloris>> attackers;
    co_await slowloris(attackers, local1_, 8, 50ms);
    EXPECT_TRUE(co_await test::eventually([&] { return server.refused_connections() == 4; }));
    const std::size_t held_first = server.active_connections();
    EXPECT_EQ(held_first, 4U);
    // The attacker's own IP is full...
    auto same_ip = co_await get_from(local1_, endpoint_);
    EXPECT_TRUE(same_ip.data.empty()) << same_ip.data;
    EXPECT_TRUE(same_ip.closed);
    // ...another IP is served,
    auto other_ip = co_await get_from(local2_, endpoint_);
    EXPECT_TRUE(is_ok(other_ip)) << other_ip.data.substr(0, 80);
    // and the total cap still holds when a second IP floods too.
    std::vector<std::shared_ptr<Slowloris>> second_wave;
    co_await slowloris(second_wave, local2_, 4, 50ms);
    EXPECT_TRUE(co_await test::eventually([&] { return server.refused_connections() == 7; }));
    EXPECT_EQ(server.active_connections(), 6U);
    auto third_ip = co_await get_from(local3_, endpoint_);
    EXPECT_TRUE(third_ip.data.empty()) << third_ip.data;
    std::printf(
        "[ measure  ] per-IP cap 4, total cap 6: 8 slowloris from 127.0.0.1 held %zu, 127.0.0.2 "
        "served (%s); 4 more from 127.0.0.2: total held %zu, refused %zu\n",
        held_first, is_ok(other_ip) ? "200 OK" : "not served", server.active_connections(),
        server.refused_connections());
    server.stop();  // ends the attackers' connections
    for (const auto& client : attackers)
      client->socket->close();
    for (const auto& client : second_wave)
      client->socket->close();
  });
}

TEST_F(HttpFloodTest, ClientsThatNeverReadAreClosedAtTheWriteTimeout) {
  HttpServerConfig config;
  config.write_timeout = 500ms;
  auto& server = start(config);
  test::run(io_, [&]() -> asio::awaitable<void> {
    std::vector<std::shared_ptr<tcp::socket>> sockets;
    const std::string request = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
    for (int i = 0; i < 8; ++i) {
      auto socket = co_await connect_from(local1_, endpoint_, 4096);
      EXPECT_TRUE(socket);
      if (!socket) co_return;
      co_await asio::async_write(*socket, asio::buffer(request), kUseTuple);
      sockets.push_back(socket);
    }
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(co_await test::eventually([&] { return server.active_connections() == 8; }));
    // Nobody reads: each write stalls and the write timeout closes each connection.
    EXPECT_TRUE(co_await test::eventually([&] { return server.active_connections() == 0; }, 30s));
    const double closed_after = seconds_since(started);
    // What each client can still read is what the kernel buffered, far less than the body.
    std::size_t most = 0;
    for (auto& socket : sockets) {
      auto rest = co_await read_until_closed(socket);
      EXPECT_TRUE(rest.closed);
      EXPECT_LT(rest.data.size(), kBigBody);
      most = std::max(most, rest.data.size());
    }
    auto after = co_await get_from(local1_, endpoint_);
    EXPECT_TRUE(is_ok(after));
    std::printf(
        "[ measure  ] 8 clients never reading a 16 MiB answer, write timeout 0.5 s: all closed "
        "after %.2f s, at most %zu bytes reached a client\n",
        closed_after, most);
  });
}

TEST_F(HttpFloodTest, IdleKeepAliveConnectionsAreClosedAndCapped) {
  HttpServerConfig config;
  config.max_connections = 8;
  config.max_connections_per_ip = 0;  // only the total cap here
  config.request_timeout = 2s;        // also the keep-alive idle time
  auto& server = start(config);
  test::run(io_, [&]() -> asio::awaitable<void> {
    const std::string request = "GET /api/v1/identity HTTP/1.1\r\nHost: x\r\n\r\n";
    std::vector<std::shared_ptr<tcp::socket>> sockets;
    for (int i = 0; i < 12; ++i) {
      auto socket = co_await connect_from(local1_, endpoint_);
      EXPECT_TRUE(socket);
      if (!socket) co_return;
      co_await asio::async_write(*socket, asio::buffer(request), kUseTuple);
      sockets.push_back(socket);
    }
    const auto started = std::chrono::steady_clock::now();
    // Each client reads until the server closes: the served ones get one answer and then stay
    // idle on keep-alive until the timeout; the refused ones get nothing.
    int answered = 0;
    int refused = 0;
    for (auto& socket : sockets) {
      auto reply = co_await read_until_closed(socket);
      EXPECT_TRUE(reply.closed);
      if (is_ok(reply)) {
        EXPECT_EQ(reply.data.find("HTTP/1.1", 1), std::string::npos);  // exactly one answer
        ++answered;
      } else {
        EXPECT_TRUE(reply.data.empty()) << reply.data.substr(0, 80);
        ++refused;
      }
    }
    const double closed_after = seconds_since(started);
    EXPECT_EQ(answered, 8);
    EXPECT_EQ(refused, 4);
    EXPECT_EQ(server.refused_connections(), 4U);
    EXPECT_TRUE(co_await test::eventually([&] { return server.active_connections() == 0; }));
    std::printf(
        "[ measure  ] 12 keep-alive clients, cap 8, idle timeout 2 s: %d answered then closed, "
        "%d refused, all closed after %.2f s\n",
        answered, refused, closed_after);
  });
}

TEST_F(HttpFloodTest, ZeroMeansNoCap) {
  HttpServerConfig config;
  config.max_connections = 0;
  config.max_connections_per_ip = 0;
  auto& server = start(config);
  test::run(io_, [&]() -> asio::awaitable<void> {
    std::vector<std::shared_ptr<tcp::socket>> idle;
    for (int i = 0; i < 300; ++i) {  // beyond both defaults (256 total, 16 per IP)
      auto socket = co_await connect_from(local1_, endpoint_);
      EXPECT_TRUE(socket);
      if (!socket) co_return;
      idle.push_back(socket);
    }
    EXPECT_TRUE(co_await test::eventually([&] { return server.active_connections() == 300; }));
    EXPECT_EQ(server.refused_connections(), 0U);
    server.stop();
  });
}

// The caps are operator settings: --http-max-connections and --http-max-connections-per-ip.
CliOutcome parse(std::vector<const char*> args) {
  args.insert(args.begin(), "privstack-relay");
  return parse_command_line(static_cast<int>(args.size()), args.data());
}

TEST(HttpCapFlagsTest, DefaultsAndOverrides) {
  auto defaults = parse({});
  ASSERT_TRUE(defaults.options);
  EXPECT_EQ(defaults.options->http_max_connections, HttpServerConfig{}.max_connections);
  EXPECT_EQ(defaults.options->http_max_connections_per_ip,
            HttpServerConfig{}.max_connections_per_ip);
  EXPECT_EQ(defaults.options->http_max_connections_per_ip, 16U);
  auto set = parse({"--http-max-connections", "40", "--http-max-connections-per-ip", "0"});
  ASSERT_TRUE(set.options) << set.output;
  EXPECT_EQ(set.options->http_max_connections, 40U);
  EXPECT_EQ(set.options->http_max_connections_per_ip, 0U);
  auto bad = parse({"--http-max-connections-per-ip", "-1"});
  EXPECT_FALSE(bad.options);
  EXPECT_EQ(bad.exit_code, 2);
  auto help = parse({"--help"});
  EXPECT_NE(help.output.find("--http-max-connections-per-ip"), std::string::npos);
}

}  // namespace
}  // namespace privstack::app
