// /metrics end to end: a relay host with relay and kad services on loopback QUIC, a client that
// reserves, then a scrape over HTTP, checked line by line and by a real Prometheus parser.
#include "app/metrics_service.h"
#include "app/metrics_collectors.h"
#include "app/metrics_text.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "node/address.h"
#include "node/kad/kad_client.h"
#include "node/relay/relay_client.h"
#include "protocol/length_prefixed.h"
#include "support/async_test.h"

namespace privstack::app {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;
using namespace std::chrono_literals;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kHello = "hello through the relay";

// Runs `body` on the loop; fails (rather than hangs) if it never finishes.
using test::run;

// A GET over a fresh connection; the whole raw response.
asio::awaitable<std::string> http_get(tcp::endpoint endpoint, std::string target) {
  tcp::socket socket(co_await asio::this_coro::executor);
  auto [connect_ec] = co_await socket.async_connect(endpoint, kUseTuple);
  if (connect_ec) co_return "connect failed: " + connect_ec.message();
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  co_await asio::async_write(socket, asio::buffer(request), kUseTuple);
  std::string reply;
  std::array<char, 4096> chunk{};
  for (;;) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(chunk), kUseTuple);
    reply.append(chunk.data(), n);
    if (ec || reply.size() > 4 * 1024 * 1024) break;
  }
  co_return reply;
}

std::string body_of(const std::string& reply) {
  const auto at = reply.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : reply.substr(at + 4);
}

::testing::AssertionResult has_line(const std::string& text, const std::string& line) {
  if (text.find(line + "\n") != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no line '" << line << "' in:\n" << text;
}

class MetricsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node::HostConfig config;
    config.listen = {udp::endpoint(asio::ip::address_v4::loopback(), 0)};
    auto host = node::Host::create(io_, crypto::Ed25519Keypair::generate(), config);
    ASSERT_TRUE(host.ok()) << host.error().message;
    host_ = *host;
    relay_ = node::RelayService::install(host_, node::RelayConfig{});
    kad_ = node::KadService::install(host_, node::KadConfig{});
    MetricsConfig metrics_config;
    metrics_config.listen = tcp::endpoint(asio::ip::address_v4::loopback(), 0);
    metrics_config.stats_interval = 0s;
    auto metrics = MetricsService::start(io_, metrics_config, host_, relay_, kad_);
    ASSERT_TRUE(metrics.ok()) << metrics.error().message;
    metrics_ = *metrics;
  }

  void TearDown() override {
    if (metrics_) metrics_->stop();
    if (kad_) kad_->stop();
    for (auto& client : clients_)
      client->close();
    if (host_) host_->close();
    io_.restart();
    io_.run_for(50ms);
  }

  tcp::endpoint metrics_endpoint() const {
    auto endpoints = metrics_->local_endpoints();
    EXPECT_EQ(endpoints.size(), 1u);
    return endpoints.empty() ? tcp::endpoint{} : endpoints.front();
  }

  multiformats::Multiaddr relay_address() const {
    return node::quic_multiaddr(host_->bound_endpoints().at(0))
        .with(multiformats::Protocol::p2p, host_->peer_id().bytes());
  }

  // A client host connected to the relay host (null connection: the test already failed).
  asio::awaitable<std::pair<std::shared_ptr<node::Host>, node::ConnectionPtr>> new_client() {
    auto client = node::Host::create(io_, crypto::Ed25519Keypair::generate(), node::HostConfig{});
    EXPECT_TRUE(client.ok());
    if (!client) co_return std::pair<std::shared_ptr<node::Host>, node::ConnectionPtr>{};
    clients_.push_back(*client);
    auto connection = co_await (*client)->dial(relay_address());
    EXPECT_TRUE(connection.ok()) << (connection.ok() ? "" : connection.error().message);
    co_return std::pair{*client, connection.ok() ? *connection : nullptr};
  }

  // Dials the relay host from a new client and reserves a slot; the client, or null.
  asio::awaitable<std::shared_ptr<node::Host>> reserve_from_new_client(
      node::relay_client::CircuitHandler on_circuit = nullptr) {
    auto client_and_connection = co_await new_client();
    auto client = client_and_connection.first;
    auto connection = client_and_connection.second;
    if (!connection) co_return nullptr;
    if (on_circuit) node::relay_client::install_stop_handler(*client, std::move(on_circuit));
    auto reply = co_await node::relay_client::reserve(*client, connection);
    EXPECT_TRUE(reply.ok()) << (reply.ok() ? "" : reply.error().message);
    co_return client;
  }

  asio::io_context io_;
  std::shared_ptr<node::Host> host_;
  std::shared_ptr<node::RelayService> relay_;
  std::shared_ptr<node::KadService> kad_;
  std::shared_ptr<MetricsService> metrics_;
  std::vector<std::shared_ptr<node::Host>> clients_;
};

TEST_F(MetricsServiceTest, ServesTextFormatThatMovesWithAReservation) {
  std::string before;
  std::string after;
  run(io_, [&]() -> asio::awaitable<void> {
    before = co_await http_get(metrics_endpoint(), "/metrics");
    co_await reserve_from_new_client();
    after = co_await http_get(metrics_endpoint(), "/metrics");
  });
  EXPECT_EQ(before.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << before;
  EXPECT_NE(before.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos)
      << before;
  EXPECT_TRUE(has_line(body_of(before), R"(libp2p_relaysvc_reservations_total{type="opened"} 0)"));
  EXPECT_TRUE(has_line(body_of(before), "libp2p_relaysvc_active_reservations 0"));
  const auto text = body_of(after);
  EXPECT_TRUE(has_line(text, R"(libp2p_relaysvc_reservations_total{type="opened"} 1)"));
  EXPECT_TRUE(has_line(text, "libp2p_relaysvc_active_reservations 1"));
  EXPECT_TRUE(has_line(text, R"(libp2p_swarm_connections_established_total{role="listener"} 1)"));
  EXPECT_TRUE(has_line(text, R"(libp2p_swarm_connections{role="listener"} 1)"));
  EXPECT_TRUE(has_line(text, "privstack_relay_peers_served_total 1"));
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
}

// A circuit that carries bytes and ends: closed by reason, its duration and bytes; and a kad
// request answered. Waits are bounded loops, nothing asserts a timing.
TEST_F(MetricsServiceTest, CircuitAndKadRequestMoveTheirCounters) {
  run(io_, [&]() -> asio::awaitable<void> {
    auto echo = [](node::StreamPtr stream, crypto::PeerId,
                   std::optional<protocol::relay::Limit>) -> asio::awaitable<void> {
      std::array<std::uint8_t, 1024> buffer{};
      for (;;) {
        auto [ec, n] = co_await stream->async_read_some(asio::buffer(buffer), kUseTuple);
        if (n > 0) co_await asio::async_write(*stream, asio::buffer(buffer.data(), n), kUseTuple);
        if (ec) {
          stream->close_write();
          co_return;
        }
      }
    };
    auto target = co_await reserve_from_new_client(echo);
    auto source_and_connection = co_await new_client();
    auto source = source_and_connection.first;
    auto connection = source_and_connection.second;
    if (!target || !connection) co_return;
    auto circuit = co_await node::relay_client::connect(*source, connection, target->peer_id());
    EXPECT_TRUE(circuit.ok() && circuit->stream);
    if (!circuit || !circuit->stream) co_return;
    const std::string hello(kHello);
    co_await asio::async_write(*circuit->stream, asio::buffer(hello), kUseTuple);
    circuit->stream->close_write();
    std::array<char, 256> buffer{};
    std::string echoed;
    for (;;) {
      auto [ec, n] = co_await circuit->stream->async_read_some(asio::buffer(buffer), kUseTuple);
      echoed.append(buffer.data(), n);
      if (ec) break;
    }
    EXPECT_EQ(echoed, hello);

    protocol::kad::KadMessage find_node;
    find_node.type = protocol::kad::MessageType::find_node;
    find_node.key = source->peer_id().bytes();
    std::vector<multiformats::Multiaddr> addresses{relay_address()};
    auto answer = co_await node::send_request(*source, host_->peer_id(), std::move(addresses),
                                              std::move(find_node));
    EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.error().message);

    asio::steady_timer timer(io_);
    for (int i = 0; i < 500 && relay_->counters().circuit_duration.count == 0; ++i) {
      timer.expires_after(10ms);
      co_await timer.async_wait(asio::use_awaitable);
    }
  });
  const auto text = metrics_->render();
  EXPECT_TRUE(has_line(text, R"(libp2p_relaysvc_connections_total{type="opened"} 1)"));
  EXPECT_TRUE(has_line(text, "libp2p_relaysvc_connection_duration_seconds_count 1"));
  EXPECT_TRUE(has_line(text, R"(libp2p_relaysvc_connections_closed_total{reason="closed"} 1)"))
      << "(or another reason, see the text)";
  EXPECT_TRUE(has_line(text, "libp2p_relaysvc_active_connections 0"));
  EXPECT_TRUE(has_line(
      text, "libp2p_relaysvc_data_transferred_bytes_total " + std::to_string(2 * kHello.size())));
  EXPECT_TRUE(
      has_line(text, R"(libp2p_kad_inbound_requests_total{request="FIND_NODE",outcome="ok"} 1)"));
}

// A dial that expects another peer id fails in the handshake and is counted as the dialer's.
TEST_F(MetricsServiceTest, DialToTheWrongPeerIsAHandshakeFailure) {
  auto client = node::Host::create(io_, crypto::Ed25519Keypair::generate(), node::HostConfig{});
  ASSERT_TRUE(client.ok());
  clients_.push_back(*client);
  run(io_, [&]() -> asio::awaitable<void> {
    const auto wrong = node::quic_multiaddr(host_->bound_endpoints().at(0))
                           .with(multiformats::Protocol::p2p,
                                 crypto::Ed25519Keypair::generate().peer_id().bytes());
    auto connection = co_await (*client)->dial(wrong);
    EXPECT_FALSE(connection.ok());
  });
  const auto counters = (*client)->transport_counters();
  EXPECT_EQ(counters.outbound_handshake_failures, 1u);
  EXPECT_EQ(counters.outbound_established, 0u);
  MetricsText text;
  collect_connections(text, counters, (*client)->peers());
  EXPECT_TRUE(has_line(text.render(), R"(libp2p_swarm_handshake_failures_total{role="dialer"} 1)"));
}

TEST_F(MetricsServiceTest, OnlyMetricsIsServed) {
  std::string reply;
  run(io_, [&]() -> asio::awaitable<void> {
    reply = co_await http_get(metrics_endpoint(), "/api/v1/identity");
  });
  EXPECT_EQ(reply.rfind("HTTP/1.1 404", 0), 0u) << reply;
}

// The scrape as Prometheus reads it: Debian's python3-prometheus-client parser must accept the
// whole text and see the families with their types.
TEST_F(MetricsServiceTest, RealPrometheusParserAcceptsTheScrape) {
  if (std::system("/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3-prometheus-client is not installed (scripts/setup.sh installs it)";
  }
  std::string reply;
  run(io_, [&]() -> asio::awaitable<void> {
    co_await reserve_from_new_client();
    reply = co_await http_get(metrics_endpoint(), "/metrics");
  });
  const auto dir =
      std::filesystem::temp_directory_path() / ("metrics_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "scrape.txt") << body_of(reply);
  std::ofstream(dir / "check.py") << R"PY(
import sys
from prometheus_client.parser import text_string_to_metric_families
families = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
want = {
    "libp2p_relaysvc_reservations": "counter",
    "libp2p_relaysvc_active_reservations": "gauge",
    "libp2p_relaysvc_connection_duration_seconds": "histogram",
    "libp2p_relaysvc_reservation_rejections": "counter",
    "libp2p_swarm_connections": "gauge",
    "libp2p_swarm_handshake_failures": "counter",
    "libp2p_kad_inbound_requests": "counter",
    "libp2p_kad_routing_table_peers": "gauge",
    "privstack_relay_peers_served": "counter",
    "privstack_relay_relayed_connections": "counter",
    "process_resident_memory_bytes": "gauge",
    "process_cpu_seconds": "counter",
    "process_open_fds": "gauge",
}
bad = [f"{n}: {families[n].type if n in families else 'missing'}" for n, t in want.items()
       if n not in families or families[n].type != t]
opened = [s.value for s in families["libp2p_relaysvc_reservations"].samples
          if s.labels.get("type") == "opened"]
if opened != [1.0]:
    bad.append(f"reservations opened: {opened}")
if bad:
    print("\n".join(bad))
    sys.exit(1)
print(f"parsed {len(families)} families")
)PY";
  const std::string command = "/usr/bin/python3 " + (dir / "check.py").string() + " " +
                              (dir / "scrape.txt").string() + " 2>&1";
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::array<char, 512> chunk{};
  while (std::fgets(chunk.data(), static_cast<int>(chunk.size()), pipe) != nullptr)
    output += chunk.data();
  const int status = ::pclose(pipe);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(status, 0) << output << "\nscrape:\n" << body_of(reply);
}

TEST_F(MetricsServiceTest, LogsTheSpecCounters) {
  std::ostringstream captured;
  auto logger = std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured));
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  run(io_, [&]() -> asio::awaitable<void> { co_await reserve_from_new_client(); });
  metrics_->log_counters();
  spdlog::set_default_logger(previous);
  EXPECT_NE(captured.str().find("peers_served=1 relayed_connections=0"), std::string::npos)
      << captured.str();
}

TEST_F(MetricsServiceTest, AddsTheRouteToAnotherRouter) {
  HttpRouter router;
  metrics_->add_route(router);
  HttpRequest request{http::verb::get, "/metrics", 11};
  auto response = router.route(request);
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response[http::field::content_type], kMetricsContentType);
  EXPECT_NE(response.body().find("# TYPE libp2p_relaysvc_active_connections gauge"),
            std::string::npos);
}

// Every series the Grafana dashboard queries is one we export (a rename would blank its panels).
TEST_F(MetricsServiceTest, DashboardQueriesOnlyExportedSeries) {
  std::ifstream file(std::string(PRIVSTACK_SOURCE_DIR) + "/deploy/grafana-dashboard.json");
  ASSERT_TRUE(file) << "deploy/grafana-dashboard.json";
  std::stringstream dashboard;
  dashboard << file.rdbuf();
  const std::string rendered = metrics_->render();
  const std::regex series(R"((libp2p|privstack|process)_[a-z0-9_]+)");
  std::size_t checked = 0;
  const std::string text = dashboard.str();
  for (std::sregex_iterator it(text.begin(), text.end(), series), end; it != end; ++it) {
    const std::string name = it->str();
    EXPECT_NE(rendered.find("\n" + name), std::string::npos) << name;
    ++checked;
  }
  EXPECT_GT(checked, 20u);
  // Refusals by a transport limit have their own panel (rate by reason).
  EXPECT_NE(text.find("sum by (instance, reason) (rate(privstack_relay_connections_refused_total"),
            std::string::npos);
}

TEST_F(MetricsServiceTest, PortInUseOnlyDisablesTheListener) {
  MetricsConfig config;
  config.listen = metrics_endpoint();  // taken by the fixture's service
  config.stats_interval = 0s;
  auto second = MetricsService::start(io_, config, host_, relay_, kad_);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE((*second)->local_endpoints().empty());
  EXPECT_NE((*second)->render().find("privstack_relay_peers_served_total 0"), std::string::npos);
}

TEST(MetricsListenAddress, ParsesIpv4Ipv6AndRejectsTheRest) {
  auto v4 = parse_listen_address("127.0.0.1:9464");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->address().to_string(), "127.0.0.1");
  EXPECT_EQ(v4->port(), 9464);
  auto v6 = parse_listen_address("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->address().is_v6());
  EXPECT_EQ(v6->port(), 0);
  for (const char* bad :
       {"", "9464", ":9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
        "::1:9464", "[127.0.0.1]:1", "localhost:9464", "1.2.3.4:12x"}) {
    EXPECT_FALSE(parse_listen_address(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace privstack::app
