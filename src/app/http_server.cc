#include "app/http_server.h"

#include <list>
#include <map>
#include <string>

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>

#include "protocol/relay/ip_prefix.h"

namespace privstack::app {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;

namespace {

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// A parse error the client deserves a 400 for, as opposed to EOF, a timeout or a reset, after which
// nobody is listening for an answer.
bool is_malformed_request(const boost::system::error_code& ec) {
  const auto& http_category = make_error_code(http::error::end_of_stream).category();
  return ec.category() == http_category && ec != http::error::end_of_stream &&
         ec != http::error::partial_message;
}

}  // namespace

struct HttpServer::State : std::enable_shared_from_this<State> {
  State(asio::io_context& io_context, HttpServerConfig cfg, HttpRouter rt)
      : io(io_context), config(std::move(cfg)), router(std::move(rt)) {}

  asio::io_context& io;
  HttpServerConfig config;
  HttpRouter router;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  // Open connections, so stop() can close them; each session removes its own entry.
  std::list<std::shared_ptr<beast::tcp_stream>> connections;
  // Open connections per IP group (protocol::relay::ip_group_key); entries at zero are erased, so
  // the map holds at most max_connections keys.
  std::map<std::string, std::size_t> connections_per_ip;
  std::size_t refused = 0;
  bool stopped = false;

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor);
  asio::awaitable<void> serve(std::list<std::shared_ptr<beast::tcp_stream>>::iterator entry,
                              std::string ip_key);
  // Why a new connection from `ip_key` must be refused, or nullptr when it fits.
  const char* refusal(const std::string& ip_key) const;
};

const char* HttpServer::State::refusal(const std::string& ip_key) const {
  // 0 = no cap, as the --http-max-connections flag documents.
  if (config.max_connections != 0 && connections.size() >= config.max_connections) {
    return "connection limit";
  }
  if (config.max_connections_per_ip != 0) {
    auto it = connections_per_ip.find(ip_key);
    if (it != connections_per_ip.end() && it->second >= config.max_connections_per_ip) {
      return "per-IP connection limit";
    }
  }
  return nullptr;
}

asio::awaitable<void> HttpServer::State::accept_loop(tcp::acceptor& acceptor) {
  auto self = shared_from_this();
  while (!stopped) {
    auto [ec, socket] = co_await acceptor.async_accept(kUseTuple);
    if (ec) {
      if (stopped || ec == asio::error::operation_aborted) co_return;
      // Transient errors (EMFILE, ECONNABORTED) must not end the accept loop.
      spdlog::debug("http: accept failed: {}", ec.message());
      continue;
    }
    boost::system::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    if (peer_ec) continue;  // already gone; the socket closes as it goes out of scope
    std::string ip_key = protocol::relay::ip_group_key(peer.address());
    if (const char* why = refusal(ip_key)) {
      ++refused;
      spdlog::debug("http: {} reached, refusing {}", why, peer.address().to_string());
      boost::system::error_code ignored;
      socket.close(ignored);
      continue;
    }
    ++connections_per_ip[ip_key];
    connections.push_front(std::make_shared<beast::tcp_stream>(std::move(socket)));
    asio::co_spawn(io, serve(connections.begin(), std::move(ip_key)), asio::detached);
  }
}

asio::awaitable<void> HttpServer::State::serve(
    std::list<std::shared_ptr<beast::tcp_stream>>::iterator entry, std::string ip_key) {
  auto self = shared_from_this();
  auto stream = *entry;
  beast::flat_buffer buffer(config.max_header_bytes + config.max_body_bytes);

  for (std::size_t served = 0; served < config.max_requests_per_connection && !stopped; ++served) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
    parser.body_limit(config.max_body_bytes);
    stream->expires_after(config.request_timeout);
    auto [read_ec, read_bytes] = co_await http::async_read(*stream, buffer, parser, kUseTuple);
    std::optional<HttpResponse> response;
    bool keep_alive = false;
    if (!read_ec) {
      const HttpRequest& request = parser.get();
      response = router.route(request);
      keep_alive = request.keep_alive() && served + 1 < config.max_requests_per_connection;
    } else if (read_ec == http::error::header_limit) {
      response = make_error_response(http::status::request_header_fields_too_large);
    } else if (read_ec == http::error::body_limit) {
      response = make_error_response(http::status::payload_too_large);
    } else if (is_malformed_request(read_ec)) {
      response = make_error_response(http::status::bad_request);
    } else {
      // EOF, timeout or reset: nothing useful to answer.
      if (read_ec != http::error::end_of_stream) {
        spdlog::debug("http: closing connection: {}", read_ec.message());
      }
      break;
    }
    response->keep_alive(keep_alive);
    stream->expires_after(config.write_timeout);
    auto [write_ec, written] = co_await http::async_write(*stream, *response, kUseTuple);
    if (write_ec || !keep_alive) break;
  }
  boost::system::error_code ignored;
  stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream->close();
  if (!stopped) connections.erase(entry);
  if (auto it = connections_per_ip.find(ip_key);
      it != connections_per_ip.end() && --it->second == 0) {
    connections_per_ip.erase(it);
  }
}

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& io, HttpServerConfig config,
                                                      HttpRouter router) {
  auto state = std::make_shared<State>(io, std::move(config), std::move(router));
  std::vector<std::string> failures;
  for (const auto& address : state->config.bind_addresses) {
    tcp::endpoint endpoint{address, state->config.port};
    auto acceptor = std::make_unique<tcp::acceptor>(io);
    boost::system::error_code ec;
    acceptor->open(endpoint.protocol(), ec);
    if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      failures.push_back(
          fmt::format("[{}]:{}: {}", address.to_string(), endpoint.port(), ec.message()));
      continue;
    }
    state->acceptors.push_back(std::move(acceptor));
  }
  if (state->acceptors.empty()) {
    std::string joined;
    for (const auto& failure : failures)
      joined += (joined.empty() ? "" : "; ") + failure;
    return make_error("cannot listen for HTTP on port {}: {}", state->config.port, joined);
  }
  for (const auto& failure : failures)
    spdlog::warn("http: not listening on {}", failure);
  for (auto& acceptor : state->acceptors) {
    asio::co_spawn(io, state->accept_loop(*acceptor), asio::detached);
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state)));
}

HttpServer::HttpServer(std::shared_ptr<State> state) : state_(std::move(state)) {}

HttpServer::~HttpServer() {
  stop();
}

std::vector<tcp::endpoint> HttpServer::local_endpoints() const {
  std::vector<tcp::endpoint> endpoints;
  for (const auto& acceptor : state_->acceptors) {
    boost::system::error_code ec;
    auto endpoint = acceptor->local_endpoint(ec);
    if (!ec) endpoints.push_back(endpoint);
  }
  return endpoints;
}

std::size_t HttpServer::active_connections() const {
  return state_->connections.size();
}

std::size_t HttpServer::refused_connections() const {
  return state_->refused;
}

void HttpServer::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  boost::system::error_code ignored;
  for (auto& acceptor : state_->acceptors)
    acceptor->close(ignored);
  for (auto& connection : state_->connections)
    connection->socket().close(ignored);
  state_->connections.clear();
}

}  // namespace privstack::app
