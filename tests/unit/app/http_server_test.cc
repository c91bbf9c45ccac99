// The HTTP server over real loopback sockets: routing end to end, IPv4 and IPv6, and the bounds
// that keep hostile clients from pinning connections.
#include "app/http_server.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace privstack::app {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

HttpRouter identity_router() {
  HttpRouter router;
  router.get("/api/v1/identity", [](const HttpRequest& request) {
    return make_json_response(http::status::ok, R"({"peer_id":"x"})", request.version());
  });
  return router;
}

class HttpServerTest : public ::testing::Test {
 protected:
  std::unique_ptr<HttpServer> start(HttpServerConfig config) {
    config.port = 0;
    auto server = HttpServer::start(io_, config, identity_router());
    EXPECT_TRUE(server.ok()) << (server.ok() ? "" : server.error().message);
    return server.ok() ? std::move(*server) : nullptr;
  }

  // Runs the loop until `done` holds (or a generous bound passes, failing the caller's check).
  template <typename Predicate>
  void run_until(Predicate done) {
    io_.restart();
    for (int i = 0; i < 1000 && !done(); ++i)
      io_.run_for(std::chrono::milliseconds(10));
  }

  // Sends raw bytes, then reads until the server closes (or `half_close` is false and the server
  // answers and keeps the connection). Returns what the server sent.
  std::string exchange(tcp::endpoint endpoint, std::string request, bool half_close = true) {
    std::string reply;
    bool done = false;
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          tcp::socket socket(io_);
          auto [connect_ec] = co_await socket.async_connect(endpoint, kUseTuple);
          if (connect_ec) co_return;
          co_await asio::async_write(socket, asio::buffer(request), kUseTuple);
          if (half_close) socket.shutdown(tcp::socket::shutdown_send);
          std::array<char, 4096> chunk{};
          for (;;) {
            auto [ec, n] = co_await socket.async_read_some(asio::buffer(chunk), kUseTuple);
            reply.append(chunk.data(), n);
            if (ec) break;
          }
        },
        [&](std::exception_ptr) { done = true; });
    run_until([&] { return done; });
    return reply;
  }

  static tcp::endpoint loopback(const HttpServer& server, bool v6 = false) {
    for (auto endpoint : server.local_endpoints()) {
      if (endpoint.address().is_v6() == v6) {
        return {v6 ? asio::ip::address(asio::ip::address_v6::loopback())
                   : asio::ip::address(asio::ip::address_v4::loopback()),
                endpoint.port()};
      }
    }
    ADD_FAILURE() << "no listener for that family";
    return {};
  }

  asio::io_context io_;
};

TEST_F(HttpServerTest, ServesIdentityOverIpv4AndIpv6) {
  HttpServerConfig config;
  config.bind_addresses = {asio::ip::address_v4::loopback()};
  auto v4 = start(config);
  config.bind_addresses = {asio::ip::address_v6::loopback()};
  auto v6 = start(config);
  ASSERT_TRUE(v4 && v6);
  for (auto endpoint : {loopback(*v4), loopback(*v6, true)}) {
    auto reply = exchange(endpoint, "GET /api/v1/identity HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << reply;
    EXPECT_NE(reply.find("Content-Type: application/json\r\n"), std::string::npos) << reply;
    EXPECT_NE(reply.find("\r\n\r\n{\"peer_id\":\"x\"}"), std::string::npos) << reply;
  }
}

TEST_F(HttpServerTest, WildcardDefaultBindsBothFamilies) {
  auto server = start(HttpServerConfig{});
  ASSERT_TRUE(server);
  EXPECT_EQ(server->local_endpoints().size(), 2U);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto server = start(HttpServerConfig{});
  ASSERT_TRUE(server);
  auto reply = exchange(loopback(*server),
                        "GET /api/v1/identity HTTP/1.1\r\nHost: x\r\n\r\n"
                        "HEAD /api/v1/identity HTTP/1.1\r\nHost: x\r\n\r\n"
                        "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(reply.find("HTTP/1.1 200 OK"), 0U);
  auto second = reply.find("HTTP/1.1 200 OK", 1);
  ASSERT_NE(second, std::string::npos) << reply;
  EXPECT_NE(reply.find("HTTP/1.1 404 Not Found", second), std::string::npos) << reply;
}

TEST_F(HttpServerTest, MethodNotAllowed) {
  auto server = start(HttpServerConfig{});
  ASSERT_TRUE(server);
  auto reply = exchange(loopback(*server),
                        "POST /api/v1/identity HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
  EXPECT_EQ(reply.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0U) << reply;
  EXPECT_NE(reply.find("Allow: GET, HEAD\r\n"), std::string::npos);
}

TEST_F(HttpServerTest, OversizeHeaderIs431) {
  HttpServerConfig config;
  config.max_header_bytes = 1024;
  auto server = start(config);
  ASSERT_TRUE(server);
  auto reply = exchange(loopback(*server), "GET /api/v1/identity HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                               std::string(4096, 'a') + "\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 431", 0), 0U) << reply.substr(0, 80);
}

TEST_F(HttpServerTest, OversizeBodyIs413) {
  auto server = start(HttpServerConfig{});
  ASSERT_TRUE(server);
  auto reply =
      exchange(loopback(*server),
               "POST /api/v1/identity HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" +
                   std::string(100000, 'a'));
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0U) << reply.substr(0, 80);
}

TEST_F(HttpServerTest, GarbageIs400) {
  auto server = start(HttpServerConfig{});
  ASSERT_TRUE(server);
  auto reply = exchange(loopback(*server), "\x01\x02\x03 not http at all\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0U) << reply;
}

TEST_F(HttpServerTest, SlowClientIsDisconnectedAtTheRequestTimeout) {
  HttpServerConfig config;
  config.request_timeout = std::chrono::milliseconds(200);
  auto server = start(config);
  ASSERT_TRUE(server);
  // An incomplete request that never finishes: the server must close rather than wait forever.
  auto reply = exchange(loopback(*server), "GET /api/v1/identity HTTP/1.1\r\nHost:", false);
  EXPECT_TRUE(reply.empty()) << reply;
  EXPECT_EQ(server->active_connections(), 0U);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheCapAreRefused) {
  HttpServerConfig config;
  config.max_connections = 2;
  config.request_timeout = std::chrono::milliseconds(500);
  auto server = start(config);
  ASSERT_TRUE(server);
  auto endpoint = loopback(*server);
  // Two idle connections occupy both slots; the third is closed without an answer while they last.
  tcp::socket a(io_), b(io_);
  a.connect(endpoint);
  b.connect(endpoint);
  run_until([&] { return server->active_connections() == 2; });
  EXPECT_EQ(server->active_connections(), 2U);
  // The third connection is accepted by the kernel and closed by the server without an answer.
  auto reply = exchange(endpoint, "GET /api/v1/identity HTTP/1.1\r\nHost: x\r\n\r\n", false);
  EXPECT_TRUE(reply.empty()) << reply;
}

TEST_F(HttpServerTest, PortInUseIsAnError) {
  HttpServerConfig config;
  config.bind_addresses = {asio::ip::address_v4::loopback()};
  auto first = start(config);
  ASSERT_TRUE(first);
  config.port = first->local_endpoints().at(0).port();
  auto second = HttpServer::start(io_, config, identity_router());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("cannot listen for HTTP"), std::string::npos);
}

TEST_F(HttpServerTest, StopClosesOpenConnections) {
  auto server = start(HttpServerConfig{});
  ASSERT_TRUE(server);
  tcp::socket idle(io_);
  idle.connect(loopback(*server));
  run_until([&] { return server->active_connections() == 1; });
  EXPECT_EQ(server->active_connections(), 1U);
  server->stop();
  EXPECT_EQ(server->active_connections(), 0U);
}

}  // namespace
}  // namespace privstack::app
