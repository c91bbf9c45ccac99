// Circuit relay v2 under floods, over real QUIC on loopback (issue 8, resource exhaustion):
// reservation floods against the total, per-peer and per-IP caps; CONNECT floods against the
// circuit caps; slow readers on circuits (a side that writes as fast as it can into a side that
// never reads), and the byte and duration limits cutting a stalled circuit.
//
// 127.0.0.2, 127.0.0.3, ... are distinct IPs on the loopback interface: a client host listening
// on one of them dials from it, so the relay counts it against that IP. One peer id on several
// IPs is several hosts sharing a keypair.
//
// Assertions are on statuses, counts and byte bounds; every wait is bounded and fails on a hang.
// Durations and sizes printed with "[ measure  ]" are for the report, never asserted.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>

#include "node/address.h"
#include "node/relay/relay_client.h"
#include "node/relay/relay_service.h"
#include "support/async_test.h"
#include "support/loopback_hosts.h"
#include "support/process_memory.h"
#include "support/relay_circuit.h"
#include "support/stream_io.h"

namespace privstack::node {
namespace {

namespace mf = multiformats;
namespace relay = protocol::relay;
using boost::asio::ip::udp;
using protocol::kUseTuple;
using relay::Status;
using namespace std::chrono_literals;
using test::echo_stream;
using test::eventually;
using test::read_all;
using test::rss_kib;
using test::run;

// Sends `size` bytes through an echoing circuit and reads them back; true when all came back.
asio::awaitable<bool> echo_round_trip(StreamPtr circuit, std::size_t size, char fill) {
  const std::string message(size, fill);
  // The executor and the writer are named locals: a lambda temporary in the same expression as a
  // co_await is destroyed twice by GCC 12.
  auto executor = co_await asio::this_coro::executor;
  auto writer = [circuit, message]() -> asio::awaitable<void> {
    co_await asio::async_write(*circuit, asio::buffer(message), kUseTuple);
    circuit->close_write();
  };
  asio::co_spawn(executor, std::move(writer), asio::detached);
  auto echoed = co_await read_all(circuit);
  co_return echoed.data == message&& echoed.end == asio::error::eof;
}

// Writes as fast as the stream accepts until it fails or `stop` is set; `written` counts what the
// stream took (into its bounded send buffer and beyond). Stops by itself at `cap` bytes, which
// only an unbounded relay would let it reach.
struct Firehose {
  std::uint64_t written = 0;
  bool stop = false;
  bool ended = false;
  boost::system::error_code error;
};

asio::awaitable<void> firehose(StreamPtr stream, std::shared_ptr<Firehose> state,
                               std::uint64_t cap) {
  const std::string chunk(16 * 1024, 'f');
  while (!state->stop && state->written < cap) {
    auto [ec, n] = co_await asio::async_write(*stream, asio::buffer(chunk), kUseTuple);
    state->written += n;
    if (ec) {
      state->error = ec;
      break;
    }
  }
  state->ended = true;
}

// Waits until `state->written` stopped growing for `quiet_rounds` polls in a row (the writer is
// blocked by flow control), or the writer ended; bounded by `limit`.
asio::awaitable<bool> stalled(std::shared_ptr<Firehose> state, int quiet_rounds,
                              std::chrono::milliseconds limit = 60s) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  std::uint64_t last = state->written;
  int quiet = 0;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline && !state->ended) {
    timer.expires_after(100ms);
    co_await timer.async_wait(kUseTuple);
    if (state->written == last && state->written > 0) {
      if (++quiet >= quiet_rounds) co_return true;
    } else {
      quiet = 0;
      last = state->written;
    }
  }
  co_return false;
}

class RelayFloodTest : public ::testing::Test {
 protected:
  void start_relay(transport::EndpointConfig transport = {}) {
    relay_host_ = test::loopback_host(io_, "127.0.0.1", transport);
    ASSERT_TRUE(relay_host_);
    RelayConfig relay_config;
    relay_config.policy = policy_;
    relay_config.request_timeout = 5s;
    relay_config.pipe_buffer = pipe_buffer_;
    service_ = RelayService::install(relay_host_, relay_config);
  }

  // A client host dialing from `ip`; echoes circuits unless `on_circuit` says otherwise.
  std::shared_ptr<Host> new_client(const char* ip,
                                   std::optional<crypto::Ed25519Keypair> keypair = std::nullopt,
                                   relay_client::CircuitHandler on_circuit = nullptr,
                                   transport::EndpointConfig transport = {}) {
    auto host = test::loopback_host(io_, ip, transport, std::move(keypair));
    if (!host) return nullptr;
    if (!on_circuit) {
      on_circuit = [](StreamPtr stream, crypto::PeerId,
                      std::optional<relay::Limit>) -> asio::awaitable<void> {
        co_await echo_stream(std::move(stream));
      };
    }
    relay_client::install_stop_handler(*host, std::move(on_circuit));
    clients_.push_back(host);
    return host;
  }

  // A stop handler that keeps its circuit and never reads it (until release_ is set, or a
  // writer takes it with `take`).
  relay_client::CircuitHandler holding_handler() {
    return [this](StreamPtr stream, crypto::PeerId,
                  std::optional<relay::Limit>) -> asio::awaitable<void> {
      held_.push_back(stream);
      co_await eventually([this] { return release_; }, 120s, 50ms);
    };
  }

  void TearDown() override {
    release_ = true;
    for (auto& stream : held_)
      stream->reset();
    for (auto& client : clients_)
      client->close();
    if (relay_host_) relay_host_->close();
    io_.restart();
    io_.run_for(200ms);
  }

  asio::awaitable<ConnectionPtr> dial(Host& client) { return test::dial_ok(client, *relay_host_); }

  // RESERVE's status, or nullopt (test failed) when there was no answer.
  asio::awaitable<std::optional<Status>> reserve_status(Host& client, ConnectionPtr connection) {
    auto reply = co_await relay_client::reserve(client, connection);
    EXPECT_TRUE(reply.ok()) << (reply.ok() ? "" : reply.error().message);
    if (!reply) co_return std::nullopt;
    if (reply->status == Status::ok) {
      EXPECT_TRUE(reply->reservation.has_value());
    } else {
      EXPECT_FALSE(reply->reservation.has_value());
    }
    co_return reply->status;
  }

  asio::awaitable<ConnectionPtr> dial_and_reserve(Host& client) {
    auto connection = co_await dial(client);
    if (!connection) co_return nullptr;
    auto status = co_await reserve_status(client, connection);
    EXPECT_EQ(status, Status::ok);
    co_return connection;
  }

  // `target` reserves and `source` opens a circuit to it (support/relay_circuit.h).
  asio::awaitable<test::Circuit> open_circuit(Host& target, Host& source) {
    auto target_connection = co_await dial_and_reserve(target);
    auto source_connection = co_await dial(source);
    co_return co_await test::connect_circuit(source, target, target_connection, source_connection);
  }

  asio::io_context io_;
  relay::RelayPolicy policy_;
  std::size_t pipe_buffer_ = std::size_t{64} * 1024;
  std::shared_ptr<Host> relay_host_;
  std::shared_ptr<RelayService> service_;
  std::vector<std::shared_ptr<Host>> clients_;
  std::vector<StreamPtr> held_;
  bool release_ = false;
};

// ---- Reservations -------------------------------------------------------------------------------

TEST_F(RelayFloodTest, ReservationFloodIsHeldAtEveryCapAndAcceptedOnesStayUsable) {
  policy_.max_reservations = 6;
  policy_.max_reservations_per_peer = 2;
  policy_.max_reservations_per_ip = 3;
  policy_.max_circuits_per_peer = 0;  // one source checks every reservation below
  policy_.max_circuits_per_ip = 0;
  start_relay();
  run(io_, [&]() -> asio::awaitable<void> {
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::pair<std::shared_ptr<Host>, ConnectionPtr>> accepted;
    std::vector<std::pair<std::shared_ptr<Host>, ConnectionPtr>> refused;
    auto attempt = [&](std::shared_ptr<Host> client) -> asio::awaitable<std::optional<Status>> {
      auto connection = co_await dial(*client);
      if (!connection) co_return std::nullopt;
      auto status = co_await reserve_status(*client, connection);
      (status == Status::ok ? accepted : refused).emplace_back(client, connection);
      co_return status;
    };
    // Per IP: five peers from 127.0.0.2, three fit.
    for (int i = 0; i < 5; ++i) {
      // Named locals, not temporaries, in co_await expressions (GCC 12 may destroy those twice).
      auto client = new_client("127.0.0.2");
      auto status = co_await attempt(client);
      EXPECT_EQ(status, i < 3 ? Status::ok : Status::resource_limit_exceeded) << "peer " << i;
    }
    // Per peer: one peer id from three more IPs, two fit.
    const auto shared_key = crypto::Ed25519Keypair::generate();
    const std::array<const char*, 3> ips = {"127.0.0.3", "127.0.0.4", "127.0.0.5"};
    for (std::size_t i = 0; i < ips.size(); ++i) {
      auto client = new_client(ips[i], shared_key);
      auto status = co_await attempt(client);
      EXPECT_EQ(status, i < 2 ? Status::ok : Status::resource_limit_exceeded) << ips[i];
    }
    // In total: six; the sixth fits, the seventh does not.
    auto sixth = new_client("127.0.0.6");
    EXPECT_EQ(co_await attempt(sixth), Status::ok);
    auto late = new_client("127.0.0.7");
    EXPECT_EQ(co_await attempt(late), Status::resource_limit_exceeded);
    const double flood_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    EXPECT_EQ(service_->resources().reservations(), 6U);
    EXPECT_EQ(accepted.size(), 6U);
    EXPECT_EQ(refused.size(), 4U);

    // Every accepted reservation still takes circuits; refused peers are not reachable.
    auto source = new_client("127.0.0.8");
    auto source_connection = co_await dial(*source);
    if (!source_connection) co_return;
    int circuits_ok = 0;
    // (The shared peer id holds two reservations; the relay reaches it over its latest.)
    for (auto& [client, connection] : accepted) {
      auto reply = co_await relay_client::connect(*source, source_connection, client->peer_id());
      EXPECT_TRUE(reply.ok() && reply->status == Status::ok);
      if (!reply || !reply->stream) continue;
      if (co_await echo_round_trip(reply->stream, 1000, 'r')) ++circuits_ok;
    }
    EXPECT_EQ(circuits_ok, 6);
    for (auto& [client, connection] : refused) {
      if (client->peer_id() == shared_key.peer_id()) continue;  // reserved from another IP
      auto reply = co_await relay_client::connect(*source, source_connection, client->peer_id());
      EXPECT_TRUE(reply.ok());
      if (reply) {
        EXPECT_EQ(reply->status, Status::no_reservation);
      }
    }
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().circuits() == 0; }));

    // A slot freed by a disconnect is taken by the peer that was refused.
    accepted.front().second->close(0, "bye");
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().reservations() == 5; }));
    auto late_connection = refused.back().second;
    EXPECT_EQ(refused.back().first, late);
    EXPECT_EQ(co_await reserve_status(*late, late_connection), Status::ok);
    EXPECT_EQ(service_->resources().reservations(), 6U);
    auto to_late = co_await relay_client::connect(*source, source_connection, late->peer_id());
    EXPECT_TRUE(to_late.ok() && to_late->status == Status::ok && to_late->stream);
    if (to_late && to_late->stream) {
      EXPECT_TRUE(co_await echo_round_trip(to_late->stream, 1000, 'l'));
    }
    std::printf(
        "[ measure  ] reservation flood (caps total 6, per peer 2, per IP 3): 10 requests in "
        "%.2f s, %zu accepted, %zu refused RESOURCE_LIMIT_EXCEEDED, %d/6 reservations carried a "
        "circuit, freed slot reused\n",
        flood_seconds, accepted.size(), refused.size(), circuits_ok);
  });
  EXPECT_EQ(service_->counters().reservations_refused, 4U);
  EXPECT_EQ(service_->counters().reservations_refused_by_reason.at("RESOURCE_LIMIT_EXCEEDED"), 4U);
}

// ---- Circuits -----------------------------------------------------------------------------------

TEST_F(RelayFloodTest, CircuitFloodIsHeldAtEveryCapAndEstablishedCircuitsKeepFlowing) {
  policy_.max_circuits = 5;
  policy_.max_circuits_per_peer = 2;
  policy_.max_circuits_per_ip = 3;
  start_relay();
  auto target = new_client("127.0.0.1");
  run(io_, [&]() -> asio::awaitable<void> {
    auto target_connection = co_await dial_and_reserve(*target);
    if (!target_connection) co_return;
    std::vector<StreamPtr> circuits;
    int refused = 0;
    double slowest_refusal = 0;
    auto attempt = [&](Host& source, const ConnectionPtr& connection) -> asio::awaitable<Status> {
      const auto asked = std::chrono::steady_clock::now();
      auto reply = co_await relay_client::connect(source, connection, target->peer_id());
      EXPECT_TRUE(reply.ok()) << (reply.ok() ? "" : reply.error().message);
      if (!reply) co_return Status::connection_failed;
      if (reply->status == Status::ok && reply->stream) {
        circuits.push_back(reply->stream);
      } else {
        ++refused;
        slowest_refusal = std::max(
            slowest_refusal,
            std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count());
      }
      co_return reply->status;
    };
    auto a = new_client("127.0.0.2");
    auto b = new_client("127.0.0.2");
    auto c = new_client("127.0.0.3");
    auto d = new_client("127.0.0.4");
    auto ca = co_await dial(*a);
    auto cb = co_await dial(*b);
    auto cc = co_await dial(*c);
    auto cd = co_await dial(*d);
    if (!ca || !cb || !cc || !cd) co_return;
    // Per peer (2): a's third is refused.
    EXPECT_EQ(co_await attempt(*a, ca), Status::ok);
    EXPECT_EQ(co_await attempt(*a, ca), Status::ok);
    EXPECT_EQ(co_await attempt(*a, ca), Status::resource_limit_exceeded);
    // Per IP (3): b shares 127.0.0.2 with a; its second is refused.
    EXPECT_EQ(co_await attempt(*b, cb), Status::ok);
    EXPECT_EQ(co_await attempt(*b, cb), Status::resource_limit_exceeded);
    // Total (5): c takes the last two slots, d finds none.
    EXPECT_EQ(co_await attempt(*c, cc), Status::ok);
    EXPECT_EQ(co_await attempt(*c, cc), Status::ok);
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(co_await attempt(*d, cd), Status::resource_limit_exceeded);
    }
    EXPECT_EQ(service_->resources().circuits(), 5U);
    EXPECT_EQ(circuits.size(), 5U);
    EXPECT_EQ(refused, 7);

    // The five established circuits all carry bytes, at the same time.
    int flowing = 0;
    int finished = 0;
    for (std::size_t i = 0; i < circuits.size(); ++i) {
      asio::co_spawn(
          io_,
          [&, circuit = circuits[i], fill = static_cast<char>('a' + i)]() -> asio::awaitable<void> {
            if (co_await echo_round_trip(circuit, 64 * 1024, fill)) ++flowing;
            ++finished;
          },
          asio::detached);
    }
    EXPECT_TRUE(co_await eventually([&] { return finished == 5; }, 60s));
    EXPECT_EQ(flowing, 5);

    // Closed circuits give their slots back: d now gets one.
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().circuits() == 0; }));
    circuits.clear();
    EXPECT_EQ(co_await attempt(*d, cd), Status::ok);
    if (!circuits.empty()) {
      EXPECT_TRUE(co_await echo_round_trip(circuits.back(), 1000, 'd'));
    }
    std::printf(
        "[ measure  ] circuit flood (caps total 5, per peer 2, per IP 3): 12 CONNECTs, %d/5 "
        "established circuits echoed 64 KiB concurrently, %d refused RESOURCE_LIMIT_EXCEEDED, "
        "slowest refusal %.3f s\n",
        flowing, refused, slowest_refusal);
  });
  EXPECT_EQ(service_->counters().circuits_refused, 7U);
  EXPECT_EQ(service_->counters().circuits_refused_by_reason.at("RESOURCE_LIMIT_EXCEEDED"), 7U);
  EXPECT_EQ(service_->counters().relayed_connections, 6U);
}

// ---- Slow readers -------------------------------------------------------------------------------

// Small windows on every side, so "bounded" is a number the test can check: what a writer gets
// accepted while its reader never reads is at most the sum of the buffers on the path.
transport::EndpointConfig small_windows() {
  transport::EndpointConfig config;
  config.stream_receive_window = 256 * 1024;
  config.connection_receive_window = 512 * 1024;
  config.stream_send_buffer = 128 * 1024;
  return config;
}

class SlowReaderTest : public RelayFloodTest, public ::testing::WithParamInterface<bool> {
 protected:
  // The most a writer can have accepted while nothing is read at the far end: its own send
  // buffer, the relay's receive window, the pipe buffer, the relay's send buffer, and the
  // reader's receive window.
  std::uint64_t path_bound() const {
    const auto w = small_windows();
    return w.stream_send_buffer + w.stream_receive_window + pipe_buffer_ + w.stream_send_buffer +
           w.stream_receive_window;
  }
};

// GetParam(): true = the source writes and the target never reads; false = the reverse.
TEST_P(SlowReaderTest, BufferedBytesStayBoundedAndOtherCircuitsFlow) {
  const bool source_writes = GetParam();
  policy_.circuit = relay::CircuitLimits{0s, 0};  // only flow control can stop the writer
  start_relay(small_windows());
  // The stalled circuit: a target that holds its stream without reading, or writes into it.
  auto writer_state = std::make_shared<Firehose>();
  constexpr std::uint64_t kCap = std::uint64_t{64} * 1024 * 1024;
  auto stalled_target = new_client(
      "127.0.0.2", std::nullopt,
      source_writes
          ? holding_handler()
          : relay_client::CircuitHandler(
                [this, writer_state](StreamPtr stream, crypto::PeerId,
                                     std::optional<relay::Limit>) -> asio::awaitable<void> {
                  held_.push_back(stream);
                  co_await firehose(stream, writer_state, kCap);
                }),
      small_windows());
  auto stalled_source = new_client("127.0.0.3", std::nullopt, nullptr, small_windows());
  // A second, healthy circuit over other connections of the same relay.
  auto other_target = new_client("127.0.0.4");
  auto other_source = new_client("127.0.0.5");
  run(io_, [&]() -> asio::awaitable<void> {
    auto tc = co_await dial_and_reserve(*stalled_target);
    auto sc = co_await dial(*stalled_source);
    auto otc = co_await dial_and_reserve(*other_target);
    auto osc = co_await dial(*other_source);
    if (!tc || !sc || !otc || !osc) co_return;
    const long rss_before = rss_kib();
    auto reply = co_await relay_client::connect(*stalled_source, sc, stalled_target->peer_id());
    EXPECT_TRUE(reply.ok() && reply->status == Status::ok && reply->stream);
    if (!reply || !reply->stream) co_return;
    StreamPtr source_stream = reply->stream;
    held_.push_back(source_stream);
    if (source_writes) {
      asio::co_spawn(io_, firehose(source_stream, writer_state, kCap), asio::detached);
    }
    // Flow control must stop the writer well before the cap.
    EXPECT_TRUE(co_await stalled(writer_state, 10));
    EXPECT_FALSE(writer_state->ended) << writer_state->error.message();
    const std::uint64_t in_flight = writer_state->written;
    EXPECT_GT(in_flight, 0U);
    EXPECT_LE(in_flight, path_bound());
    const long rss_stalled = rss_kib();

    // Meanwhile a second circuit on the same relay moves data.
    auto other = co_await relay_client::connect(*other_source, osc, other_target->peer_id());
    EXPECT_TRUE(other.ok() && other->status == Status::ok && other->stream);
    bool other_ok = false;
    if (other && other->stream) {
      other_ok = co_await echo_round_trip(other->stream, 2 * 1024 * 1024, 'o');
    }
    EXPECT_TRUE(other_ok);
    // ...and the stalled writer is still held within the bound.
    EXPECT_LE(writer_state->written, path_bound());
    EXPECT_EQ(service_->resources().circuits(), 1U);
    const long rss_after = rss_kib();

    // The reader giving up ends the stalled circuit and frees its slot. (The writer giving up
    // does too: see WriterResetWhileTheReaderIsStalledFreesTheCircuit.)
    writer_state->stop = true;
    for (auto& stream : held_) {
      // The target's end is the held stream that is not the source's.
      const bool is_reader = source_writes ? stream != source_stream : stream == source_stream;
      if (is_reader) stream->reset();
    }
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().circuits() == 0; }));
    std::printf(
        "[ measure  ] slow reader (%s writes, %s never reads): writer stalled at %llu bytes "
        "accepted (path bound %llu); second circuit echoed 2 MiB meanwhile: %s; RSS %ld -> %ld "
        "-> %ld KiB (whole test process)\n",
        source_writes ? "source" : "target", source_writes ? "target" : "source",
        static_cast<unsigned long long>(in_flight), static_cast<unsigned long long>(path_bound()),
        other_ok ? "yes" : "no", rss_before, rss_stalled, rss_after);
  });
}

INSTANTIATE_TEST_SUITE_P(BothDirections, SlowReaderTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "SourceWritesTargetNeverReads"
                                              : "TargetWritesSourceNeverReads";
                         });

// Issue 8 (found by this suite). The source writes into a target that never reads, then resets.
// The pipe's a->b direction is parked in a write to the target and never reads the source again;
// the b->a direction waits for the silent target. Only the pipe's watch on each stream's peer
// abort notices the source's RESET_STREAM; without it the circuit (slot, stream buffers) lived
// until the target read, reset or disconnected, or until the duration limit (never for unlimited
// or allow-listed circuits).
TEST_F(RelayFloodTest, WriterResetWhileTheReaderIsStalledFreesTheCircuit) {
  policy_.circuit = relay::CircuitLimits{0s, 0};
  start_relay(small_windows());
  auto target = new_client("127.0.0.2", std::nullopt, holding_handler(), small_windows());
  auto source = new_client("127.0.0.3", std::nullopt, nullptr, small_windows());
  run(io_, [&]() -> asio::awaitable<void> {
    auto circuit = co_await open_circuit(*target, *source);
    if (!circuit.reply.stream) co_return;
    auto state = std::make_shared<Firehose>();
    asio::co_spawn(io_, firehose(circuit.reply.stream, state, std::uint64_t{64} * 1024 * 1024),
                   asio::detached);
    EXPECT_TRUE(co_await stalled(state, 5));
    state->stop = true;
    circuit.reply.stream->reset();
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().circuits() == 0; }));
  });
}

// The mirror image of the test above: the target writes into a source that never reads, then
// resets. Now the b->a direction is parked writing to the source and a->b waits on the source.
TEST_F(RelayFloodTest, TargetWriterResetWhileTheSourceIsStalledFreesTheCircuit) {
  policy_.circuit = relay::CircuitLimits{0s, 0};
  start_relay(small_windows());
  auto state = std::make_shared<Firehose>();
  auto target = new_client("127.0.0.2", std::nullopt,
                           relay_client::CircuitHandler(
                               [this, state](StreamPtr stream, crypto::PeerId,
                                             std::optional<relay::Limit>) -> asio::awaitable<void> {
                                 held_.push_back(stream);
                                 co_await firehose(stream, state, std::uint64_t{64} * 1024 * 1024);
                               }),
                           small_windows());
  auto source = new_client("127.0.0.3", std::nullopt, nullptr, small_windows());
  run(io_, [&]() -> asio::awaitable<void> {
    auto circuit = co_await open_circuit(*target, *source);
    if (!circuit.reply.stream) co_return;
    StreamPtr source_stream = circuit.reply.stream;  // held, never read
    EXPECT_TRUE(co_await stalled(state, 5));
    state->stop = true;
    for (auto& stream : held_)
      stream->reset();  // only the target's stream is in held_
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().circuits() == 0; }));
  });
  EXPECT_EQ(service_->counters().circuits_closed_by_reason.at("reset"), 1U);
}

// Connection loss instead of a reset: the writing side's whole connection goes away while the
// pipe is parked writing to the side that does not read. Nothing reads the lost side's stream,
// so again only the watch notices. `source_writes`: which side writes (and then disconnects).
class StalledWriterDisconnectTest : public RelayFloodTest,
                                    public ::testing::WithParamInterface<bool> {};

TEST_P(StalledWriterDisconnectTest, WriterConnectionLossWhileTheReaderIsStalledFreesTheCircuit) {
  const bool source_writes = GetParam();
  policy_.circuit = relay::CircuitLimits{0s, 0};
  start_relay(small_windows());
  auto state = std::make_shared<Firehose>();
  auto target = new_client(
      "127.0.0.2", std::nullopt,
      source_writes ? holding_handler()
                    : relay_client::CircuitHandler(
                          [this, state](StreamPtr stream, crypto::PeerId,
                                        std::optional<relay::Limit>) -> asio::awaitable<void> {
                            held_.push_back(stream);
                            co_await firehose(stream, state, std::uint64_t{64} * 1024 * 1024);
                          }),
      small_windows());
  auto source = new_client("127.0.0.3", std::nullopt, nullptr, small_windows());
  run(io_, [&]() -> asio::awaitable<void> {
    auto circuit = co_await open_circuit(*target, *source);
    if (!circuit.reply.stream) co_return;
    StreamPtr source_stream = circuit.reply.stream;
    if (source_writes) {
      asio::co_spawn(io_, firehose(source_stream, state, std::uint64_t{64} * 1024 * 1024),
                     asio::detached);
    }
    EXPECT_TRUE(co_await stalled(state, 5));
    state->stop = true;
    (source_writes ? circuit.source_connection : circuit.target_connection)->close(0, "gone");
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().circuits() == 0; }));
  });
  EXPECT_EQ(service_->counters().circuits_closed_by_reason.at("reset"), 1U);
}

INSTANTIATE_TEST_SUITE_P(BothDirections, StalledWriterDisconnectTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "SourceWritesAndDisconnects"
                                              : "TargetWritesAndDisconnects";
                         });

TEST_F(RelayFloodTest, StalledCircuitIsStillCutByItsByteLimit) {
  policy_.circuit = relay::CircuitLimits{0s, 100 * 1024};
  start_relay(small_windows());
  auto target = new_client("127.0.0.2", std::nullopt, holding_handler(), small_windows());
  auto source = new_client("127.0.0.3", std::nullopt, nullptr, small_windows());
  run(io_, [&]() -> asio::awaitable<void> {
    auto circuit = co_await open_circuit(*target, *source);
    if (!circuit.reply.stream) co_return;
    auto state = std::make_shared<Firehose>();
    asio::co_spawn(io_, firehose(circuit.reply.stream, state, std::uint64_t{64} * 1024 * 1024),
                   asio::detached);
    // The target never reads, yet the relay counts what it passed on and resets at the limit.
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().circuits() == 0; }, 30s));
    EXPECT_TRUE(co_await eventually([&] { return state->ended; }, 30s));
    EXPECT_TRUE(state->error) << "the writer should see the reset";
    std::printf(
        "[ measure  ] stalled circuit with a 100 KiB limit: reset after the writer got %llu bytes "
        "accepted\n",
        static_cast<unsigned long long>(state->written));
  });
  EXPECT_EQ(service_->counters().circuits_limited, 1U);
  EXPECT_EQ(service_->counters().circuits_closed_by_reason.at("data_limit"), 1U);
  EXPECT_LE(service_->counters().bytes_relayed, 100U * 1024);
}

TEST_F(RelayFloodTest, StalledCircuitIsStillCutByItsDurationLimit) {
  policy_.circuit = relay::CircuitLimits{1s, 0};
  start_relay(small_windows());
  auto target = new_client("127.0.0.2", std::nullopt, holding_handler(), small_windows());
  auto source = new_client("127.0.0.3", std::nullopt, nullptr, small_windows());
  run(io_, [&]() -> asio::awaitable<void> {
    auto circuit = co_await open_circuit(*target, *source);
    if (!circuit.reply.stream) co_return;
    auto state = std::make_shared<Firehose>();
    asio::co_spawn(io_, firehose(circuit.reply.stream, state, std::uint64_t{64} * 1024 * 1024),
                   asio::detached);
    // Blocked by flow control, the pipe is waiting on a write: the timer must still end it.
    EXPECT_TRUE(co_await stalled(state, 5));
    EXPECT_TRUE(co_await eventually([&] { return service_->resources().circuits() == 0; }, 30s));
    EXPECT_TRUE(co_await eventually([&] { return state->ended; }, 30s));
    EXPECT_TRUE(state->error) << "the writer should see the reset";
    EXPECT_LE(state->written, std::uint64_t{4} * 1024 * 1024);
  });
  EXPECT_EQ(service_->counters().circuits_limited, 1U);
  EXPECT_EQ(service_->counters().circuits_closed_by_reason.at("duration_limit"), 1U);
}

}  // namespace
}  // namespace privstack::node
