// Several relays in one process over real loopback QUIC, each a full DHT node (kad service +
// lookups + bootstrap + replication): B and C bootstrap through A; a peer connected only to B is
// found by a FIND_NODE walk started at C; a record PUT at A reaches C by replication, or by a
// GET_VALUE walk. Plus the request client against misbehaving servers. Waits are bounded and fail
// the test on a hang; nothing asserts how long anything took.
#include <algorithm>
#include <deque>

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>

#include "node/address.h"
#include "node/host.h"
#include "node/identify_service.h"
#include "node/kad/bootstrap.h"
#include "node/kad/kad_client.h"
#include "node/kad/kad_queries.h"
#include "node/kad/kad_service.h"
#include "node/kad/republisher.h"
#include "protocol/kad/message.h"
#include "protocol/length_prefixed.h"
#include "support/async_test.h"

namespace privstack::node {
namespace {

namespace mf = multiformats;
namespace kadp = protocol::kad;
using boost::asio::ip::udp;

// Runs `body` to completion, with a hang guard that fails the test (not a timing assertion);
// several relays converge slowly under sanitizers, so the guard is longer than the default.
void run(asio::io_context& io, std::function<asio::awaitable<void>()> body) {
  test::run(io, std::move(body), std::chrono::seconds(90));
}

// Polls `condition` every 20 ms, at most ~`limit` (a hang guard, not a timing assertion).
asio::awaitable<bool> eventually(std::function<bool()> condition,
                                 std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (auto waited = std::chrono::milliseconds(0); waited < limit;
       waited += std::chrono::milliseconds(20)) {
    if (condition()) co_return true;
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(protocol::kUseTuple);
  }
  co_return condition();
}

struct Relay {
  std::shared_ptr<Host> host;
  std::shared_ptr<KadService> kad;
  std::shared_ptr<IdentifyService> identify;
  std::shared_ptr<KadQueries> queries;
  std::shared_ptr<KadBootstrap> bootstrap;
  std::shared_ptr<KadRepublisher> republisher;

  mf::Multiaddr address() const {
    return quic_multiaddr(host->bound_endpoints().at(0))
        .with(mf::Protocol::p2p, host->peer_id().bytes());
  }
  bool knows(const crypto::PeerId& peer) const {
    return kad->routing_table().find(peer) != nullptr;
  }
  void stop() {
    if (republisher) republisher->stop();
    if (bootstrap) bootstrap->stop();
    if (queries) queries->stop();
    kad->stop();
    host->close();
  }
};

struct RelayOptions {
  std::vector<mf::Multiaddr> bootstrap;
  KadReplicationConfig replication{.interval = std::chrono::milliseconds(0),
                                   .new_record_check = std::chrono::milliseconds(0)};
};

class MultiRelayTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& relay : relays_)
      relay.stop();
    for (auto& host : plain_hosts_)
      host->close();
    io_.run_for(std::chrono::milliseconds(100));
  }

  // A full DHT node like the relay app builds: kad before identify, so identify advertises it.
  Relay& make_relay(RelayOptions options = {}) {
    HostConfig config;
    config.listen = {udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)};
    auto host = Host::create(io_, crypto::Ed25519Keypair::generate(), config);
    EXPECT_TRUE(host.ok()) << host.error().message;
    Relay relay;
    relay.host = *host;
    install_ping(*relay.host);
    relay.kad = KadService::install(relay.host, KadConfig{});
    relay.identify = IdentifyService::install(
        relay.host, IdentifyConfig{.protocol_version = "/test/1.0.0",
                                   .agent_version = "multi-relay-test",
                                   .request_timeout = std::chrono::seconds(10),
                                   .limits = {}});
    relay.identify->refresh();
    relay.queries = KadQueries::create(relay.kad);
    relay.bootstrap =
        KadBootstrap::start(relay.kad, relay.queries,
                            KadBootstrapConfig{.peers = options.bootstrap,
                                               .retry_initial = std::chrono::milliseconds(100),
                                               .retry_max = std::chrono::milliseconds(500),
                                               .refresh_interval = std::chrono::milliseconds(0)});
    relay.republisher = KadRepublisher::start(relay.kad, relay.queries, options.replication);
    relays_.push_back(std::move(relay));
    return relays_.back();
  }

  // A bare host: no kad, no identify — a client that only sends requests.
  std::shared_ptr<Host> make_client() {
    auto host = Host::create(io_, crypto::Ed25519Keypair::generate(), HostConfig{});
    EXPECT_TRUE(host.ok());
    plain_hosts_.push_back(*host);
    return *host;
  }

  asio::io_context io_;
  std::deque<Relay> relays_;
  std::vector<std::shared_ptr<Host>> plain_hosts_;
};

kadp::KadRecord test_record(const crypto::PeerId& publisher) {
  return kadp::KadRecord{.key = to_bytes("/privstack/test-record"),
                         .value = to_bytes("hello across relays"),
                         .publisher = publisher,
                         .ttl = 3600,
                         .time_received = {}};
}

TEST(RandomKeyInBucket, LandsInTheAskedBucketOrGivesUp) {
  const auto local = kadp::KadKey::from_peer(crypto::Ed25519Keypair::generate().peer_id());
  for (std::size_t bucket : {255U, 254U, 250U}) {
    auto key = random_key_in_bucket(local, bucket, 4096);
    ASSERT_TRUE(key.has_value()) << bucket;
    EXPECT_EQ(kadp::bucket_index(kadp::KadKey::from_bytes(*key).distance(local)), bucket);
    EXPECT_TRUE(crypto::PeerId::from_bytes(*key).ok());  // peer-id shaped, for go servers
  }
  // Bucket 0 holds one key in 2^256: never found by sampling.
  EXPECT_FALSE(random_key_in_bucket(local, 0, 64).has_value());
}

// One request from a bare client. (Vectors are built here, outside any co_await expression: GCC 12
// rejects braced lists whose backing array lives across a suspension point.)
asio::awaitable<Result<std::optional<kadp::KadMessage>>> request_to(Host& from, crypto::PeerId peer,
                                                                    mf::Multiaddr address,
                                                                    kadp::KadMessage message) {
  std::vector<mf::Multiaddr> addresses;
  addresses.push_back(std::move(address));
  co_return co_await send_request(from, peer, std::move(addresses), std::move(message));
}

kadp::KadMessage put_message(const kadp::KadRecord& record) {
  return kadp::KadMessage{
      .type = kadp::MessageType::put_value, .key = record.key, .record = record};
}

kadp::KadMessage request_message(kadp::MessageType type, Bytes key) {
  return kadp::KadMessage{.type = type, .key = std::move(key)};
}

TEST_F(MultiRelayTest, BootstrapJoinsAndFindNodeReachesAPeerOfAnotherRelay) {
  Relay& a = make_relay();
  Relay& b = make_relay({.bootstrap = {a.address()}});
  // D is a DHT server connected only to B (like a rust client in server mode).
  Relay& d = make_relay();

  run(io_, [&]() -> asio::awaitable<void> {
    EXPECT_TRUE(co_await eventually([&] { return b.bootstrap->joined() == 1; }));
    EXPECT_TRUE(b.knows(a.host->peer_id()));  // the dialed address, before identify
    // A learns B by identify (B advertises kad). Only then does C join, so that C's self lookup
    // through A can find B.
    EXPECT_TRUE(co_await eventually([&] { return a.knows(b.host->peer_id()); }));
    RelayOptions via_a;
    via_a.bootstrap.push_back(a.address());
    Relay& c = make_relay(via_a);
    EXPECT_TRUE(co_await eventually([&] { return c.bootstrap->joined() == 1; }));
    EXPECT_TRUE(co_await eventually([&] { return a.knows(c.host->peer_id()); }));
    EXPECT_TRUE(co_await eventually([&] { return c.knows(b.host->peer_id()); }));

    auto connected = co_await d.host->dial(b.address());
    EXPECT_TRUE(connected.ok());
    EXPECT_TRUE(co_await eventually([&] { return b.knows(d.host->peer_id()); }));
    EXPECT_EQ(c.host->connection_to(d.host->peer_id()), nullptr);

    auto found = co_await c.queries->get_closest_peers(d.host->peer_id().bytes());
    std::vector<crypto::PeerId> ids;
    for (const auto& peer : found)
      ids.push_back(peer.id);
    EXPECT_NE(std::find(ids.begin(), ids.end(), d.host->peer_id()), ids.end())
        << "C's lookup did not reach D through B";
    EXPECT_EQ(std::find(ids.begin(), ids.end(), c.host->peer_id()), ids.end()) << "self in result";
    // C dialed D during the walk; D advertises kad, so the service inserted it.
    EXPECT_TRUE(co_await eventually([&] { return c.knows(d.host->peer_id()); }));

    // A refresh round (self lookup + one random key per non-empty bucket) completes.
    co_await c.bootstrap->refresh();
    EXPECT_EQ(c.bootstrap->refreshes(), 1U);
  });
}

TEST_F(MultiRelayTest, RecordPutAtAReachesCByReplication) {
  const RelayOptions fast{.bootstrap = {},
                          .replication = {.interval = std::chrono::milliseconds(0),
                                          .new_record_check = std::chrono::milliseconds(100)}};
  Relay& a = make_relay(fast);
  RelayOptions joins = fast;
  joins.bootstrap = {a.address()};
  Relay& b = make_relay(joins);
  Relay& c = make_relay(joins);
  auto writer = make_client();
  auto reader = make_client();
  const auto record = test_record(writer->peer_id());

  run(io_, [&]() -> asio::awaitable<void> {
    EXPECT_TRUE(co_await eventually(
        [&] { return a.knows(b.host->peer_id()) && a.knows(c.host->peer_id()); }));
    // A client of A stores the record there (one PUT_VALUE, as rust sends it).
    auto put = co_await request_to(*writer, a.host->peer_id(), a.address(), put_message(record));
    EXPECT_TRUE(put.ok()) << (put.ok() ? "" : put.error().message);

    // A client of C asks C only, until C has it (replicated from A, not looked up by C).
    std::optional<kadp::KadRecord> got;
    EXPECT_TRUE(co_await eventually([&] { return c.kad->records().size() > 0; }));
    auto answer = co_await request_to(*reader, c.host->peer_id(), c.address(),
                                      request_message(kadp::MessageType::get_value, record.key));
    EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.error().message);
    if (answer && *answer) got = (*answer)->record;
    EXPECT_TRUE(got.has_value());
    if (got) {
      EXPECT_EQ(got->value, record.value);
      EXPECT_EQ(got->publisher, record.publisher);  // kept through replication
      EXPECT_GT(got->ttl, 0U);
      EXPECT_LE(got->ttl, 3600U);  // remaining ttl, never extended
    }
    EXPECT_GE(a.republisher->records_sent(), 1U);
    // No bounce: once C has sent its copy on (to A and B), the copies that came back are the
    // ones already sent, so a new-record pass at A and then at C sends nothing.
    co_await c.republisher->replicate(false);
    const auto again_at_a = co_await a.republisher->replicate(false);
    EXPECT_EQ(again_at_a, 0U);
    const auto again_at_c = co_await c.republisher->replicate(false);
    EXPECT_EQ(again_at_c, 0U);
    // The periodic full pass re-sends it.
    const auto resent = co_await a.republisher->replicate(true);
    EXPECT_EQ(resent, 1U);
  });
}

TEST_F(MultiRelayTest, FullPassReplicatesAStoreOfManyRecordsInBoundedParallel) {
  Relay& a = make_relay();
  Relay& b = make_relay({.bootstrap = {a.address()}});
  constexpr std::size_t kRecords = 30;  // more than max_parallel (8)
  for (std::size_t i = 0; i < kRecords; ++i) {
    kadp::StoredRecord record;
    record.key = to_bytes("/privstack/many/" + std::to_string(i));
    record.value = to_bytes("value " + std::to_string(i));
    ASSERT_TRUE(a.kad->records().put(std::move(record)).ok());
  }
  run(io_, [&]() -> asio::awaitable<void> {
    EXPECT_TRUE(co_await eventually([&] { return a.knows(b.host->peer_id()); }));
    // Each put waits for its PUT_VALUE answers, so B holds them all once the pass returns.
    const auto sent = co_await a.republisher->replicate(true);
    EXPECT_EQ(sent, kRecords);
    EXPECT_EQ(b.kad->records().size(), kRecords);
  });
}

TEST_F(MultiRelayTest, GetRecordWalksToTheRelayThatHasIt) {
  Relay& a = make_relay();
  Relay& b = make_relay({.bootstrap = {a.address()}});
  Relay& c = make_relay({.bootstrap = {b.address()}});  // C knows only B at first
  auto writer = make_client();
  const auto record = test_record(writer->peer_id());

  run(io_, [&]() -> asio::awaitable<void> {
    EXPECT_TRUE(co_await eventually([&] { return c.bootstrap->joined() == 1; }));
    auto put = co_await request_to(*writer, a.host->peer_id(), a.address(), put_message(record));
    EXPECT_TRUE(put.ok());
    EXPECT_EQ(c.kad->records().size(), 0U);
    auto got = co_await c.queries->get_record(record.key);
    EXPECT_TRUE(got.has_value());
    if (got) {
      EXPECT_EQ(got->value, record.value);
    }
    // put_record from C stores at the closest peers it finds (A and B).
    auto stored = co_await c.queries->put_record(test_record(c.host->peer_id()));
    EXPECT_EQ(stored.stored_at.size(), 2U);
  });
}

TEST_F(MultiRelayTest, UnreachableBootstrapPeerIsRetriedWithoutHarm) {
  // A peer id nobody listens for, at an address nothing answers on: the dial fails, is retried.
  auto nobody = crypto::Ed25519Keypair::generate().peer_id();
  auto address = *mf::Multiaddr::parse("/ip4/127.0.0.1/udp/9/quic-v1");
  Relay& a = make_relay({.bootstrap = {address.with(mf::Protocol::p2p, nobody.bytes())}});
  Relay& b = make_relay({.bootstrap = {a.address()}});
  run(io_, [&]() -> asio::awaitable<void> {
    EXPECT_TRUE(co_await eventually([&] { return b.bootstrap->joined() == 1; }));
    EXPECT_EQ(a.bootstrap->joined(), 0U);
    // A keeps serving while its own bootstrap keeps failing.
    EXPECT_TRUE(co_await eventually([&] { return a.knows(b.host->peer_id()); }));
  });
}

// A server that answers every kad stream with `reply` (raw bytes), to test the client's checks.
void install_fake_kad(Host& host, Bytes reply) {
  host.set_handler(std::string(kadp::kProtocolId),
                   [reply](StreamPtr stream, ConnectionPtr) -> asio::awaitable<void> {
                     auto request = co_await protocol::read_frame(*stream, 64 * 1024);
                     co_await protocol::write_all(*stream, reply, "fake reply");
                     stream->close_write();
                     (void)request;
                   });
}

TEST_F(MultiRelayTest, QueryTimeoutEndsALookupStuckOnASilentPeer) {
  // A kad server that takes requests and never answers; the per-peer timeout (10 s) is far off,
  // so only the query timeout can end the lookup.
  HostConfig config;
  config.listen = {udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)};
  auto silent = Host::create(io_, crypto::Ed25519Keypair::generate(), config);
  ASSERT_TRUE(silent.ok());
  plain_hosts_.push_back(*silent);
  (*silent)->set_handler(
      std::string(kadp::kProtocolId), [](StreamPtr stream, ConnectionPtr) -> asio::awaitable<void> {
        asio::steady_timer never(co_await asio::this_coro::executor, std::chrono::minutes(10));
        co_await never.async_wait(protocol::kUseTuple);
        stream->reset();
      });
  Relay& a = make_relay();
  auto queries = KadQueries::create(
      a.kad,
      KadQueryConfig{.lookup = {}, .query_timeout = std::chrono::milliseconds(300), .client = {}});
  std::vector<kadp::KadPeer> seeds{
      kadp::KadPeer{.id = (*silent)->peer_id(),
                    .addrs = {quic_multiaddr((*silent)->bound_endpoints().at(0))},
                    .connection = kadp::ConnectionType::not_connected}};
  run(io_, [&]() -> asio::awaitable<void> {
    auto found = co_await queries->get_closest_peers(to_bytes("anything"), seeds);
    EXPECT_TRUE(found.empty());
  });
  queries->stop();
}

TEST_F(MultiRelayTest, ClientRejectsWrongTypeOversizeAndGarbageAnswers) {
  auto client = make_client();
  struct Case {
    const char* name;
    Bytes reply;
  };
  kadp::KadMessage ping{.type = kadp::MessageType::ping};
  std::vector<Case> cases{
      {"wrong type", protocol::encode_frame(kadp::encode_message(ping))},
      {"oversize", protocol::encode_frame(Bytes(200 * 1024, 0x08))},
      {"garbage", Bytes{0x05, 0xff, 0xff, 0xff, 0xff, 0xff}},
      {"no answer", Bytes{}},
  };
  for (auto& test_case : cases) {
    HostConfig config;
    config.listen = {udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)};
    auto server = Host::create(io_, crypto::Ed25519Keypair::generate(), config);
    ASSERT_TRUE(server.ok());
    plain_hosts_.push_back(*server);
    install_fake_kad(**server, test_case.reply);
    const auto address = quic_multiaddr((*server)->bound_endpoints().at(0));
    run(io_, [&]() -> asio::awaitable<void> {
      // The address without /p2p/: the client appends it.
      auto request = request_message(kadp::MessageType::find_node, to_bytes("key"));
      auto answer = co_await request_to(*client, (*server)->peer_id(), address, request);
      EXPECT_FALSE(answer.ok()) << test_case.name;
    });
  }
}

}  // namespace
}  // namespace privstack::node
