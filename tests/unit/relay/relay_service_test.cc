// The relay over real QUIC on loopback: one relay host and client hosts using the relay client.
// Reservations (addresses, voucher, Limit, renewal, loss with the connection), circuits (echo,
// half-close, counters), every refusal status, bad input on hop, targets that refuse or vanish,
// and circuits closed by their data or duration limit. Nothing here asserts a timing; waits are
// bounded loops that fail the test if the condition never comes.
#include "node/relay/relay_service.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "crypto/voucher.h"
#include "node/address.h"
#include "node/relay/relay_client.h"
#include "protocol/length_prefixed.h"
#include "support/async_test.h"
#include "support/loopback_hosts.h"
#include "support/relay_circuit.h"
#include "support/stream_io.h"

namespace privstack::node {
namespace {

namespace mf = multiformats;
namespace relay = protocol::relay;
using boost::asio::ip::udp;
using relay::Status;
using namespace std::chrono_literals;
using protocol::kUseTuple;

using test::echo_stream;
using test::eventually;
using test::read_all;
using test::run;

class RelayServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { policy_ = relay::RelayPolicy{}; }

  // Call first in each test (after adjusting policy_).
  void start_relay() {
    relay_host_ = test::loopback_host(io_);
    ASSERT_TRUE(relay_host_);
    RelayConfig relay_config;
    relay_config.policy = policy_;
    relay_config.request_timeout = 2s;
    service_ = RelayService::install(relay_host_, relay_config);
  }

  // A client host without a stop handler (tests give it their own, or none); null on failure.
  std::shared_ptr<Host> new_bare_client(HostConfig config = {}) {
    auto host = Host::create(io_, crypto::Ed25519Keypair::generate(), std::move(config));
    EXPECT_TRUE(host.ok());
    if (!host) return nullptr;
    clients_.push_back(*host);
    return *host;
  }

  // A client host; its stop handler runs `on_circuit` (echo by default).
  std::shared_ptr<Host> new_client(relay_client::CircuitHandler on_circuit = nullptr) {
    auto host = Host::create(io_, crypto::Ed25519Keypair::generate(), HostConfig{});
    EXPECT_TRUE(host.ok());
    if (!on_circuit) {
      on_circuit = [this](StreamPtr stream, crypto::PeerId source,
                          std::optional<relay::Limit> limit) -> asio::awaitable<void> {
        circuit_sources_.push_back(source);
        stop_limits_.push_back(limit);
        co_await echo_stream(std::move(stream));
      };
    }
    relay_client::install_stop_handler(**host, std::move(on_circuit));
    clients_.push_back(*host);
    return *host;
  }

  void TearDown() override {
    for (auto& client : clients_)
      client->close();
    if (relay_host_) relay_host_->close();
    io_.run_for(50ms);
  }

  asio::awaitable<ConnectionPtr> dial(Host& client) { return test::dial_ok(client, *relay_host_); }

  // Dials and reserves; the connection, or null (test already failed).
  asio::awaitable<ConnectionPtr> dial_and_reserve(Host& client) {
    auto connection = co_await dial(client);
    if (!connection) co_return nullptr;
    auto reply = co_await relay_client::reserve(client, connection);
    EXPECT_TRUE(reply.ok()) << (reply.ok() ? "" : reply.error().message);
    if (!reply) co_return nullptr;
    EXPECT_EQ(reply->status, Status::ok);
    co_return connection;
  }

  // `target` reserves, `source` sends CONNECT to it: the relay must answer CONNECTION_FAILED.
  asio::awaitable<void> expect_connect_fails(Host& target, Host& source) {
    auto target_connection = co_await dial_and_reserve(target);
    auto source_connection = co_await dial(source);
    if (!target_connection || !source_connection) co_return;
    auto reply = co_await relay_client::connect(source, source_connection, target.peer_id());
    EXPECT_TRUE(reply.ok());
    if (reply) {
      EXPECT_EQ(reply->status, Status::connection_failed);
    }
  }

  // `target` reserves and `source` opens a circuit to it (support/relay_circuit.h).
  asio::awaitable<test::Circuit> open_circuit(Host& target, Host& source) {
    auto target_connection = co_await dial_and_reserve(target);
    auto source_connection = co_await dial(source);
    co_return co_await test::connect_circuit(source, target, target_connection, source_connection);
  }

  // Sends raw bytes on a new hop stream and returns the relay's decoded answer.
  asio::awaitable<Result<relay::HopMessage>> raw_hop(Host& client, const ConnectionPtr& connection,
                                                     Bytes bytes) {
    auto stream = co_await client.new_stream(connection, std::string(relay::kHopProtocolId));
    if (!stream) co_return stream.error();
    auto [ec, n] = co_await asio::async_write(**stream, asio::buffer(bytes), kUseTuple);
    if (ec) co_return make_error("write: {}", ec.message());
    auto frame = co_await relay::read_message(**stream);
    if (!frame) co_return frame.error();
    if (!frame->has_value()) co_return make_error("no answer");
    co_return relay::decode_hop(**frame);
  }

  asio::io_context io_;
  relay::RelayPolicy policy_;
  std::shared_ptr<Host> relay_host_;
  std::shared_ptr<RelayService> service_;
  std::vector<std::shared_ptr<Host>> clients_;
  std::vector<crypto::PeerId> circuit_sources_;
  std::vector<std::optional<relay::Limit>> stop_limits_;
};

TEST_F(RelayServiceTest, ReservationCarriesAddressesVoucherAndLimit) {
  start_relay();
  auto client = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await dial(*client);
    if (!connection) co_return;
    auto reply = co_await relay_client::reserve(*client, connection);
    EXPECT_TRUE(reply.ok()) << (reply.ok() ? "" : reply.error().message);
    if (!reply) co_return;
    EXPECT_EQ(reply->status, Status::ok);
    EXPECT_EQ(reply->limit, (relay::Limit{120, 131072}));
    EXPECT_TRUE(reply->reservation.has_value());
    if (!reply->reservation) co_return;
    const auto& reservation = *reply->reservation;
    const auto now =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    EXPECT_GT(reservation.expire, now);
    EXPECT_LE(reservation.expire, now + 3600 + 5);
    EXPECT_FALSE(reservation.addrs.empty());
    for (const auto& addr : reservation.addrs) {
      EXPECT_EQ(addr.peer_id_bytes(), std::optional<Bytes>(relay_host_->peer_id().bytes()))
          << addr.to_string();
    }
    EXPECT_TRUE(reservation.voucher.has_value());
    if (reservation.voucher) {
      auto voucher = crypto::open_voucher(*reservation.voucher);
      EXPECT_TRUE(voucher.ok()) << (voucher.ok() ? "" : voucher.error().message);
      if (voucher) {
        EXPECT_EQ(voucher->relay, relay_host_->peer_id());
        EXPECT_EQ(voucher->peer, client->peer_id());
        EXPECT_EQ(voucher->expiration, reservation.expire);
      }
    }
    // Renewal on the same connection keeps one slot.
    auto renewed = co_await relay_client::reserve(*client, connection);
    EXPECT_TRUE(renewed.ok());
    if (renewed) {
      EXPECT_EQ(renewed->status, Status::ok);
    }
  });
  EXPECT_EQ(service_->resources().reservations(), 1U);
  EXPECT_EQ(service_->counters().reservations_accepted, 2U);
  EXPECT_EQ(service_->counters().reservations_renewed, 1U);
}

TEST_F(RelayServiceTest, CircuitEchoesAndHalfClosesThenFreesItsSlot) {
  start_relay();
  auto target = new_client();
  auto source = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto target_connection = co_await dial_and_reserve(*target);
    auto source_connection = co_await dial(*source);
    if (!target_connection || !source_connection) co_return;
    auto reply = co_await relay_client::connect(*source, source_connection, target->peer_id());
    EXPECT_TRUE(reply.ok()) << (reply.ok() ? "" : reply.error().message);
    if (!reply) co_return;
    EXPECT_EQ(reply->status, Status::ok);
    EXPECT_EQ(reply->limit, (relay::Limit{120, 131072}));
    if (!reply->stream) co_return;
    const std::string message(50'000, 'x');
    auto [ec, n] = co_await asio::async_write(*reply->stream, asio::buffer(message), kUseTuple);
    EXPECT_FALSE(ec);
    reply->stream->close_write();
    auto echoed = co_await read_all(reply->stream);
    EXPECT_EQ(echoed.data, message);
    EXPECT_EQ(echoed.end, asio::error::eof);
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().circuits() == 0; }));
  });
  ASSERT_EQ(circuit_sources_.size(), 1U);
  EXPECT_EQ(circuit_sources_[0], source->peer_id());
  EXPECT_EQ(stop_limits_[0], (relay::Limit{120, 131072}));
  EXPECT_EQ(service_->counters().relayed_connections, 1U);
  EXPECT_EQ(service_->counters().circuits_active, 0U);
  EXPECT_EQ(service_->counters().bytes_relayed, 100'000U);
}

TEST_F(RelayServiceTest, UnlimitedRelayOmitsLimitEverywhere) {
  policy_.circuit = relay::CircuitLimits{0s, 0};
  start_relay();
  auto target = new_client();
  auto source = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto target_connection = co_await dial(*target);
    if (!target_connection) co_return;
    auto reserved = co_await relay_client::reserve(*target, target_connection);
    EXPECT_TRUE(reserved.ok());
    if (!reserved) co_return;
    EXPECT_FALSE(reserved->limit.has_value());
    auto source_connection = co_await dial(*source);
    if (!source_connection) co_return;
    auto reply = co_await relay_client::connect(*source, source_connection, target->peer_id());
    EXPECT_TRUE(reply.ok());
    if (!reply || !reply->stream) co_return;
    EXPECT_FALSE(reply->limit.has_value());
    // More than the default 128 KiB passes.
    const std::string message(300'000, 'y');
    auto [ec, n] = co_await asio::async_write(*reply->stream, asio::buffer(message), kUseTuple);
    EXPECT_FALSE(ec);
    reply->stream->close_write();
    auto echoed = co_await read_all(reply->stream);
    EXPECT_EQ(echoed.data.size(), message.size());
    EXPECT_EQ(echoed.end, asio::error::eof);
  });
  ASSERT_EQ(stop_limits_.size(), 1U);
  EXPECT_FALSE(stop_limits_[0].has_value());
}

TEST_F(RelayServiceTest, RefusalStatuses) {
  policy_.max_reservations = 2;
  start_relay();
  auto a = new_client();
  auto b = new_client();
  auto c = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto ca = co_await dial(*a);
    auto cb = co_await dial(*b);
    auto cc = co_await dial(*c);
    if (!ca || !cb || !cc) co_return;
    // CONNECT to a peer without a reservation.
    auto no_reservation = co_await relay_client::connect(*a, ca, b->peer_id());
    EXPECT_TRUE(no_reservation.ok());
    if (no_reservation) {
      EXPECT_EQ(no_reservation->status, Status::no_reservation);
    }
    // CONNECT to self, and to the relay.
    auto reserved = co_await relay_client::reserve(*a, ca);
    EXPECT_TRUE(reserved.ok() && reserved->status == Status::ok);
    auto self = co_await relay_client::connect(*a, ca, a->peer_id());
    EXPECT_TRUE(self.ok());
    if (self) {
      EXPECT_EQ(self->status, Status::permission_denied);
    }
    auto to_relay = co_await relay_client::connect(*a, ca, relay_host_->peer_id());
    EXPECT_TRUE(to_relay.ok());
    if (to_relay) {
      EXPECT_EQ(to_relay->status, Status::permission_denied);
    }
    // A reservation flood beyond the cap of 2.
    auto second = co_await relay_client::reserve(*b, cb);
    EXPECT_TRUE(second.ok() && second->status == Status::ok);
    auto third = co_await relay_client::reserve(*c, cc);
    EXPECT_TRUE(third.ok());
    if (third) {
      EXPECT_EQ(third->status, Status::resource_limit_exceeded);
      EXPECT_FALSE(third->reservation.has_value());
    }
  });
  EXPECT_EQ(service_->resources().reservations(), 2U);
  EXPECT_EQ(service_->counters().reservations_refused, 1U);
  EXPECT_EQ(service_->counters().circuits_refused, 3U);
}

TEST_F(RelayServiceTest, BadHopInputGetsAStatusAndCostsOnlyItsStream) {
  start_relay();
  auto client = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await dial(*client);
    if (!connection) co_return;
    auto expect_status = [](const Result<relay::HopMessage>& answer, Status expected) {
      EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.error().message);
      if (answer) {
        EXPECT_EQ(answer->type, relay::HopType::status);
        EXPECT_EQ(answer->status, expected);
      }
    };
    // Each input is built outside the co_await expression (GCC 12 fails on an initializer
    // list's backing array inside one).
    const Bytes not_protobuf = protocol::encode_frame(Bytes{0xff, 0xff});
    const Bytes no_type = protocol::encode_frame(Bytes{});
    const Bytes connect_without_peer = protocol::encode_frame(Bytes{0x08, 0x01});
    Bytes oversize;
    multiformats::append_uvarint(oversize, 5000);
    oversize.resize(oversize.size() + 100, 0);
    const Bytes status = protocol::encode_frame(relay::encode(relay::hop_status(Status::ok)));
    expect_status(co_await raw_hop(*client, connection, not_protobuf), Status::malformed_message);
    expect_status(co_await raw_hop(*client, connection, no_type), Status::malformed_message);
    expect_status(co_await raw_hop(*client, connection, connect_without_peer),
                  Status::malformed_message);
    expect_status(co_await raw_hop(*client, connection, oversize), Status::malformed_message);
    expect_status(co_await raw_hop(*client, connection, status), Status::unexpected_message);
    // The connection still serves a good request.
    auto reply = co_await relay_client::reserve(*client, connection);
    EXPECT_TRUE(reply.ok() && reply->status == Status::ok);
    EXPECT_TRUE(connection->is_open());
  });
  EXPECT_EQ(service_->counters().bad_requests, 5U);
}

TEST_F(RelayServiceTest, SilentHopStreamIsResetAtTheDeadline) {
  start_relay();  // request_timeout 2 s
  auto client = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await dial(*client);
    if (!connection) co_return;
    auto stream = co_await client->new_stream(connection, std::string(relay::kHopProtocolId));
    EXPECT_TRUE(stream.ok());
    if (!stream) co_return;
    auto rest = co_await read_all(*stream);  // we never send a request
    EXPECT_TRUE(rest.data.empty());
    EXPECT_NE(rest.end, asio::error::eof);
    EXPECT_TRUE(connection->is_open());
  });
  EXPECT_EQ(service_->resources().reservations(), 0U);
}

TEST_F(RelayServiceTest, ReservationGoesWithItsConnection) {
  start_relay();
  auto target = new_client();
  auto source = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto target_connection = co_await dial_and_reserve(*target);
    if (!target_connection) co_return;
    EXPECT_EQ(service_->resources().reservations(), 1U);
    target_connection->close(0, "bye");
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().reservations() == 0; }));
    auto source_connection = co_await dial(*source);
    if (!source_connection) co_return;
    auto reply = co_await relay_client::connect(*source, source_connection, target->peer_id());
    EXPECT_TRUE(reply.ok());
    if (reply) {
      EXPECT_EQ(reply->status, Status::no_reservation);
    }
  });
}

TEST_F(RelayServiceTest, ReservationLastsUntilThePeersLastConnection) {
  start_relay();
  auto target = new_client();
  auto source = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto first = co_await dial_and_reserve(*target);
    auto second = co_await dial(*target);  // a second connection of the same peer
    if (!first || !second) co_return;
    EXPECT_NE(first, second);
    EXPECT_TRUE(co_await eventually([&] {
      const PeerRecord* record = relay_host_->peers().find(target->peer_id());
      return record && record->connections.size() == 2;
    }));
    first->close(0, "bye");
    EXPECT_TRUE(co_await eventually([&] {
      const PeerRecord* record = relay_host_->peers().find(target->peer_id());
      return record && record->connections.size() == 1;
    }));
    EXPECT_EQ(service_->resources().reservations(), 1U);
    // Circuits now reach the target over its remaining connection.
    auto source_connection = co_await dial(*source);
    if (!source_connection) co_return;
    auto reply = co_await relay_client::connect(*source, source_connection, target->peer_id());
    EXPECT_TRUE(reply.ok() && reply->stream);
    if (!reply || !reply->stream) co_return;
    const std::string message = "through the second connection";
    co_await asio::async_write(*reply->stream, asio::buffer(message), kUseTuple);
    reply->stream->close_write();
    auto echoed = co_await read_all(reply->stream);
    EXPECT_EQ(echoed.data, message);
    second->close(0, "bye");
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().reservations() == 0; }));
  });
}

TEST_F(RelayServiceTest, TargetThatRefusesStopIsConnectionFailed) {
  start_relay();
  // A target whose stop handler answers PERMISSION_DENIED instead of OK.
  auto target = new_bare_client();
  ASSERT_TRUE(target);
  target->set_handler(std::string(relay::kStopProtocolId),
                      [](StreamPtr stream, ConnectionPtr) -> asio::awaitable<void> {
                        auto frame = co_await relay::read_message(*stream);
                        auto sent = co_await relay::write_message(
                            *stream, relay::encode(relay::stop_status(Status::permission_denied)));
                        (void)frame;
                        (void)sent;
                        stream->close_write();
                      });
  auto source = new_client();
  run(io_, [&]() -> asio::awaitable<void> { co_await expect_connect_fails(*target, *source); });
  EXPECT_EQ(service_->resources().circuits(), 0U);
  EXPECT_EQ(service_->counters().circuits_failed, 1U);
  EXPECT_EQ(service_->counters().relayed_connections, 0U);
}

TEST_F(RelayServiceTest, TargetWithoutStopProtocolIsConnectionFailed) {
  start_relay();
  auto target = new_bare_client();
  ASSERT_TRUE(target);
  auto source = new_client();
  run(io_, [&]() -> asio::awaitable<void> { co_await expect_connect_fails(*target, *source); });
  EXPECT_EQ(service_->resources().circuits(), 0U);
}

TEST_F(RelayServiceTest, TargetThatNeverAnswersStopIsConnectionFailedAfterTheDeadline) {
  start_relay();  // request_timeout 2 s
  auto target = new_bare_client();
  ASSERT_TRUE(target);
  // Reads the CONNECT, then waits for more that never comes: only the relay's deadline ends it.
  target->set_handler(
      std::string(relay::kStopProtocolId),
      [](StreamPtr stream, ConnectionPtr) -> asio::awaitable<void> { co_await read_all(stream); });
  auto source = new_client();
  run(io_, [&]() -> asio::awaitable<void> { co_await expect_connect_fails(*target, *source); });
  EXPECT_EQ(service_->resources().circuits(), 0U);
  EXPECT_EQ(service_->counters().circuits_failed, 1U);
}

TEST_F(RelayServiceTest, TargetWithoutStreamCreditIsConnectionFailedAfterTheDeadline) {
  start_relay();  // request_timeout 2 s
  // The target lets the relay open one stream at a time; the first circuit holds it.
  HostConfig stingy;
  stingy.transport.max_streams_bidi = 1;
  auto target = new_bare_client(stingy);
  ASSERT_TRUE(target);
  relay_client::install_stop_handler(
      *target,
      [](StreamPtr stream, crypto::PeerId, std::optional<relay::Limit>) -> asio::awaitable<void> {
        co_await echo_stream(std::move(stream));
      });
  auto source = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto target_connection = co_await dial_and_reserve(*target);
    auto source_connection = co_await dial(*source);
    if (!target_connection || !source_connection) co_return;
    auto first = co_await relay_client::connect(*source, source_connection, target->peer_id());
    EXPECT_TRUE(first.ok() && first->stream);
    auto second = co_await relay_client::connect(*source, source_connection, target->peer_id());
    EXPECT_TRUE(second.ok());
    if (second) {
      EXPECT_EQ(second->status, Status::connection_failed);
    }
    EXPECT_EQ(service_->resources().circuits(), 1U);  // the second slot was given back
  });
  EXPECT_EQ(service_->counters().circuits_failed, 1U);
}

TEST_F(RelayServiceTest, TargetVanishingMidCircuitResetsTheSourceAndFreesTheSlot) {
  start_relay();
  ConnectionPtr target_connection;
  bool target_in_circuit = false;
  auto target = new_client(
      [&](StreamPtr stream, crypto::PeerId, std::optional<relay::Limit>) -> asio::awaitable<void> {
        target_in_circuit = true;
        co_await echo_stream(std::move(stream));
      });
  auto source = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    target_connection = co_await dial_and_reserve(*target);
    auto source_connection = co_await dial(*source);
    if (!target_connection || !source_connection) co_return;
    auto reply = co_await relay_client::connect(*source, source_connection, target->peer_id());
    EXPECT_TRUE(reply.ok() && reply->stream);
    if (!reply || !reply->stream) co_return;
    EXPECT_TRUE(co_await eventually([&] { return target_in_circuit; }));
    target_connection->close(0, "vanish");
    auto rest = co_await read_all(reply->stream);
    EXPECT_NE(rest.end, asio::error::eof);  // a reset, not a clean end
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().circuits() == 0; }));
    EXPECT_TRUE(source_connection->is_open());
  });
  EXPECT_EQ(service_->counters().circuits_active, 0U);
  EXPECT_EQ(service_->resources().reservations(), 0U);
}

TEST_F(RelayServiceTest, SourceResetReachesTheTarget) {
  start_relay();
  bool target_saw_reset = false;
  bool target_in_circuit = false;
  auto target = new_client(
      [&](StreamPtr stream, crypto::PeerId, std::optional<relay::Limit>) -> asio::awaitable<void> {
        target_in_circuit = true;
        auto rest = co_await read_all(stream);
        target_saw_reset = rest.end != asio::error::eof;
      });
  auto source = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto circuit = co_await open_circuit(*target, *source);
    auto& reply = circuit.reply;
    if (!reply.stream) co_return;
    EXPECT_TRUE(co_await eventually([&] { return target_in_circuit; }));
    reply.stream->reset();
    EXPECT_TRUE(co_await eventually([&] { return target_saw_reset; }));
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().circuits() == 0; }));
    EXPECT_TRUE(circuit.target_connection->is_open());
  });
  EXPECT_TRUE(target_saw_reset);
}

// Our stop side (relay_client::install_stop_handler) against bad input from a "relay".
TEST_F(RelayServiceTest, BadStopInputGetsAStatus) {
  start_relay();
  auto client = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto connection = co_await dial(*client);
    if (!connection) co_return;
    // The relay host plays a broken relay: it opens stop on its connection to the client.
    // The relay's side of the connection may be registered a moment after our dial returns.
    EXPECT_TRUE(co_await eventually(
        [&] { return relay_host_->connection_to(client->peer_id()) != nullptr; }));
    auto to_client = relay_host_->connection_to(client->peer_id());
    if (!to_client) co_return;
    auto stop_answer = [&](Bytes frame) -> asio::awaitable<std::optional<relay::Status>> {
      auto stream =
          co_await relay_host_->new_stream(to_client, std::string(relay::kStopProtocolId));
      if (!stream) co_return std::nullopt;
      co_await asio::async_write(**stream, asio::buffer(frame), kUseTuple);
      auto answer = co_await relay::read_message(**stream);
      if (!answer || !answer->has_value()) co_return std::nullopt;
      auto decoded = relay::decode_stop(**answer);
      if (!decoded) co_return std::nullopt;
      co_return decoded->status;
    };
    const Bytes garbage = protocol::encode_frame(Bytes{0xff, 0xff});
    const Bytes connect_without_peer = protocol::encode_frame(Bytes{0x08, 0x00});
    const Bytes status = protocol::encode_frame(relay::encode(relay::stop_status(Status::ok)));
    EXPECT_EQ(co_await stop_answer(garbage), Status::malformed_message);
    EXPECT_EQ(co_await stop_answer(connect_without_peer), Status::malformed_message);
    EXPECT_EQ(co_await stop_answer(status), Status::malformed_message);  // no peer either
    relay::StopMessage status_with_peer = relay::stop_status(Status::ok);
    status_with_peer.peer = relay::PeerInfo{relay_host_->peer_id(), {}};
    const Bytes unexpected = protocol::encode_frame(relay::encode(status_with_peer));
    EXPECT_EQ(co_await stop_answer(unexpected), Status::unexpected_message);
  });
  EXPECT_TRUE(circuit_sources_.empty());
}

TEST_F(RelayServiceTest, DataLimitResetsTheCircuit) {
  policy_.circuit = relay::CircuitLimits{0s, 1000};
  start_relay();
  auto target = new_client();
  auto source = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto circuit = co_await open_circuit(*target, *source);
    auto& reply = circuit.reply;
    if (!reply.stream) co_return;
    EXPECT_EQ(reply.limit, (relay::Limit{std::nullopt, 1000}));
    const std::string message(5000, 'z');
    // The write may fail once the relay resets; what matters is how the read ends.
    co_await asio::async_write(*reply.stream, asio::buffer(message), kUseTuple);
    auto echoed = co_await read_all(reply.stream);
    EXPECT_NE(echoed.end, asio::error::eof);
    EXPECT_LE(echoed.data.size(), 1000U);
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().circuits() == 0; }));
  });
  EXPECT_EQ(service_->counters().circuits_limited, 1U);
  EXPECT_LE(service_->counters().bytes_relayed, 1000U);
}

TEST_F(RelayServiceTest, DurationLimitResetsTheCircuit) {
  policy_.circuit = relay::CircuitLimits{1s, 0};
  start_relay();
  auto target = new_client();
  auto source = new_client();
  run(io_, [&]() -> asio::awaitable<void> {
    auto circuit = co_await open_circuit(*target, *source);
    auto& reply = circuit.reply;
    if (!reply.stream) co_return;
    EXPECT_EQ(reply.limit, (relay::Limit{1, std::nullopt}));
    // Idle circuit: only the duration limit can end it.
    auto rest = co_await read_all(reply.stream);
    EXPECT_NE(rest.end, asio::error::eof);
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().circuits() == 0; }));
  });
  EXPECT_EQ(service_->counters().circuits_limited, 1U);
}

}  // namespace
}  // namespace privstack::node
