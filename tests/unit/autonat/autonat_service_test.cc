// The AutoNAT server over real QUIC on loopback: a server host with the service and client hosts
// that send DIALs by hand. Dial-back success (OK + the observed address), dial-back failure
// (E_DIAL_ERROR), refusals (non-global observed IP, no usable address, throttle), and bad input
// (garbage, oversize frame, forged peer id). Nothing asserts a timing; waits are bounded.
#include "node/autonat/autonat_service.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "crypto/ed25519.h"
#include "node/address.h"
#include "protocol/length_prefixed.h"
#include "support/async_test.h"
#include "support/loopback_hosts.h"

namespace privstack::node {
namespace {

namespace mf = multiformats;
namespace autonat = protocol::autonat;
using autonat::ResponseStatus;
using boost::asio::ip::udp;
using namespace std::chrono_literals;
using protocol::kUseTuple;

using test::eventually;
using test::run;

udp::endpoint loopback_any_port() {
  return udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
}

// A QUIC address on loopback where nobody listens: a port bound once, then closed.
mf::Multiaddr closed_port_address(asio::io_context& io) {
  std::uint16_t closed_port = 0;
  {
    udp::socket probe(io, loopback_any_port());
    closed_port = probe.local_endpoint().port();
  }
  return *mf::Multiaddr::parse("/ip4/127.0.0.1/udp/" + std::to_string(closed_port) + "/quic-v1");
}

class AutonatServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.addresses.only_global_ips = false;  // everything here is loopback
    config_.request_timeout = 5s;
    // A dial-back to a closed port fails by handshake timeout: keep that short for the tests.
    config_.handshake_timeout = 1s;
  }

  void start_server() {
    transport::EndpointConfig transport;
    // A dial-back to a closed port fails by handshake timeout: keep that short for the test.
    transport.handshake_timeout = 1s;
    server_ = test::loopback_host(io_, "127.0.0.1", transport);
    ASSERT_TRUE(server_);
    service_ = AutonatService::install(server_, config_);
  }

  std::shared_ptr<Host> new_client() {
    auto host = test::loopback_host(io_);
    clients_.push_back(host);
    return host;
  }

  void TearDown() override {
    for (auto& client : clients_)
      client->close();
    if (service_) service_->stop();
    if (server_) server_->close();
    io_.run_for(50ms);
  }

  static mf::Multiaddr listen_address(Host& host) {
    return quic_multiaddr(host.bound_endpoints().at(0));
  }

  asio::awaitable<ConnectionPtr> connect(Host& client) { return test::dial_ok(client, *server_); }

  // Sends raw bytes on a new autonat stream and returns the decoded answer.
  asio::awaitable<Result<autonat::DialResponse>> raw_request(Host& client,
                                                             const ConnectionPtr& connection,
                                                             Bytes bytes) {
    auto stream = co_await client.new_stream(connection, std::string(autonat::kProtocolId));
    if (!stream) co_return stream.error();
    auto [ec, n] = co_await asio::async_write(**stream, asio::buffer(bytes), kUseTuple);
    if (ec) co_return make_error("write: {}", ec.message());
    auto frame = co_await autonat::read_message(**stream);
    if (!frame) co_return frame.error();
    if (!frame->has_value()) co_return make_error("no answer");
    co_return autonat::decode_response(**frame);
  }

  asio::awaitable<Result<autonat::DialResponse>> request(Host& client,
                                                         const ConnectionPtr& connection,
                                                         autonat::DialRequest dial) {
    const Bytes framed = protocol::encode_frame(autonat::encode(dial));
    co_return co_await raw_request(client, connection, framed);
  }

  asio::io_context io_;
  AutonatConfig config_;
  std::shared_ptr<Host> server_;
  std::shared_ptr<AutonatService> service_;
  std::vector<std::shared_ptr<Host>> clients_;
};

TEST_F(AutonatServiceTest, DialBackSucceedsAndAnswersTheAddress) {
  start_server();
  auto client = new_client();
  std::size_t inbound_from_server = 0;
  std::uint16_t dial_back_port = 0;
  client->on_connection([&](const ConnectionPtr& c) {
    if (c->direction() != transport::Direction::inbound) return;
    ++inbound_from_server;
    dial_back_port = c->remote_endpoint().port();
  });
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await connect(*client);
    if (!connection) co_return;
    // A private-looking IP: the server dials the observed one (127.0.0.1) instead.
    const auto port = client->bound_endpoints().at(0).port();
    autonat::DialRequest dial{
        client->peer_id(),
        {*mf::Multiaddr::parse("/ip4/10.9.9.9/udp/" + std::to_string(port) + "/quic-v1")}};
    auto answer = co_await request(*client, connection, dial);
    EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.error().message);
    if (!answer) co_return;
    EXPECT_EQ(answer->status, ResponseStatus::ok) << answer->status_text;
    EXPECT_EQ(answer->addr,
              listen_address(*client).with(mf::Protocol::p2p, client->peer_id().bytes()));
    // The dial-back was a new connection to us, not the one we asked on.
    co_await eventually([&] { return inbound_from_server != 0; });
    EXPECT_EQ(inbound_from_server, 1U);
    // From a port of its own, not the listening port we contacted (rust: allocate_new_port).
    EXPECT_NE(dial_back_port, server_->bound_endpoints().at(0).port());
  });
  EXPECT_EQ(service_->counters().ok, 1U);
  EXPECT_EQ(service_->counters().requests, 1U);
}

TEST_F(AutonatServiceTest, UnreachablePortIsADialError) {
  start_server();
  auto client = new_client();
  const mf::Multiaddr closed = closed_port_address(io_);
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await connect(*client);
    if (!connection) co_return;
    autonat::DialRequest dial{client->peer_id(), {closed}};
    auto answer = co_await request(*client, connection, dial);
    EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.error().message);
    if (!answer) co_return;
    EXPECT_EQ(answer->status, ResponseStatus::dial_error);
    EXPECT_FALSE(answer->addr.has_value());
  });
  EXPECT_EQ(service_->counters().dial_errors, 1U);
}

TEST_F(AutonatServiceTest, LoopbackIsRefusedWithRustDefaults) {
  config_.addresses.only_global_ips = true;
  start_server();
  auto client = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await connect(*client);
    if (!connection) co_return;
    autonat::DialRequest dial{client->peer_id(), {listen_address(*client)}};
    auto answer = co_await request(*client, connection, dial);
    EXPECT_TRUE(answer.ok());
    if (!answer) co_return;
    EXPECT_EQ(answer->status, ResponseStatus::dial_refused);
    EXPECT_NE(answer->status_text.find("observed address"), std::string::npos);
  });
}

TEST_F(AutonatServiceTest, NoUsableAddressIsRefused) {
  start_server();
  auto client = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await connect(*client);
    if (!connection) co_return;
    autonat::DialRequest dial{
        client->peer_id(),
        {*mf::Multiaddr::parse("/ip4/127.0.0.1/tcp/4001"),
         *mf::Multiaddr::parse("/ip4/127.0.0.1/udp/4001/quic-v1/p2p-circuit")}};
    auto answer = co_await request(*client, connection, dial);
    EXPECT_TRUE(answer.ok());
    if (!answer) co_return;
    EXPECT_EQ(answer->status, ResponseStatus::dial_refused);
    EXPECT_EQ(answer->status_text, "no dialable addresses");
  });
}

TEST_F(AutonatServiceTest, ForgedPeerIdIsABadRequest) {
  start_server();
  auto client = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await connect(*client);
    if (!connection) co_return;
    // Asking the server to dial someone else (at our own address) must not start any dial.
    const auto victim = crypto::Ed25519Keypair::generate().peer_id();
    autonat::DialRequest dial{victim, {listen_address(*client)}};
    auto answer = co_await request(*client, connection, dial);
    EXPECT_TRUE(answer.ok());
    if (!answer) co_return;
    EXPECT_EQ(answer->status, ResponseStatus::bad_request);
    EXPECT_EQ(answer->status_text, "peer id mismatch");
  });
  EXPECT_EQ(service_->counters().bad_requests, 1U);
  EXPECT_EQ(service_->counters().ok, 0U);
}

TEST_F(AutonatServiceTest, GarbageAndOversizeFramesAreBadRequests) {
  start_server();
  auto client = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await connect(*client);
    if (!connection) co_return;
    const Bytes garbage = protocol::encode_frame(Bytes{0xff, 0xff, 0xff});
    auto first = co_await raw_request(*client, connection, garbage);
    EXPECT_TRUE(first.ok()) << (first.ok() ? "" : first.error().message);
    if (first) {
      EXPECT_EQ(first->status, ResponseStatus::bad_request);
    }
    // A length prefix of 2000 (> 1024): refused before the body is read or allocated.
    const Bytes oversize{0xd0, 0x0f, 0x00, 0x00};
    auto second = co_await raw_request(*client, connection, oversize);
    EXPECT_TRUE(second.ok()) << (second.ok() ? "" : second.error().message);
    if (second) {
      EXPECT_EQ(second->status, ResponseStatus::bad_request);
    }
    // A response sent as a request.
    const Bytes wrong_type =
        protocol::encode_frame(autonat::encode(autonat::error_response(ResponseStatus::ok, "")));
    auto third = co_await raw_request(*client, connection, wrong_type);
    EXPECT_TRUE(third.ok());
    if (third) {
      EXPECT_EQ(third->status, ResponseStatus::bad_request);
    }
  });
  EXPECT_EQ(service_->counters().bad_requests, 3U);
}

TEST_F(AutonatServiceTest, PerPeerThrottleRefusesTheNextRequest) {
  config_.throttle.peer_max = 1;
  config_.throttle.period = 1h;  // the test must not outlive the period
  start_server();
  auto client = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await connect(*client);
    if (!connection) co_return;
    autonat::DialRequest dial{client->peer_id(), {listen_address(*client)}};
    auto first = co_await request(*client, connection, dial);
    EXPECT_TRUE(first.ok());
    if (first) {
      EXPECT_EQ(first->status, ResponseStatus::ok) << first->status_text;
    }
    auto second = co_await request(*client, connection, dial);
    EXPECT_TRUE(second.ok());
    if (!second) co_return;
    EXPECT_EQ(second->status, ResponseStatus::dial_refused);
    EXPECT_EQ(second->status_text, "too many dials for peer");
  });
}

TEST_F(AutonatServiceTest, DialBackConnectionIsClosedAfterwards) {
  config_.close_after = 100ms;
  start_server();
  auto client = new_client();
  std::size_t inbound = 0;
  client->on_connection([&](const ConnectionPtr& c) {
    if (c->direction() == transport::Direction::inbound) ++inbound;
  });
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await connect(*client);
    if (!connection) co_return;
    autonat::DialRequest dial{client->peer_id(), {listen_address(*client)}};
    auto answer = co_await request(*client, connection, dial);
    EXPECT_TRUE(answer.ok());
    if (!answer) co_return;
    EXPECT_EQ(answer->status, ResponseStatus::ok) << answer->status_text;
    // Wait for the dial-back to show up at the client first, so the count below means "closed".
    co_await eventually([&] { return inbound != 0; });
    // The client is back to the one connection it opened (bounded wait, no timing asserted).
    auto open_connections = [&] {
      const PeerRecord* record = client->peers().find(server_->peer_id());
      return record ? record->connections.size() : std::size_t{0};
    };
    co_await eventually([&] { return open_connections() == 1; });
    EXPECT_EQ(open_connections(), 1U);
    EXPECT_TRUE(connection->is_open());
  });
}

TEST_F(AutonatServiceTest, SecondRequestWhileDialingBackIsRefused) {
  start_server();
  auto client = new_client();
  const mf::Multiaddr closed = closed_port_address(io_);
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await connect(*client);
    if (!connection) co_return;
    // The first dial-back hangs until the server's handshake timeout (closed port) ...
    autonat::DialRequest slow{client->peer_id(), {closed}};
    std::optional<Result<autonat::DialResponse>> first;
    asio::co_spawn(
        io_,
        [&, slow]() -> asio::awaitable<void> {
          first = co_await request(*client, connection, slow);
        },
        asio::detached);
    co_await eventually([&] { return service_->counters().requests != 0; }, 10s, 5ms);
    // ... so a second request of the same peer finds it still running.
    autonat::DialRequest again{client->peer_id(), {listen_address(*client)}};
    auto second = co_await request(*client, connection, again);
    EXPECT_TRUE(second.ok());
    if (second) {
      EXPECT_EQ(second->status, ResponseStatus::dial_refused);
      EXPECT_EQ(second->status_text, "dial-back already ongoing");
    }
    co_await eventually([&] { return first.has_value(); });
    EXPECT_TRUE(first && first->ok());
    if (first && first->ok()) {
      EXPECT_EQ((*first)->status, ResponseStatus::dial_error);
    }
  });
}

}  // namespace
}  // namespace privstack::node
