// The host over real QUIC on loopback: two hosts, identify and ping through the router, and bad
// input on one stream (garbage, oversize multistream lines, unknown protocols, an oversize
// identify) that costs only that stream — the connection and other streams keep working.
#include "node/host.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "node/address.h"
#include "node/identify_service.h"
#include "protocol/identify.h"
#include "protocol/length_prefixed.h"
#include "protocol/ping.h"
#include "support/async_test.h"

namespace privstack::node {
namespace {

namespace mf = multiformats;
using boost::asio::ip::udp;

// Runs `body` to completion, with a hang guard that fails the test (not a timing assertion).
using test::run;

class HostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HostConfig config;
    config.listen = {udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)};
    auto server = Host::create(io_, crypto::Ed25519Keypair::generate(), config);
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = *server;
    install_ping(*server_);
    identify_ = IdentifyService::install(server_,
                                         IdentifyConfig{.protocol_version = "/test/1.0.0",
                                                        .agent_version = "host-test",
                                                        .request_timeout = std::chrono::seconds(10),
                                                        .limits = {}});
    auto client = Host::create(io_, crypto::Ed25519Keypair::generate(), HostConfig{});
    ASSERT_TRUE(client.ok()) << client.error().message;
    client_ = *client;
    install_ping(*client_);
  }

  void TearDown() override {
    client_->close();
    server_->close();
    io_.run_for(std::chrono::milliseconds(50));
  }

  mf::Multiaddr server_address() const {
    return quic_multiaddr(server_->bound_endpoints().at(0))
        .with(mf::Protocol::p2p, server_->peer_id().bytes());
  }

  // A ping on a fresh stream: proves the connection still serves after whatever came before.
  asio::awaitable<void> expect_ping_works(const ConnectionPtr& connection) {
    auto stream = co_await client_->new_stream(connection, "/ipfs/ping/1.0.0");
    EXPECT_TRUE(stream.ok()) << (stream.ok() ? "" : stream.error().message);
    if (!stream) co_return;
    auto rtt = co_await protocol::ping::ping(**stream);
    EXPECT_TRUE(rtt.ok()) << (rtt.ok() ? "" : rtt.error().message);
  }

  // Writes raw bytes on a new stream and reads until the server ends it; returns the bytes read.
  asio::awaitable<std::string> send_raw(const ConnectionPtr& connection, std::string bytes) {
    auto stream = co_await connection->open_stream();
    EXPECT_TRUE(stream.ok());
    if (!stream) co_return std::string();
    co_await boost::asio::async_write(**stream, boost::asio::buffer(bytes),
                                      boost::asio::as_tuple(boost::asio::use_awaitable));
    std::string reply;
    std::array<char, 1024> chunk{};
    for (;;) {
      auto [ec, n] = co_await (*stream)->async_read_some(
          boost::asio::buffer(chunk), boost::asio::as_tuple(boost::asio::use_awaitable));
      reply.append(chunk.data(), n);
      if (ec) break;
    }
    co_return reply;
  }

  asio::io_context io_;
  std::shared_ptr<Host> server_;
  std::shared_ptr<Host> client_;
  std::shared_ptr<IdentifyService> identify_;
};

TEST_F(HostTest, DialIdentifyAndPingThroughTheRouter) {
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await client_->dial(server_address());
    EXPECT_TRUE(connection.ok()) << (connection.ok() ? "" : connection.error().message);
    if (!connection) co_return;
    EXPECT_EQ((*connection)->remote_peer(), server_->peer_id());
    auto stream = co_await client_->new_stream(*connection, "/ipfs/id/1.0.0");
    EXPECT_TRUE(stream.ok());
    if (!stream) co_return;
    auto info = co_await protocol::identify::read_identify(**stream, server_->peer_id());
    EXPECT_TRUE(info.ok()) << (info.ok() ? "" : info.error().message);
    if (!info) co_return;
    EXPECT_EQ(info->agent_version, "host-test");
    EXPECT_EQ(info->protocol_version, "/test/1.0.0");
    EXPECT_TRUE(info->supports("/ipfs/ping/1.0.0"));
    EXPECT_TRUE(info->supports("/ipfs/id/push/1.0.0"));
    EXPECT_EQ(info->listen_addrs,
              std::vector<mf::Multiaddr>{quic_multiaddr(server_->bound_endpoints().at(0))});
    co_await expect_ping_works(*connection);
    // Both sides find the connection by peer id; nobody else has one.
    EXPECT_EQ(client_->connection_to(server_->peer_id()), *connection);
    auto seen_by_server = server_->connection_to(client_->peer_id());
    EXPECT_NE(seen_by_server, nullptr);
    if (seen_by_server) {
      EXPECT_EQ(seen_by_server->remote_peer(), client_->peer_id());
    }
    EXPECT_EQ(server_->connection_to(crypto::Ed25519Keypair::generate().peer_id()), nullptr);
    EXPECT_EQ(server_->peers().connected_peers(), 1U);
    (*connection)->close(0, "done");
    EXPECT_EQ(client_->connection_to(server_->peer_id()), nullptr);
  });
  EXPECT_EQ(server_->peers().peers_served(), 1U);
}

TEST_F(HostTest, ServerAsksEveryNewPeerForIdentifyAndKeepsWhatItSays) {
  auto client_identify =
      IdentifyService::install(client_, IdentifyConfig{.protocol_version = "/client/1.0.0",
                                                       .agent_version = "client-agent",
                                                       .request_timeout = std::chrono::seconds(10),
                                                       .limits = {}});
  int identified_events = 0;
  server_->peers().on_identified([&](const PeerRecord&) { ++identified_events; });
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await client_->dial(server_address());
    EXPECT_TRUE(connection.ok());
    if (!connection) co_return;
    // The server's request runs on its own; wait (bounded) until the registry has the answer.
    asio::steady_timer timer(io_);
    for (int i = 0; i < 500 && identified_events == 0; ++i) {
      timer.expires_after(std::chrono::milliseconds(10));
      co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    }
  });
  EXPECT_EQ(identified_events, 1);
  const PeerRecord* record = server_->peers().find(client_->peer_id());
  ASSERT_NE(record, nullptr);
  EXPECT_TRUE(record->identified);
  EXPECT_EQ(record->agent_version, "client-agent");
  EXPECT_EQ(record->protocol_version, "/client/1.0.0");
  EXPECT_TRUE(record->supports("/ipfs/ping/1.0.0"));
  EXPECT_EQ(record->listen_addresses, client_->listen_addresses());
  EXPECT_FALSE(record->listen_addresses.empty());
}

TEST_F(HostTest, DialWithoutPeerIdIsRefused) {
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await client_->dial(quic_multiaddr(server_->bound_endpoints().at(0)));
    EXPECT_FALSE(connection.ok());
  });
}

TEST_F(HostTest, UnknownProtocolIsNaAndTheConnectionKeepsServing) {
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await client_->dial(server_address());
    if (!connection) co_return;
    auto stream = co_await client_->new_stream(*connection, "/no/such/protocol/1.0.0");
    EXPECT_FALSE(stream.ok());
    co_await expect_ping_works(*connection);
  });
}

TEST_F(HostTest, GarbageAndOversizeMultistreamCostOnlyTheirStream) {
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await client_->dial(server_address());
    if (!connection) co_return;
    // Not a varint-framed message at all.
    co_await send_raw(*connection, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff garbage");
    // A line far over the 1024-byte limit.
    Bytes oversize;
    protocol::append_frame(oversize, as_bytes(std::string(5000, 'a') + "\n"));
    co_await send_raw(*connection, std::string(as_chars(oversize)));
    // A proposal without the trailing newline.
    Bytes no_newline;
    protocol::append_frame(no_newline, as_bytes("/multistream/1.0.0"));
    co_await send_raw(*connection, std::string(as_chars(no_newline)));
    co_await expect_ping_works(*connection);
    EXPECT_TRUE((*connection)->is_open());
  });
}

TEST_F(HostTest, OversizeIdentifyPushIsRejectedAndTheConnectionKeepsServing) {
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await client_->dial(server_address());
    if (!connection) co_return;
    auto stream = co_await client_->new_stream(*connection, "/ipfs/id/push/1.0.0");
    EXPECT_TRUE(stream.ok());
    if (!stream) co_return;
    // 20 KiB frame: above the 8 KiB per-message limit; the server must reset, not buffer it.
    Bytes frame;
    protocol::append_frame(frame, Bytes(20 * 1024, 0x0a));
    co_await boost::asio::async_write(**stream, boost::asio::buffer(frame),
                                      boost::asio::as_tuple(boost::asio::use_awaitable));
    (*stream)->close_write();
    std::array<char, 16> chunk{};
    auto [ec, n] = co_await (*stream)->async_read_some(
        boost::asio::buffer(chunk), boost::asio::as_tuple(boost::asio::use_awaitable));
    EXPECT_TRUE(ec);  // reset or EOF, never data
    EXPECT_EQ(n, 0U);
    co_await expect_ping_works(*connection);
  });
  // The push was not applied. The client serves no identify, so the push is the only way the
  // server could have marked it identified.
  const PeerRecord* record = server_->peers().find(client_->peer_id());
  ASSERT_NE(record, nullptr);
  EXPECT_FALSE(record->identified);
}

}  // namespace
}  // namespace privstack::node
