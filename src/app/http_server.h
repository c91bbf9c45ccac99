// A small HTTP/1.1 server on Boost.Beast coroutines for the identity API (and later metrics and
// health). A public relay faces hostile clients, so every connection is bounded: header size, body
// size, time to read a request, and the number of concurrent connections.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "app/http_router.h"
#include "common/result.h"

namespace privstack::app {

struct HttpServerConfig {
  std::uint16_t port = 4002;
  /// Both wildcards by default, like the QUIC listener; the IPv6 socket is v6-only so both bind.
  std::vector<boost::asio::ip::address> bind_addresses = {boost::asio::ip::address_v4::any(),
                                                          boost::asio::ip::address_v6::any()};
  std::size_t max_connections = 256;  // 0 = no cap
  /// Concurrent connections from one IP (IPv4 /32, IPv6 /56, as the relay's per-IP caps), so one
  /// slowloris host cannot take every slot; 0 = no per-IP cap.
  std::size_t max_connections_per_ip = 16;
  std::size_t max_header_bytes = 8 * 1024;
  std::size_t max_body_bytes = 4 * 1024;
  std::chrono::milliseconds request_timeout{10'000};  // whole request, so slowloris cannot pin us
  std::chrono::milliseconds write_timeout{10'000};
  std::size_t max_requests_per_connection = 100;
};

class HttpServer {
 public:
  /// Binds every address in config (failing if none binds) and starts accepting.
  static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& io,
                                                   HttpServerConfig config, HttpRouter router);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::vector<boost::asio::ip::tcp::endpoint> local_endpoints() const;
  std::size_t active_connections() const;
  /// Connections refused by max_connections or max_connections_per_ip since start.
  std::size_t refused_connections() const;
  /// Stops accepting and closes open connections.
  void stop();

 private:
  struct State;
  explicit HttpServer(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace privstack::app
